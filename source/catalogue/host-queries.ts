/**
 * SQL for changing hosts as a whole (config apply, host remove and rename, a moved backup root):
 * each a named statement, run in the caller's transaction when it has one.
 */
import type { EntityManager } from '@mikro-orm/sqlite';

/**
 * Takes the catalogue's write lock at the start of a transaction. In WAL mode a transaction that
 * reads first and writes later fails if another process wrote in between; writing first makes
 * the others wait (busy_timeout) instead, and keeps a worker from claiming a run meanwhile.
 */
export async function lockForWriting(em: EntityManager): Promise<void> {
  await em.execute('update host set id = id where id = -1', [], 'run');
}

/** Snapshot paths under `from` (a backup root or a host's directory) now start with `to`. */
export async function moveSnapshotPaths(em: EntityManager, from: string, to: string, hostId?: number): Promise<void> {
  const prefix = `${from}/`;
  await em.execute(
    `update snapshot set path = ? || substr(path, ?) where substr(path, 1, ?) = ?${hostId === undefined ? '' : ' and host_id = ?'}`,
    [to, from.length + 1, prefix.length, prefix, ...(hostId === undefined ? [] : [hostId])],
    'run',
  );
}

/** The ids of the host's runs that are queued or running, oldest first. */
export async function activeRunIds(em: EntityManager, hostId: number): Promise<number[]> {
  const rows = await em.execute<{ id: number }[]>(
    "select id from backup_run where host_id = ? and status in ('queued', 'running') order by id",
    [hostId],
    'all',
  );
  return rows.map((row) => row.id);
}

/** host id -> how many snapshots it has recorded (hosts without any are absent). */
export async function snapshotCounts(em: EntityManager): Promise<Map<number, number>> {
  const rows = await em.execute<{ host_id: number; count: number }[]>(
    'select host_id, count(*) as count from snapshot group by host_id',
    [],
    'all',
  );
  return new Map(rows.map((row) => [row.host_id, Number(row.count)]));
}
