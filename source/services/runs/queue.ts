/**
 * The run queue: `queued` run rows, put there by schedules and `backup --queue`, taken by
 * workers in any process. Each step is one SQL statement (catalogue/runs.ts), so racing
 * processes cannot both win: a fire inserts only while its host is idle, a claim updates only a
 * still-queued row while fewer than `maxConcurrent` runs are running and none is for its host.
 */
import type { Schedule } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { markScheduleFired } from '../../catalogue/schedules.js';
import { activeRunCounts } from '../../catalogue/summaries.js';
import type { RunKind } from '../../domain/types.js';
import { currentProcess } from '../../engine/process-identity.js';
import { runLogPathParts } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';

/** Queues a backup of the host; a manual request always queues, even behind other runs. */
export async function queueBackup(
  app: App,
  hostName: string | undefined,
  options: { kind?: RunKind; prune?: boolean } = {},
): Promise<{ runId: number; host: string }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const runId = await runs.insertQueuedRun(em, host.id, options.kind ?? 'manual', options.prune ?? false);
  return { runId, host: host.name };
}

export type FireOutcome =
  | { outcome: 'queued'; runId: number }
  | { outcome: 'skipped'; runId: number; reason: string }
  /** another scheduler already handled this fire time */
  | { outcome: 'duplicate' };

/**
 * Handles one due fire of a schedule: a queued run, unless the host already has a run queued
 * or running; then a `skipped` run that says which. Either way the fire is recorded as handled.
 */
export async function fireSchedule(app: App, schedule: Schedule, at: Date, now = new Date()): Promise<FireOutcome> {
  const em = app.catalogue.em();
  const fire: runs.Fire = {
    hostId: schedule.host.id,
    scheduleId: schedule.id,
    at,
    now,
    prune: schedule.prune,
    kind: schedule.action === 'verify' ? 'verify' : schedule.action === 'replicate' ? 'replicate' : 'scheduled',
    server: schedule.server ?? null,
  };
  let outcome: FireOutcome;
  const queued = await runs.insertFiredRun(em, fire);
  if (queued === 'duplicate') {
    outcome = { outcome: 'duplicate' };
  } else if (queued !== undefined) {
    outcome = { outcome: 'queued', runId: queued };
  } else {
    const blocking = await runs.blockingRun(em, schedule.host.id);
    const reason = blocking ? `${schedule.host.name} already has run #${blocking.id} ${blocking.status}` : `${schedule.host.name} was busy`;
    const skipped = await runs.insertSkippedRun(em, fire, `skipped: ${reason}`);
    outcome = skipped === 'duplicate' ? { outcome: 'duplicate' } : { outcome: 'skipped', runId: skipped, reason };
  }
  await markScheduleFired(em, schedule.id, at);
  return outcome;
}

/** Takes the oldest due queued run whose host is idle, within the global limit, and makes it ours. */
export function claimNextRun(app: App, maxConcurrent: number, now = new Date()): Promise<{ id: number; host: string } | undefined> {
  return runs.claimNextRun(app.catalogue.em(), currentProcess(), runLogPathParts(app.paths.logs), maxConcurrent, now);
}

/** Gives a claimed run back to the queue: the worker is stopping before it started it. */
export function releaseClaim(app: App, runId: number): Promise<void> {
  return runs.releaseClaim(app.catalogue.em(), runId);
}

export async function queuedRunCount(app: App): Promise<number> {
  return (await activeRunCounts(app.catalogue.em())).queued;
}

/** Queued runs that may start now: retries waiting for their time do not count. */
export function dueRunCount(app: App, now = new Date()): Promise<number> {
  return runs.dueQueuedCount(app.catalogue.em(), now);
}
