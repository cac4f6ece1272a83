/**
 * Retries: a scheduled backup that failed is queued again, `retries` times, after the retry delay
 * doubled for each earlier retry (5 min, 10 min, ...), before anyone is alerted. A partial backup
 * made a snapshot and is not retried; a cancelled or interrupted one is not a failure.
 */
import { RunSchema } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { retryDelaySeconds } from '../../domain/alerting.js';
import type { App } from '../app.js';
import { loadSettings } from '../settings.js';
import type { RunView } from './runs.js';

export interface QueuedRetry {
  runId: number;
  attempt: number;
  /** of `retries` in all */
  retries: number;
  notBefore: Date;
  /** true when the host had a run queued already (a schedule fired meanwhile): that one is the retry */
  existing: boolean;
}

/** Queues the next try of `run` if it is a failed scheduled backup with retries left; undefined otherwise. */
export async function queueRetry(app: App, run: RunView, now = new Date()): Promise<QueuedRetry | undefined> {
  if (run.kind !== 'scheduled' || run.status !== 'failed') return undefined;
  const em = app.catalogue.em();
  const row = await em.findOne(RunSchema, { id: run.id }, { populate: ['host'] });
  if (!row) return undefined;
  const settings = await loadSettings(em);
  const retries = row.host.retries ?? settings.retries;
  const attempt = (row.attempt ?? 1) + 1;
  if (attempt > retries + 1) return undefined;
  const delay = retryDelaySeconds(row.host.retryDelaySeconds ?? settings.retryDelaySeconds, attempt);
  const notBefore = new Date(now.getTime() + delay * 1000);
  const runId = await runs.insertRetryRun(em, {
    hostId: row.host.id,
    scheduleId: row.schedule?.id ?? null,
    prune: row.prune,
    attempt,
    now,
    notBefore,
  });
  if (runId !== undefined) return { runId, attempt, retries, notBefore, existing: false };
  const blocking = await runs.blockingRun(em, row.host.id);
  return blocking ? { runId: blocking.id, attempt, retries, notBefore: now, existing: true } : undefined;
}
