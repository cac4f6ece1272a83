/**
 * Runs: starting one under the host lock, finishing it, and reading them back.
 *
 * The lock is the run row itself: the catalogue holds at most one `running` run per host (a
 * partial unique index), so starting a run is one INSERT that either wins or tells us who
 * holds the host. A holder whose process is gone is marked `interrupted` and the lock taken
 * over, with a compare-and-set UPDATE so two takers cannot both win.
 */
import { stat } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type BackupRun, BackupRunSchema, type Host, HostSchema } from '../../catalogue/entities/index.js';
import { isUniqueViolation } from '../../catalogue/errors.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatTime } from '../../domain/format.js';
import type { RestoreDetails, RsyncProgress, RsyncStats, RunKind, RunStatus } from '../../domain/types.js';
import { validateRunId } from '../../domain/validation.js';
import { currentProcess, liveness } from '../../engine/process-identity.js';
import { readLogFrom, runLogPath } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import type { EventSink } from '../schedule/events.js';

export interface RunView {
  id: number;
  host: string;
  kind: RunKind;
  status: RunStatus;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationSeconds: number | null;
  pid: number | null;
  node: string | null;
  logPath: string | null;
  progress: RsyncProgress | null;
  stats: RsyncStats | null;
  error: string | null;
  /** the snapshot a backup linked against; the snapshot a restore read */
  base: string | null;
  snapshot: string | null;
  /** for a restore run: what it restored, and where to */
  restore: RestoreDetails | null;
}

export function runView(run: BackupRun, now = new Date()): RunView {
  const end = run.finishedAt ?? (run.status === 'running' ? now : null);
  return {
    id: run.id,
    host: run.host.name,
    kind: run.kind,
    status: run.status,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationSeconds: run.startedAt && end ? Math.round((end.getTime() - run.startedAt.getTime()) / 1000) : null,
    pid: run.pid ?? null,
    node: run.node ?? null,
    logPath: run.logPath ?? null,
    progress: run.progress ?? null,
    stats: run.stats ?? null,
    error: run.error ?? null,
    base: run.base?.name ?? null,
    snapshot: run.snapshot?.name ?? null,
    restore: run.restore ?? null,
  };
}

export interface StartedRun {
  run: BackupRun;
  /** set when this run took the lock over from a run whose process had died */
  tookOverFrom?: { id: number; pid: number | null; node: string | null };
}

/**
 * Inserts a `running` run for the host, holding its lock. Refuses (OperationError naming the
 * holder) while another live process runs this host.
 */
export async function startRun(app: App, host: Host, kind: RunKind, logsDir: string): Promise<StartedRun> {
  const me = currentProcess();
  let tookOverFrom: StartedRun['tookOverFrom'];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const em = app.catalogue.em();
    const now = new Date();
    const run = em.create(BackupRunSchema, {
      host: em.getReference(HostSchema, host.id),
      kind,
      status: 'running',
      queuedAt: now,
      startedAt: now,
      pid: me.pid,
      node: me.node,
      pidStart: me.pidStart,
    });
    try {
      await em.flush();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      tookOverFrom = (await takeOverIfDead(app.catalogue.em(), host)) ?? tookOverFrom;
      continue;
    }
    run.logPath = runLogPath(logsDir, run.id);
    await em.flush();
    return tookOverFrom ? { run, tookOverFrom } : { run };
  }
  throw new OperationError(`could not take the lock of host "${host.name}": other processes keep starting runs of it`);
}

/** Marks the host's running run interrupted if its process is gone; throws if it is alive. */
async function takeOverIfDead(em: EntityManager, host: Host): Promise<StartedRun['tookOverFrom']> {
  const holder = await em.findOne(BackupRunSchema, { host: host.id, status: 'running' });
  if (!holder) return undefined;
  const state = liveness(holder);
  if (state !== 'dead') {
    const where = holder.pid
      ? ` (pid ${holder.pid} on ${holder.node ?? 'an unknown machine'}, started ${formatTime(holder.startedAt)})`
      : '';
    throw new OperationError(
      `host "${host.name}" is already being backed up by run #${holder.id}${where}; "pobsync log ${holder.id} --follow" shows it`,
    );
  }
  await markInterrupted(em, holder, `its process (pid ${holder.pid} on ${holder.node}) no longer exists; the host lock was taken over`);
  return { id: holder.id, pid: holder.pid ?? null, node: holder.node ?? null };
}

/** Compare-and-set: only a run that is still `running` is changed. Returns whether it was. */
export async function markInterrupted(em: EntityManager, run: BackupRun, reason: string): Promise<boolean> {
  const changed = await em.nativeUpdate(
    BackupRunSchema,
    { id: run.id, status: 'running' },
    { status: 'interrupted', finishedAt: new Date(), error: reason },
  );
  return changed > 0;
}

/**
 * Runs left `running` by a process that no longer exists (killed, crashed, its machine
 * rebooted) become `interrupted`, which frees their hosts and their slots; their `.incomplete`
 * trees are resumed by the next run of each host. Schedulers and workers call it on every tick.
 */
export async function recoverStaleRuns(app: App, emit?: EventSink): Promise<number> {
  const em = app.catalogue.em();
  const running = await em.find(BackupRunSchema, { status: 'running' }, { populate: ['host'] });
  let recovered = 0;
  for (const run of running) {
    if (liveness(run) !== 'dead') continue;
    if (await markInterrupted(em, run, `its process (pid ${run.pid} on ${run.node}) no longer exists`)) {
      recovered += 1;
      emit?.({
        type: 'recovered',
        runId: run.id,
        host: run.host.name,
        message:
          `run #${run.id} of ${run.host.name} was left running by pid ${run.pid} on ${run.node}, which is gone: marked ` +
          `interrupted; the next run resumes its tree`,
      });
    }
  }
  return recovered;
}

export type CancelOutcome = 'cancelled' | 'requested' | 'interrupted';

/**
 * Cancels a run from any process: a queued run is cancelled at once; a running one is marked,
 * and the process that runs it stops rsync; a running one whose process is gone is interrupted.
 */
export async function requestCancel(app: App, id: string | undefined): Promise<{ run: RunView; outcome: CancelOutcome }> {
  const runId = validateRunId(id);
  const em = app.catalogue.em();
  const run = await em.findOne(BackupRunSchema, { id: runId });
  if (!run) throw new UserError(`unknown run #${runId}: "pobsync runs" lists them`);
  let outcome: CancelOutcome;
  if (
    run.status === 'queued' &&
    (await em.nativeUpdate(
      BackupRunSchema,
      { id: runId, status: 'queued' },
      { status: 'cancelled', finishedAt: new Date(), error: 'cancelled before it started' },
    )) > 0
  ) {
    outcome = 'cancelled';
  } else if (run.status === 'running' && liveness(run) === 'dead') {
    await markInterrupted(em, run, `its process (pid ${run.pid} on ${run.node}) no longer exists; found by cancel`);
    outcome = 'interrupted';
  } else if (run.status === 'running') {
    await em.nativeUpdate(BackupRunSchema, { id: runId, status: 'running' }, { cancelRequested: true });
    outcome = 'requested';
  } else {
    throw new UserError(`run #${runId} is not queued or running (it is ${run.status}); nothing to cancel`);
  }
  return { run: await getRun(app, String(runId)), outcome };
}

export async function isCancelRequested(app: App, runId: number): Promise<boolean> {
  const run = await app.catalogue.em().findOne(BackupRunSchema, { id: runId }, { fields: ['cancelRequested'] });
  return run?.cancelRequested ?? false;
}

export async function saveProgress(app: App, runId: number, progress: RsyncProgress): Promise<void> {
  await app.catalogue.em().nativeUpdate(BackupRunSchema, { id: runId }, { progress });
}

export async function listRuns(app: App, options: { host?: string | undefined; limit?: number }): Promise<RunView[]> {
  const em = app.catalogue.em();
  const host = options.host === undefined ? undefined : await findHost(em, options.host);
  const runs = await em.find(BackupRunSchema, host ? { host: host.id } : {}, {
    orderBy: { id: 'desc' },
    limit: options.limit ?? 50,
    populate: ['host', 'base', 'snapshot'],
  });
  const now = new Date();
  return runs.map((run) => runView(run, now));
}

export async function getRun(app: App, id: string | undefined): Promise<RunView> {
  const runId = validateRunId(id);
  const run = await app.catalogue.em().findOne(BackupRunSchema, { id: runId }, { populate: ['host', 'base', 'snapshot'] });
  if (!run) throw new UserError(`unknown run #${runId}: "pobsync runs" lists them`);
  return runView(run);
}

/**
 * Reads a run log from `offset`: complete lines and where to continue. `offset` -1 starts near
 * the end (the last `tailBytes`), for a viewer that only shows the latest lines.
 */
export async function readRunLog(path: string, offset: number, tailBytes = 64 * 1024): Promise<{ text: string; offset: number }> {
  if (offset >= 0) return readLogFrom(path, offset);
  const { size } = await stat(path).catch(() => ({ size: 0 }));
  const start = Math.max(0, size - tailBytes);
  const chunk = await readLogFrom(path, start, { maxBytes: Math.max(tailBytes, 1) });
  // Starting mid-file: drop the partial first line.
  const text = start > 0 ? chunk.text.slice(chunk.text.indexOf('\n') + 1) : chunk.text;
  return { text, offset: chunk.offset };
}
