/**
 * What happens after a run ends, in whichever process ran it: a failed scheduled backup is queued
 * again (runs/retry.ts) or, with no retries left, alerted; a good one after trouble alerts
 * recovery; the host's old runs are pruned and the metrics textfile rewritten. None of it holds up
 * the worker: it runs beside the next runs, and a stopping worker waits for it (hooks have their
 * time limit).
 */
import { formatTime } from '../../domain/format.js';
import { RunLog } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { pruneRuns } from '../runs/pruning.js';
import { queueRetry } from '../runs/retry.js';
import type { RunView } from '../runs/runs.js';
import type { EventSink } from '../schedule/events.js';
import { alertOnRunEnd, deliveryLines } from './alerts.js';
import { refreshMetrics } from './metrics.js';

export class RunFollowUps {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly app: App,
    private readonly emit: EventSink,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Starts the follow-up of a run that ended; returns at once. */
  handle(run: RunView): void {
    const done: Promise<void> = this.followUp(run)
      .catch((error: unknown) => {
        this.emit({
          type: 'error',
          runId: run.id,
          message: `after run #${run.id}: ${error instanceof Error ? error.message : String(error)}`,
        });
      })
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves when every follow-up started so far has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private followUp(run: RunView): Promise<void> {
    return followUpRun(this.app, run, this.emit, this.clock());
  }
}

/** The follow-up of one run, awaited: what a foreground `pobsync backup` does before it exits. */
export async function followUpRun(app: App, run: RunView, emit: EventSink, now = new Date()): Promise<void> {
  const retry = await queueRetry(app, run, now);
  if (retry) {
    const message = retry.existing
      ? `run #${run.id} ${run.host} failed; run #${retry.runId}, already queued, is its retry`
      : `run #${run.id} ${run.host} failed: retry ${retry.attempt - 1} of ${retry.retries} queued as run #${retry.runId}, ` +
        `not before ${formatTime(retry.notBefore)}; alerts wait for the last try`;
    emit({ type: 'retry', runId: run.id, host: run.host, message });
    if (run.logPath) {
      const log = new RunLog(run.logPath);
      log.note(message, now);
      await log.close();
    }
  } else {
    const alert = await alertOnRunEnd(app, run, now);
    if (alert) {
      for (const delivery of alert.deliveries) {
        const [first, ...output] = deliveryLines(alert.event, [delivery]);
        emit({ type: 'alert', runId: run.id, host: run.host, level: delivery.ok ? 'info' : 'error', message: first! });
        for (const line of output) emit({ type: 'alert', runId: run.id, host: run.host, message: line });
      }
    }
  }
  await pruneRuns(app, { host: run.host });
  await refreshMetrics(app, now);
}
