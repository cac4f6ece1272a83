import { defineConfig } from 'vitest/config';

/**
 * The catalogue, queue, scheduler, retention and several-servers integration tests run twice: on SQLite with
 * everything else, then on MariaDB (POBSYNC_TEST_DATABASE=mariadb: each workspace opens a database
 * of its own on one private mariadbd, test/helpers/mariadb.ts). MariaDB-only tests run in that pass only.
 */
const ON_BOTH = [
  'test/integration/catalogue.test.ts',
  'test/integration/catalogue-version.test.ts',
  'test/integration/scheduler.test.ts',
  'test/integration/retention.test.ts',
  'test/integration/servers.test.ts',
];
const MARIADB_ONLY = ['test/integration/mariadb.test.ts'];

export default defineConfig({
  test: {
    // Integration tests run real rsync over a real sshd: give them room on a busy 2-core box.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One sshd for the whole run, shared by every file (test/helpers/sshd.ts says how).
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: MARIADB_ONLY },
      },
      {
        extends: true,
        test: {
          name: 'mariadb',
          include: [...ON_BOTH, ...MARIADB_ONLY],
          env: { POBSYNC_TEST_DATABASE: 'mariadb' },
          globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/mariadb-setup.ts'],
        },
      },
    ],
  },
});
