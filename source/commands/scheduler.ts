import { randomUUID } from 'node:crypto';
import { OperationError } from '../domain/errors.js';
import { formatTime } from '../domain/format.js';
import { validatePositiveInteger } from '../domain/validation.js';
import { releaseLease, tryAcquireLease } from '../services/schedule/lease.js';
import { schedulerTick } from '../services/schedule/scheduler.js';
import { defineCommand } from './command.js';
import { logEvent, superviseUntilSignal } from './supervise.js';

export default defineCommand({
  help: `
Usage: pobsync scheduler [--loop] [--interval SECONDS]

The scheduler half of the daemon: queues a run for every schedule that is due, once, and
exits. With --loop it keeps going, re-reading schedules at least every --interval seconds
(default 60) and waking for each fire time; "pobsync worker" runs what it queues. It needs
the scheduler lease, so it refuses while a daemon or the TUI schedules.
`,
  flags: { loop: { type: 'boolean' }, interval: { type: 'string' } },
  async run({ flags, app }) {
    const interval = flags.interval === undefined ? 60 : validatePositiveInteger('interval', flags.interval, 86_400);
    const opened = await app();
    if (flags.loop) {
      return superviseUntilSignal(opened, {
        role: 'scheduler',
        schedule: true,
        work: false,
        schedulerIntervalMs: interval * 1000,
        workerIntervalMs: interval * 1000,
      });
    }
    const holder = randomUUID();
    const { acquired, lease } = await tryAcquireLease(opened, holder, 'scheduler');
    if (!acquired) {
      throw new OperationError(
        `the scheduler lease is held by ${lease?.role} pid ${lease?.pid} on ${lease?.node} since ` +
          `${formatTime(lease ? new Date(lease.acquiredAt) : null)}: it schedules already`,
      );
    }
    try {
      await schedulerTick(opened, new Date(), logEvent);
    } finally {
      await releaseLease(opened, holder);
    }
  },
});
