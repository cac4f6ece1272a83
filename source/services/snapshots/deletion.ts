/**
 * The one way a snapshot leaves: mark its record as deleting, delete the tree through the
 * engine's safe delete (which refuses anything outside `<backup_root>/<host>/`), then remove the
 * record. A crash at any point leaves a record marked deleting (never used, never listed as a
 * good snapshot) or a tree in `.deleting/`; the next deletion or backup of the host finishes it.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { deleteRecord, markDeleting } from '../../catalogue/snapshots.js';
import { OperationError } from '../../domain/errors.js';
import { isPurging, purgeInBackground } from '../../engine/purge.js';
import { deletableSnapshotDir, emptyDeletingDir, retireSnapshotDir, safeDelete } from '../../engine/snapshot-store.js';
import { heldHere } from '../servers.js';

/**
 * Deletes the tree `<backup_root>/<host>/<name>` and then the record. What cannot be deleted
 * (a symlink, something that is not a snapshot directory) is refused before the record is
 * marked, so a refusal leaves the snapshot exactly as it was. With `inBackground`, the tree
 * leaves its name (rename into `.deleting/`) and the record goes, and its files are removed
 * in the background at idle I/O priority (engine/purge.ts): a prune after a backup.
 */
export async function removeSnapshot(
  em: EntityManager,
  backupRoot: string,
  host: Host,
  snapshot: SnapshotRecord,
  options: { inBackground?: boolean } = {},
): Promise<void> {
  try {
    await deletableSnapshotDir(backupRoot, host.name, snapshot.name);
  } catch (error) {
    throw new OperationError(
      `snapshot ${snapshot.name} of ${host.name} cannot be deleted: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!snapshot.deletingAt) {
    await markDeleting(em, snapshot.id);
  }
  if (options.inBackground) {
    const retired = await retireSnapshotDir(backupRoot, host.name, snapshot.name);
    await deleteRecord(em, snapshot.id);
    if (retired) purgeInBackground(retired);
    return;
  }
  await safeDelete(backupRoot, host.name, snapshot.name);
  await deleteRecord(em, snapshot.id);
}

/**
 * Finishes the deletions of this host that a crash interrupted. One it cannot finish is
 * reported, not thrown: it must not stop the host's backups. Returns what it finished and what not.
 */
export async function finishInterruptedDeletions(
  em: EntityManager,
  backupRoot: string,
  host: Host,
): Promise<{ finished: string[]; failed: { name: string; reason: string }[] }> {
  await emptyDeletingDir(backupRoot, host.name, isPurging);
  const pending = await em.find(SnapshotRecordSchema, {
    host: host.id,
    deletingAt: { $ne: null },
    ...heldHere(),
  });
  const result: { finished: string[]; failed: { name: string; reason: string }[] } = { finished: [], failed: [] };
  for (const snapshot of pending) {
    try {
      await removeSnapshot(em, backupRoot, host, snapshot);
      result.finished.push(snapshot.name);
    } catch (error) {
      result.failed.push({ name: snapshot.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
