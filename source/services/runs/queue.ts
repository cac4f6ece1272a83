/**
 * The run queue: `queued` BackupRun rows, put there by schedules and `backup --queue`, taken by
 * workers in any process. Each step is one SQL statement, so racing processes cannot both win:
 * a fire inserts only while its host is idle, a claim updates only a still-queued row while
 * fewer than `maxConcurrent` runs are running and none of them is for the same host.
 */
import { BackupRunSchema, type Schedule, ScheduleSchema } from '../../catalogue/entities/index.js';
import { isUniqueViolation } from '../../catalogue/errors.js';
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
  const run = em.create(BackupRunSchema, {
    host,
    kind: options.kind ?? 'manual',
    status: 'queued',
    queuedAt: new Date(),
    prune: options.prune ?? false,
    cancelRequested: false,
  });
  await em.flush();
  return { runId: run.id, host: host.name };
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
  const connection = app.catalogue.em().getConnection();
  const hostId = schedule.host.id;
  let outcome: FireOutcome;
  try {
    const inserted = await connection.execute<{ id: number }[]>(
      `insert into backup_run (host_id, kind, status, queued_at, schedule_id, scheduled_for, prune, cancel_requested)
       select ?, 'scheduled', 'queued', ?, ?, ?, ?, 0
        where not exists (select 1 from backup_run where host_id = ? and status in ('queued', 'running'))
       returning id`,
      [hostId, now.getTime(), schedule.id, at.getTime(), schedule.prune ? 1 : 0, hostId],
      'all',
    );
    if (inserted[0]) {
      outcome = { outcome: 'queued', runId: inserted[0].id };
    } else {
      const [blocking] = await connection.execute<{ id: number; status: string }[]>(
        `select id, status from backup_run where host_id = ? and status in ('running', 'queued') order by status = 'running' desc, ` +
          `id limit 1`,
        [hostId],
        'all',
      );
      const reason = blocking
        ? `${schedule.host.name} already has run #${blocking.id} ${blocking.status}`
        : `${schedule.host.name} was busy`;
      const [skipped] = await connection.execute<{ id: number }[]>(
        `insert into backup_run (host_id, kind, status, queued_at, finished_at, schedule_id, scheduled_for, prune, cancel_requested, error)
         values (?, 'scheduled', 'skipped', ?, ?, ?, ?, ?, 0, ?) returning id`,
        [hostId, now.getTime(), now.getTime(), schedule.id, at.getTime(), schedule.prune ? 1 : 0, `skipped: ${reason}`],
        'all',
      );
      outcome = { outcome: 'skipped', runId: skipped!.id, reason };
    }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    outcome = { outcome: 'duplicate' };
  }
  await app.catalogue.em().nativeUpdate(ScheduleSchema, { id: schedule.id }, { lastFiredAt: at });
  return outcome;
}

/**
 * Takes the oldest queued run whose host is idle, if fewer than `maxConcurrent` runs are
 * running, and makes it this process's: `running`, with our pid and a log path. The start time
 * is SQLite's clock when the UPDATE runs, so it is never earlier than the end of the run whose
 * slot it took, even when another process wrote that end a moment before.
 */
export async function claimNextRun(app: App, maxConcurrent: number): Promise<{ id: number; host: string } | undefined> {
  const me = currentProcess();
  const connection = app.catalogue.em().getConnection();
  const [claimed] = await connection.execute<{ id: number; host: string }[]>(
    `update backup_run
        set status = 'running', started_at = cast(round((julianday('now') - 2440587.5) * 86400000) as integer),
            pid = ?, node = ?, pid_start = ?, log_path = ? || id || ?
      where id = (select r.id from backup_run r
                   where r.status = 'queued'
                     and not exists (select 1 from backup_run x where x.host_id = r.host_id and x.status = 'running')
                   order by r.queued_at, r.id limit 1)
        and status = 'queued'
        and (select count(*) from backup_run where status = 'running') < ?
      returning id, (select name from host where host.id = backup_run.host_id) as host`,
    [me.pid, me.node, me.pidStart, ...runLogPathParts(app.paths.logs), maxConcurrent],
    'all',
  );
  return claimed;
}

/** Gives a claimed run back to the queue: the worker is stopping before it started it. */
export async function releaseClaim(app: App, runId: number): Promise<void> {
  await app.catalogue
    .em()
    .nativeUpdate(
      BackupRunSchema,
      { id: runId, status: 'running' },
      { status: 'queued', startedAt: null, pid: null, node: null, pidStart: null, logPath: null },
    );
}

export async function queuedRunCount(app: App): Promise<number> {
  return app.catalogue.em().count(BackupRunSchema, { status: 'queued' });
}
