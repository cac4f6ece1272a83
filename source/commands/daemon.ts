import { validatePositiveInteger } from '../domain/validation.js';
import { defineCommand } from './command.js';
import { superviseUntilSignal } from './supervise.js';

export default defineCommand({
  help: `
Usage: pobsync daemon [--interval SECONDS]

Runs the scheduler and the backup worker in the foreground, for systemd: backups happen on
schedule whether or not anyone has the TUI open. Logs one line per event on stdout.

Only one scheduler runs per catalogue: a second daemon stands by and takes over when the
first stops or dies. At start, runs left "running" by a process that is gone are marked
interrupted; schedules that should have fired while nothing ran fire once.

SIGTERM or SIGINT: no new backups; running ones get the shutdown grace period
(configure-global --shutdown-grace, default 30 s), then rsync is stopped and they end
"interrupted"; their trees stay in .incomplete/ for the next run.

  --interval SECONDS   how often the worker looks for queued runs (default 5)
`,
  flags: { interval: { type: 'string' } },
  async run({ flags, app }) {
    const interval = flags.interval === undefined ? 5 : validatePositiveInteger('interval', flags.interval, 3600);
    // Schedules are read again at least every 15 s: a new one fires on time, not up to a minute late.
    return superviseUntilSignal(await app(), {
      role: 'daemon',
      schedule: true,
      work: true,
      schedulerIntervalMs: 15_000,
      workerIntervalMs: interval * 1000,
    });
  },
});
