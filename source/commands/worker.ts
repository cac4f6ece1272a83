import { EXIT } from '../domain/exit-codes.js';
import { validatePositiveInteger } from '../domain/validation.js';
import { RunFollowUps } from '../services/monitoring/follow-up.js';
import { dueRunCount } from '../services/runs/queue.js';
import { Worker } from '../services/runs/worker.js';
import { defineCommand } from './command.js';
import { logEvent, superviseUntilSignal } from './supervise.js';

export default defineCommand({
  help: `
Usage: pobsync worker [--loop] [--interval SECONDS]

The worker half of the daemon: runs queued backups (at most max-concurrent at once, never two
for one host) until no queued run is due (retries waiting for their time stay queued), and
exits; 130 or 143 when SIGINT or SIGTERM stopped it. With --loop it keeps going, looking for
queued runs every --interval seconds (default 15). Several workers may run at once.
`,
  flags: { loop: { type: 'boolean' }, interval: { type: 'string' } },
  async run({ flags, app }) {
    const interval = flags.interval === undefined ? 15 : validatePositiveInteger('interval', flags.interval, 86_400);
    const opened = await app();
    if (flags.loop) {
      return superviseUntilSignal(opened, {
        role: 'worker',
        schedule: false,
        work: true,
        schedulerIntervalMs: interval * 1000,
        workerIntervalMs: interval * 1000,
      });
    }
    // Until the queue is empty: runs other workers hold slots for still count as work to wait for.
    let wake: () => void = () => {};
    let stopping: NodeJS.Signals | undefined;
    const followUps = new RunFollowUps(opened, logEvent);
    const worker = new Worker(
      opened,
      logEvent,
      () => wake(),
      {},
      (run) => followUps.handle(run),
    );
    const stop = (signal: NodeJS.Signals) => {
      logEvent({ type: 'shutdown', message: `${signal}: interrupting the backups this worker runs; their trees stay for the next run` });
      stopping = signal;
      void worker.stop(0).then(() => wake());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (;;) {
      await worker.tick();
      if (worker.runningIds.length === 0 && (stopping || (await dueRunCount(opened)) === 0)) {
        await followUps.drain();
        return stopping ? (stopping === 'SIGINT' ? EXIT.sigint : EXIT.sigterm) : EXIT.ok;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  },
});
