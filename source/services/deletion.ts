/**
 * The one way a snapshot leaves: mark its record as deleting, delete the tree through the
 * engine's safe delete (which refuses anything outside `<backup_root>/<host>/`), then remove the
 * record. A crash at any point leaves a record marked deleting (never used, never listed as a
 * good snapshot) or a tree in `.deleting/`; the next deletion or backup of the host finishes it.
 */
import { existsSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/sqlite';
import { SnapshotRecordSchema, type Host, type SnapshotRecord } from '../catalogue/entities/index.js';
import { finishInterruptedDeletes, safeDelete } from '../engine/snapshot-store.js';

export async function removeSnapshot(em: EntityManager, backupRoot: string, host: Host, snapshot: SnapshotRecord): Promise<void> {
  if (!snapshot.deletingAt) {
    await em.nativeUpdate(SnapshotRecordSchema, { id: snapshot.id }, { deletingAt: new Date() });
  }
  if (existsSync(snapshot.path)) await safeDelete(backupRoot, host.name, snapshot.path);
  await em.nativeDelete(SnapshotRecordSchema, { id: snapshot.id });
}

/** Finishes the deletions of this host that a crash interrupted. Returns the snapshot names. */
export async function finishInterruptedDeletions(em: EntityManager, backupRoot: string, host: Host): Promise<string[]> {
  await finishInterruptedDeletes(backupRoot, host.name);
  const pending = await em.find(SnapshotRecordSchema, { host: host.id, deletingAt: { $ne: null } });
  for (const snapshot of pending) await removeSnapshot(em, backupRoot, host, snapshot);
  return pending.map((snapshot) => snapshot.name);
}
