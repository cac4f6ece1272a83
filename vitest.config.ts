import { defineConfig } from 'vitest/config';

/**
 * Three projects in one run:
 * - `unit`: pure functions (the domain, the TUI's key and row logic); no sshd, no catalogue, no
 *   process of their own: one worker process runs file after file (isolate: false), which saves a
 *   fork and a fresh module graph per file.
 * - `sqlite`: everything else, each file in a process of its own, on the run's shared sshd.
 * - `mariadb`: the catalogue, queue, scheduler, retention and several-servers integration tests again, on MariaDB
 *   (POBSYNC_TEST_DATABASE=mariadb: each workspace opens a database of its own on one private
 *   mariadbd, test/helpers/mariadb.ts). MariaDB-only tests run in that pass only.
 */
const ON_BOTH = [
  'test/integration/catalogue.test.ts',
  'test/integration/catalogue-version.test.ts',
  'test/integration/scheduler.test.ts',
  'test/integration/retention.test.ts',
  'test/integration/servers.test.ts',
];
const MARIADB_ONLY = ['test/integration/mariadb.test.ts'];
const PURE = [
  'test/unit/**/*.test.ts',
  'test/tui/keymap.test.ts',
  'test/tui/keys.test.ts',
  'test/tui/log-rows.test.ts',
  'test/tui/messages.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests run real rsync over a real sshd, and a test of 30 commands took 111 s with
    // the 2-core box at a load of 15: the limit catches a hang, not a slow machine.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: PURE, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...MARIADB_ONLY, ...PURE],
          // One sshd for the project, shared by every file (test/helpers/sshd.ts says how).
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'mariadb',
          include: [...ON_BOTH, ...MARIADB_ONLY],
          env: { POBSYNC_TEST_DATABASE: 'mariadb' },
          // No shared sshd (servers.test starts one of its own): one private mariadbd for the project instead.
          globalSetup: ['test/helpers/mariadb-setup.ts'],
        },
      },
    ],
  },
});
