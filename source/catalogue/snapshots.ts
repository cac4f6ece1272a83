/**
 * Snapshot rows beyond what the ORM does well: the retention planner's input for 100,000
 * snapshots in one query, the steps of a deletion, protection, and a backup root that moved.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
import { SnapshotRecordSchema } from './entities/index.js';

/** Snapshots whose directories are gone: from now on they are listed as missing and never used. */
export async function markMissing(em: EntityManager, snapshotIds: readonly number[], since = new Date()): Promise<void> {
  if (snapshotIds.length === 0) return;
  await em.nativeUpdate(SnapshotRecordSchema, { id: { $in: [...snapshotIds] }, missingSince: null }, { missingSince: since });
}

/** Snapshots whose directories are back (a filesystem mounted again). */
export async function clearMissing(em: EntityManager, snapshotIds: readonly number[]): Promise<void> {
  if (snapshotIds.length === 0) return;
  await em.nativeUpdate(SnapshotRecordSchema, { id: { $in: [...snapshotIds] } }, { missingSince: null });
}

/** The first step of a deletion: from now on the record is never used as a snapshot. */
export async function markDeleting(em: EntityManager, snapshotId: number): Promise<void> {
  await em.nativeUpdate(SnapshotRecordSchema, { id: snapshotId }, { deletingAt: new Date() });
}

/** The last step of a deletion, once the tree is gone. */
export async function deleteRecord(em: EntityManager, snapshotId: number): Promise<void> {
  await em.nativeDelete(SnapshotRecordSchema, { id: snapshotId });
}

export async function setProtectedFlag(em: EntityManager, snapshotId: number, value: boolean): Promise<void> {
  await em.nativeUpdate(SnapshotRecordSchema, { id: snapshotId }, { protected: value });
}

/**
 * Snapshot paths under `from` (a backup root, or one host's directory with `hostId`) now start
 * with `to`: the admin moved the backup root, or a host was renamed. With `server`, only the
 * snapshots that server holds (another server's root may have the same path on its machine).
 */
export async function moveSnapshotPaths(em: EntityManager, from: string, to: string, hostId?: number, server?: string): Promise<void> {
  const prefix = `${from}/`;
  await em.execute(
    `update snapshot set path = ${sqlFor(em).concat('?', 'substr(path, ?)')}
      where substr(path, 1, ?) = ?${hostId === undefined ? '' : ' and host_id = ?'}${
        server === undefined ? '' : ' and (server = ? or server is null)'
      }`,
    [to, from.length + 1, prefix.length, prefix, ...(hostId === undefined ? [] : [hostId]), ...(server === undefined ? [] : [server])],
    'run',
  );
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
