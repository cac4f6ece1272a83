/**
 * A run's life in the catalogue, every state change in one place:
 *
 *   queued -> running (claimed by a worker, or started in the foreground under the host lock)
 *          -> succeeded | partial | failed | cancelled | interrupted
 *   queued -> cancelled;   a fire on a busy host -> skipped
 *
 * Each change is one statement that only succeeds from the state it expects (compare-and-set),
 * so two processes racing for the same run, host or slot cannot both win. The claim and the
 * fire are raw SQL because they decide and write in one statement, which the ORM cannot say.
 * MariaDB has no UPDATE ... RETURNING: its claim is a short transaction instead (claimOnMariaDb).
 */
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sqlite';
import type { RestoreDetails, RsyncProgress, RsyncStats, RunDetails, RunKind, RunStatus } from '../domain/types.js';
import { sqlFor } from './dialect.js';
import { type Run, RunSchema } from './entities/index.js';
import { isUniqueViolation } from './errors.js';
import { activeRunsOf } from './reads.js';
import { lockForWriting } from './transactions.js';

/** The process that runs (or ran) a run: pid, machine, the pid's start time, and its pobsync server. */
export interface RunOwner {
  pid: number;
  node: string;
  pidStart: string | null;
  server: string;
}

/**
 * Inserts a `running` run for the host: the host lock. Returns undefined when another run holds
 * the host (the partial unique index on running runs refused it).
 */
export async function insertRunningRun(
  em: EntityManager,
  hostId: number,
  kind: RunKind,
  owner: RunOwner,
  logPath: (runId: number) => string,
): Promise<Run | undefined> {
  const now = new Date();
  const run = em.create(RunSchema, { host: hostId, kind, status: 'running', queuedAt: now, startedAt: now, ...owner });
  try {
    await em.flush();
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
  run.logPath = logPath(run.id);
  await em.flush();
  return run;
}

export function findRunningRun(em: EntityManager, hostId: number): Promise<Run | null> {
  return em.findOne(RunSchema, { host: hostId, status: 'running' });
}

/** Queues a run; a manual request always queues, even behind other runs of the host. */
/**
 * A run for the worker. `server`: the server whose worker runs it, when that is not the host's
 * (a replication on a shared catalogue, by a server that copies another's host).
 */
export async function insertQueuedRun(em: EntityManager, hostId: number, kind: RunKind, prune: boolean, server?: string): Promise<number> {
  const run = em.create(RunSchema, {
    ...{ host: hostId, kind, status: 'queued' as const, queuedAt: new Date(), prune, cancelRequested: false },
    ...(server ? { server } : {}),
  });
  await em.flush();
  return run.id;
}

export interface Fire {
  hostId: number;
  scheduleId: number;
  /** the fire time it stands for */
  at: Date;
  now: Date;
  prune: boolean;
  /** what the fire queues: a scheduled backup (the default), a verify, or a replication (its peer is on its schedule) */
  kind?: Extract<RunKind, 'scheduled' | 'verify' | 'replicate'>;
  /** the server whose worker runs it, when not the host's (the schedule's `server`) */
  server?: string | null;
}

/**
 * A queued run for a schedule's fire, only while the host has no run queued or running.
 * Returns its id, undefined when the host is busy, or 'duplicate' when another scheduler
 * already handled this fire time (unique schedule and fire time).
 */
export async function insertFiredRun(em: EntityManager, fire: Fire): Promise<number | undefined | 'duplicate'> {
  const sql = sqlFor(em);
  try {
    const [inserted] = await em.execute<{ id: number }[]>(
      `insert into run (host_id, kind, status, queued_at, schedule_id, scheduled_for, prune, cancel_requested, server)
       select ?, ?, 'queued', ?, ?, ?, ?, 0, ? ${sql.noTable}
        where not exists (select 1 from run where host_id = ? and status in ('queued', 'running'))
       returning id`,
      [
        fire.hostId,
        fire.kind ?? 'scheduled',
        sql.time(fire.now),
        fire.scheduleId,
        sql.time(fire.at),
        fire.prune ? 1 : 0,
        fire.server ?? null,
        fire.hostId,
      ],
      'all',
    );
    return inserted?.id;
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}

/** Records a fire that found its host busy, as a `skipped` run saying why. */
export async function insertSkippedRun(em: EntityManager, fire: Fire, reason: string): Promise<number | 'duplicate'> {
  const sql = sqlFor(em);
  try {
    const [skipped] = await em.execute<{ id: number }[]>(
      `insert into run (host_id, kind, status, queued_at, finished_at, schedule_id, scheduled_for, prune, cancel_requested, error, server)
       values (?, ?, 'skipped', ?, ?, ?, ?, ?, 0, ?, ?) returning id`,
      [
        fire.hostId,
        fire.kind ?? 'scheduled',
        sql.time(fire.now),
        sql.time(fire.now),
        fire.scheduleId,
        sql.time(fire.at),
        fire.prune ? 1 : 0,
        reason,
        fire.server ?? null,
      ],
      'all',
    );
    return skipped!.id;
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}

/** The run that keeps a host busy: its running run, else its oldest queued one. */
export async function blockingRun(em: EntityManager, hostId: number): Promise<{ id: number; status: RunStatus } | undefined> {
  const [blocking] = await em.execute<{ id: number; status: RunStatus }[]>(
    `select id, status from run where host_id = ? and status in ('running', 'queued') order by status = 'running' desc, id limit 1`,
    [hostId],
    'all',
  );
  return blocking;
}

/**
 * When a queued run became due, the queue's order: a retry when its pause ended (so it goes behind
 * the runs queued meanwhile and a failing host cannot starve the others), a fire at its fire time
 * (so runs one tick queued start in fire order), anything else when it was queued.
 */
export const QUEUE_ORDER = 'coalesce(not_before, scheduled_for, queued_at), id';

/**
 * The runs a worker of a server may claim: queued, whose time has come (a retry waits until its
 * `not_before`), queued for that server (a replication of another server's host) or else of a host
 * assigned to it (a host assigned to none: while that server is the only one), with nothing
 * running. Its parameters are the time now and the server's name twice.
 */
const CLAIMABLE = `status = 'queued'
                     and (not_before is null or not_before <= ?)
                     and (r.server = ? or (r.server is null and exists (select 1 from host h where h.id = r.host_id
                                   and (h.server = ? or (h.server is null and (select count(*) from server) <= 1)))))
                     and not exists (select 1 from run x where x.host_id = r.host_id and x.status = 'running')`;

/**
 * Takes the claimable run (see CLAIMABLE) that became due first (see QUEUE_ORDER), if fewer than
 * `maxConcurrent` runs of `owner`'s server are running, and makes it `owner`'s: `running`, with a
 * log path. The start time is the database's clock when the UPDATE runs, so it is
 * never earlier than the end of the run whose slot it took, even when another process wrote that
 * end a moment before.
 */
export async function claimNextRun(
  em: EntityManager,
  owner: RunOwner,
  logPathParts: [string, string],
  maxConcurrent: number,
  now = new Date(),
): Promise<{ id: number; host: string } | undefined> {
  const sql = sqlFor(em);
  if (sql.dialect === 'mariadb') return claimOnMariaDb(em, owner, logPathParts, maxConcurrent, now);
  const [claimed] = await em.execute<{ id: number; host: string }[]>(
    `update run
        set status = 'running', started_at = ${sql.now},
            pid = ?, node = ?, pid_start = ?, server = ?, log_path = ${sql.concat('?', 'id', '?')}
      where id = (select id from run r
                   where ${CLAIMABLE}
                   order by ${QUEUE_ORDER} limit 1)
        and status = 'queued'
        and (select count(*) from run where status = 'running' and server = ?) < ?
      returning id, (select name from host where host.id = run.host_id) as host`,
    [
      owner.pid,
      owner.node,
      owner.pidStart,
      owner.server,
      ...logPathParts,
      sql.time(now),
      owner.server,
      owner.server,
      owner.server,
      maxConcurrent,
    ],
    'all',
  );
  return claimed;
}

/**
 * The claim on MariaDB, which has no UPDATE ... RETURNING and cannot read the table an UPDATE
 * writes: one transaction that takes the catalogue's write lock (so claims on every server take
 * turns, and each sees the runs the claims before it started), picks the run with SELECT ... FOR
 * UPDATE SKIP LOCKED (a run another transaction is cancelling is passed over, not waited for),
 * counts the running runs, and updates the run only if it is still queued.
 */
async function claimOnMariaDb(
  em: EntityManager,
  owner: RunOwner,
  logPathParts: [string, string],
  maxConcurrent: number,
  now: Date,
): Promise<{ id: number; host: string } | undefined> {
  const sql = sqlFor(em);
  return em.transactional(
    async (tx) => {
      await lockForWriting(tx);
      const [candidate] = await tx.execute<{ id: number; host: string }[]>(
        `select r.id, (select name from host where host.id = r.host_id) as host from run r
          where ${CLAIMABLE}
          order by ${QUEUE_ORDER} limit 1
          for update skip locked`,
        [sql.time(now), owner.server, owner.server],
        'all',
      );
      if (!candidate) return undefined;
      const [running] = await tx.execute<{ count: number }[]>(
        `select count(*) as count from run where status = 'running' and server = ?`,
        [owner.server],
        'all',
      );
      if (sql.number(running?.count) >= maxConcurrent) return undefined;
      try {
        const updated = await tx.execute<{ affectedRows: number }>(
          `update run
              set status = 'running', started_at = ${sql.now}, pid = ?, node = ?, pid_start = ?, server = ?,
                  log_path = ${sql.concat('?', 'id', '?')}
            where id = ? and status = 'queued'`,
          [owner.pid, owner.node, owner.pidStart, owner.server, ...logPathParts, candidate.id],
          'run',
        );
        return updated.affectedRows > 0 ? candidate : undefined;
      } catch (error) {
        // A run of that host started in the foreground meanwhile (the host lock refused this one).
        if (isUniqueViolation(error)) return undefined;
        throw error;
      }
    },
    { isolationLevel: IsolationLevel.READ_COMMITTED },
  );
}

export interface Retry {
  hostId: number;
  scheduleId: number | null;
  prune: boolean;
  /** the attempt it will be: 2 for the first retry */
  attempt: number;
  now: Date;
  notBefore: Date;
}

/**
 * Queues a retry of a failed scheduled run, to be claimed from `notBefore` on, unless the host
 * already has a run queued or running (a fire that came in meanwhile is as good as a retry).
 * Returns its id, or undefined when the host was busy.
 */
export async function insertRetryRun(em: EntityManager, retry: Retry): Promise<number | undefined> {
  const sql = sqlFor(em);
  const [inserted] = await em.execute<{ id: number }[]>(
    `insert into run (host_id, kind, status, queued_at, schedule_id, prune, cancel_requested, attempt, not_before)
     select ?, 'scheduled', 'queued', ?, ?, ?, 0, ?, ? ${sql.noTable}
      where not exists (select 1 from run where host_id = ? and status in ('queued', 'running'))
     returning id`,
    [retry.hostId, sql.time(retry.now), retry.scheduleId, retry.prune ? 1 : 0, retry.attempt, sql.time(retry.notBefore), retry.hostId],
    'all',
  );
  return inserted?.id;
}

/**
 * Runs a host can do without: beyond its newest `keep`, ended, and without a snapshot that is
 * still there (a deleted snapshot leaves its run's `snapshot_id` null). Oldest first.
 */
export function prunableRuns(em: EntityManager, hostId: number, keep: number): Promise<{ id: number; log_path: string | null }[]> {
  return em.execute(
    `select id, log_path from run
      where host_id = ? and status not in ('queued', 'running') and snapshot_id is null
        and id < coalesce((select min(id) from (select id from run where host_id = ? order by id desc limit ?) as newest), 0)
      order by id`,
    [hostId, hostId, keep],
    'all',
  );
}

/** Removes run rows (their logs are gone already); a run queued or running is never removed. */
export async function deleteRuns(em: EntityManager, ids: readonly number[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    deleted += await em.nativeDelete(RunSchema, { id: { $in: chunk }, status: { $nin: ['queued', 'running'] } });
  }
  return deleted;
}

/**
 * Gives a claimed run back to the queue: the worker is stopping before it started it. A backup is
 * again the host's server's; a replication stays the claimer's (it may copy another server's host).
 */
export async function releaseClaim(em: EntityManager, runId: number): Promise<void> {
  const queued = { status: 'queued' as const, startedAt: null, pid: null, node: null, pidStart: null, logPath: null };
  await em.nativeUpdate(RunSchema, { id: runId, status: 'running', kind: { $ne: 'replicate' } }, { ...queued, server: null });
  await em.nativeUpdate(RunSchema, { id: runId, status: 'running', kind: 'replicate' }, queued);
}

/** What a running run learns as it goes: its base, what a restore restores, what a verify or archive run does. */
export async function describeRun(
  em: EntityManager,
  runId: number,
  fields: { base?: number | null; restore?: RestoreDetails; details?: RunDetails },
): Promise<void> {
  await em.nativeUpdate(RunSchema, { id: runId }, fields);
}

/**
 * Raw SQL, as isCancelRequested: a run writes this once a second for as long as rsync runs, and
 * the ORM's query building cost its process more CPU than the statement (issue #14). Only a row
 * without a cancel request is written: true says the row was written, and so that no cancel was
 * requested, which spares the run its cancel poll for that second. false says nothing for sure
 * (MariaDB counts a row written with the same value as unchanged): ask isCancelRequested.
 */
export async function saveProgress(em: EntityManager, runId: number, progress: RsyncProgress): Promise<boolean> {
  const result = await em.execute<{ affectedRows?: number }>(
    'update run set progress = ? where id = ? and cancel_requested = 0',
    [JSON.stringify(progress), runId],
    'run',
  );
  return (result.affectedRows ?? 0) > 0;
}

export interface RunEnd {
  status: RunStatus;
  error: string | null;
  stats?: RsyncStats | null;
  snapshot?: number;
}

/** Ends a running run. Returns false when it was not running any more (recovered, say). */
export async function finishRun(em: EntityManager, runId: number, end: RunEnd, finishedAt = new Date()): Promise<boolean> {
  return (await em.nativeUpdate(RunSchema, { id: runId, status: 'running' }, { ...end, finishedAt })) > 0;
}

/** A running run whose process is gone becomes `interrupted`; false when it had already ended. */
export async function markInterrupted(em: EntityManager, runId: number, reason: string): Promise<boolean> {
  return (
    (await em.nativeUpdate(RunSchema, { id: runId, status: 'running' }, { status: 'interrupted', finishedAt: new Date(), error: reason })) >
    0
  );
}

/** A queued run cancelled before it started; false when it was not queued any more. */
export async function cancelQueuedRun(em: EntityManager, runId: number): Promise<boolean> {
  const fields = { status: 'cancelled' as const, finishedAt: new Date(), error: 'cancelled before it started' };
  return (await em.nativeUpdate(RunSchema, { id: runId, status: 'queued' }, fields)) > 0;
}

/** Asks the process running a run to stop it (it looks about once a second). */
export async function requestCancel(em: EntityManager, runId: number): Promise<boolean> {
  return (await em.nativeUpdate(RunSchema, { id: runId, status: 'running' }, { cancelRequested: true })) > 0;
}

/** Polled once a second by the process running the run: one plain select, no entity to build. */
export async function isCancelRequested(em: EntityManager, runId: number): Promise<boolean> {
  const [row] = await em.execute<{ cancel_requested: number | boolean | null }[]>(
    'select cancel_requested from run where id = ?',
    [runId],
    'all',
  );
  return Boolean(row?.cancel_requested);
}

/** The ids of the host's queued and running runs, oldest first. */
export async function activeRunIds(em: EntityManager, hostId: number): Promise<number[]> {
  return (await activeRunsOf(em, hostId)).map((run) => run.id);
}

/** Queued runs a worker may claim at `now` (a retry waiting for its time is not one of them). */
export async function dueQueuedCount(em: EntityManager, now: Date): Promise<number> {
  const [row] = await em.execute<{ count: number }[]>(
    `select count(*) as count from run where status = 'queued' and (not_before is null or not_before <= ?)`,
    [sqlFor(em).time(now)],
    'all',
  );
  return Number(row?.count ?? 0);
}
