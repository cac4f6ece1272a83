import { validatePositiveInteger } from '../domain/validation.js';
import { queuedRunCount } from '../services/queue.js';
import { recoverStaleRuns } from '../services/runs.js';
import { Worker } from '../services/worker.js';
import { defineCommand } from './command.js';
import { logEvent, superviseUntilSignal } from './supervise.js';

export default defineCommand({
  help: `
Usage: pobsync worker [--loop] [--interval SECONDS]

The worker half of the daemon: runs queued backups (at most max-concurrent at once, never two
for one host) until the queue is empty, and exits. With --loop it keeps going, looking for
queued runs every --interval seconds (default 15). Several workers may run at once.
`,
  flags: { loop: { type: 'boolean' }, interval: { type: 'string' } },
  async run({ flags, app }) {
    const interval = flags.interval === undefined ? 15 : validatePositiveInteger('interval', flags.interval, 86_400);
    const opened = await app();
    if (flags.loop) {
      return superviseUntilSignal(opened, { role: 'worker', schedule: false, work: true, schedulerIntervalMs: interval * 1000, workerIntervalMs: interval * 1000 });
    }
    for (const run of await recoverStaleRuns(opened)) logEvent({ type: 'recovered', runId: run.id, message: `run #${run.id} of ${run.host} was left running by a process that is gone: marked interrupted` });
    // Until the queue is empty: runs other workers hold slots for still count as work to wait for.
    let wake: () => void = () => {};
    const worker = new Worker(opened, logEvent, () => wake());
    for (;;) {
      await worker.tick();
      if (worker.runningIds.length === 0 && (await queuedRunCount(opened)) === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  },
});
