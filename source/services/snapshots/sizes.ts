/**
 * Snapshot sizes as BackupPC and restic report them: what deleting a snapshot would free (its
 * files no other snapshot links to) and its full size. Measuring walks the tree, so it is done
 * once and kept in the catalogue; what a snapshot frees changes when a newer snapshot links to
 * its files or an older one sharing them goes, so a size measured among another count of
 * snapshots, or before the host's newest one, is measured again.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { treeSize } from '../../engine/disk-usage.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { heldHere } from '../servers.js';
import { sizeContext, snapshotSize } from './snapshot-view.js';

export { type SizeContext, type SnapshotSize, sizeContext, snapshotSize } from './snapshot-view.js';

const measuring = new Map<string, Promise<number>>();

/**
 * Measures the host's snapshots whose size is unknown or no longer current, newest first, at
 * most `max` of them; resolves to how many it measured. One measuring per host at a time: a
 * second call while one runs gets that one.
 */
export function measureSnapshotSizes(app: App, hostName: string, options: { max?: number } = {}): Promise<number> {
  const running = measuring.get(hostName);
  if (running) return running;
  const work = measure(app, hostName, options.max ?? Number.POSITIVE_INFINITY).finally(() => measuring.delete(hostName));
  measuring.set(hostName, work);
  return work;
}

async function measure(app: App, hostName: string, max: number): Promise<number> {
  const em: EntityManager = app.catalogue.em();
  const host = await findHost(em, hostName);
  // Only trees on this server's disks: another server's would measure as empty.
  const records = await em.find(SnapshotRecordSchema, { host: host.id, ...heldHere() }, { orderBy: { startedAt: 'desc', name: 'desc' } });
  const context = sizeContext(records);
  const due = records.filter((record) => !record.deletingAt && !record.missingSince && !snapshotSize(record, context)?.current);
  let measured = 0;
  for (const record of due.slice(0, max)) {
    const sizedAt = new Date();
    const { freed, total } = await treeSize(record.path);
    await em.nativeUpdate(
      SnapshotRecordSchema,
      { id: record.id },
      { sizeFreed: freed, sizeTotal: total, sizedAt, sizedAmong: context.among },
    );
    measured += 1;
  }
  return measured;
}
