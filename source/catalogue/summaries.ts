/**
 * Aggregate reads the ORM would do row by row: summaries over every host in a few queries,
 * fast enough for a status line over 50,000 snapshots.
 */
import type { RunKind, RunStatus, SnapshotStatus } from '../domain/types.js';
import { sqlFor } from './dialect.js';
import { type Queryable, query } from './reads.js';

/** A datetime column read by raw SQL: epoch milliseconds on SQLite, DATETIME text on MariaDB. */
type Time = number | string;

export interface HostSummaryRow {
  hostId: number;
  /** the snapshots this server holds (a row from before servers counts as this server's) */
  snapshotCount: number;
  /** every server's count of the host's snapshots, this server's included; on a shared catalogue a replica is one more copy */
  snapshotsByServer: Record<string, number>;
  newestSnapshotName: string | null;
  newestSnapshotStatus: SnapshotStatus | null;
  newestSnapshotAt: Date | null;
  lastRunId: number | null;
  lastRunStatus: RunStatus | null;
  lastRunKind: RunKind | null;
  lastRunAt: Date | null;
  lastRunError: string | null;
  /** it has a run running now, else one queued; null: neither (its last run may say otherwise) */
  active: 'running' | 'queued' | null;
}

/**
 * One row per host id: its snapshots counted per server (`self`'s apart), its newest snapshot on
 * any server, and its most recent run. Safety snapshots (a few paths a restore overwrote) and
 * skipped fires say nothing about whether the host is backed up, so the newest snapshot and the
 * last run leave them out; a snapshot whose directory is missing is not counted at all.
 */
export async function hostSummaries(em: Queryable, self: string): Promise<Map<number, HostSummaryRow>> {
  const sql = sqlFor(em);
  // Per host and server, from snapshot_host_id_server_counts_index alone; then the
  // newest row of each group. On a shared catalogue a replica has its original's name and time: one row per server.
  const snapshots = await query<
    { host_id: number; server: string | null; count: number; name: string | null; status: SnapshotStatus | null; started_at: Time | null }[]
  >(
    em,
    `select c.host_id, c.server, c.count, s.name, s.status, s.started_at
       from (select host_id, server, count(*) as count, max(case when kind != 'safety' then started_at end) as newest
               from snapshot where deleting_at is null and missing_since is null group by host_id, server) c
       left join snapshot s on s.host_id = c.host_id and s.started_at = c.newest
                           and (s.server = c.server or (s.server is null and c.server is null))
                           and s.deleting_at is null and s.missing_since is null and s.kind != 'safety'
      order by c.host_id, s.name`,
  );
  const runs = await query<{ id: number; host_id: number; status: RunStatus; kind: RunKind; at: Time; error: string | null }[]>(
    em,
    // Per host, newest first, stopping at the first run that is not a skipped fire: a few seeks in
    // run_host_id_index (its entries are in id order within a host) instead of a scan of every run.
    `select r.id, r.host_id, r.status, r.kind, coalesce(r.finished_at, r.started_at, r.queued_at) as at, r.error
       from host h
       join run r on r.id = (select x.id from run x ${sql.throughIndex('run_host_id_index')}
                              where x.host_id = h.id and x.status != 'skipped' order by x.id desc limit 1)`,
  );
  const active = await query<{ host_id: number; running: number }[]>(
    em,
    `select host_id, max(status = 'running') as running from run where status in ('running', 'queued') group by host_id`,
  );
  const rows = new Map<number, HostSummaryRow>();
  const row = (hostId: number): HostSummaryRow => {
    let found = rows.get(hostId);
    if (!found) {
      found = {
        hostId,
        snapshotCount: 0,
        snapshotsByServer: {},
        newestSnapshotName: null,
        newestSnapshotStatus: null,
        newestSnapshotAt: null,
        lastRunId: null,
        lastRunStatus: null,
        lastRunKind: null,
        lastRunAt: null,
        lastRunError: null,
        active: null,
      };
      rows.set(hostId, found);
    }
    return found;
  };
  for (const snapshot of snapshots) {
    const summary = row(snapshot.host_id);
    const count = sql.number(snapshot.count);
    const server = snapshot.server ?? self;
    summary.snapshotsByServer[server] = (summary.snapshotsByServer[server] ?? 0) + count;
    if (server === self) summary.snapshotCount += count;
    const at = sql.date(snapshot.started_at);
    // The newest on any server; of equal ones (a replica and its original), this server's copy.
    if (
      at &&
      (!summary.newestSnapshotAt ||
        at > summary.newestSnapshotAt ||
        (at.getTime() === summary.newestSnapshotAt.getTime() && server === self))
    ) {
      Object.assign(summary, { newestSnapshotName: snapshot.name, newestSnapshotStatus: snapshot.status, newestSnapshotAt: at });
    }
  }
  for (const run of runs) {
    Object.assign(row(run.host_id), {
      lastRunId: run.id,
      lastRunStatus: run.status,
      lastRunKind: run.kind,
      lastRunAt: sql.date(run.at),
      lastRunError: run.error,
    });
  }
  for (const { host_id, running } of active) row(host_id).active = running ? 'running' : 'queued';
  return rows;
}

export interface LastResultRow {
  hostId: number;
  id: number;
  status: 'succeeded' | 'partial' | 'failed';
  startedAt: Date | null;
  finishedAt: Date;
  error: string | null;
  transferredBytes: number | null;
}

/**
 * Per host id: its newest backup run that ended succeeded, partial or failed. Cancelled and
 * interrupted runs (a shutdown, Ctrl-C) and restores say nothing about whether backups work.
 */
export async function lastResults(em: Queryable): Promise<Map<number, LastResultRow>> {
  const sql = sqlFor(em);
  const rows = await query<
    {
      id: number;
      host_id: number;
      status: LastResultRow['status'];
      started_at: Time | null;
      finished_at: Time;
      error: string | null;
      transferred: number | string | null;
    }[]
  >(
    em,
    // Per host, newest first, stopping at the first backup that ended: a few seeks, not a scan of every run.
    `select r.id, r.host_id, r.status, r.started_at, r.finished_at, r.error, json_extract(r.stats, '$.transferredSize') as transferred
       from host h
       join run r on r.id = (select x.id from run x ${sql.throughIndex('run_host_id_index')}
                              where x.host_id = h.id and x.kind in ('scheduled', 'manual')
                                and x.status in ('succeeded', 'partial', 'failed')
                              order by x.id desc limit 1)`,
  );
  return new Map(
    rows.map((row) => [
      row.host_id,
      {
        hostId: row.host_id,
        id: row.id,
        status: row.status,
        startedAt: sql.date(row.started_at),
        finishedAt: sql.date(row.finished_at)!,
        error: row.error,
        // MariaDB's json_extract gives JSON text ("1234"), SQLite's a number.
        transferredBytes: row.transferred === null ? null : Number(row.transferred),
      },
    ]),
  );
}

/** Per host id: when its newest backup snapshot finished, and the sizes rsync reported for all its snapshots. */
export async function snapshotTotals(
  em: Queryable,
  server: string,
): Promise<Map<number, { newestFinishedAt: Date | null; count: number; totalBytes: number }>> {
  const sql = sqlFor(em);
  // The copies `server` holds (a null server is a row from before any server registered: this
  // one's): each server of a shared catalogue exports its own, so the sums do not count a copy twice.
  const rows = await query<{ host_id: number; newest: Time | null; count: number; total: number | string | null }[]>(
    em,
    `select host_id, max(case when kind != 'safety' then finished_at end) as newest, count(*) as count,
            sum(coalesce(json_extract(stats, '$.totalSize'), 0)) as total
       from snapshot where deleting_at is null and (server = ? or server is null) group by host_id`,
    [server],
  );
  return new Map(
    rows.map((row) => [
      row.host_id,
      { newestFinishedAt: sql.date(row.newest), count: sql.number(row.count), totalBytes: sql.number(row.total) },
    ]),
  );
}

export async function activeRunCounts(em: Queryable): Promise<{ running: number; queued: number }> {
  const rows = await query<{ status: RunStatus; count: number }[]>(
    em,
    `select status, count(*) as count from run where status in ('running', 'queued') group by status`,
  );
  const count = (status: RunStatus) => Number(rows.find((row) => row.status === status)?.count ?? 0);
  return { running: count('running'), queued: count('queued') };
}
