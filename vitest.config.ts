import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests run real rsync over a real sshd: give them room on a busy 2-core box.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One sshd for the whole run, shared by every file (test/helpers/sshd.ts says how).
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
