/**
 * Snapshot sizes as BackupPC and restic report them: what deleting a snapshot would free (its
 * files no other snapshot links to) and its full size. Measuring walks the tree, so it is done
 * once and kept in the catalogue; what a snapshot frees changes when a newer snapshot links to
 * its files or an older one sharing them goes, so a size measured among another count of
 * snapshots, or before the host's newest one, is measured again.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { treeSize } from '../../engine/disk-usage.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { heldHere } from '../servers.js';

export interface SnapshotSize {
  /** bytes on disk that deleting it alone would free */
  freed: number;
  /** bytes on disk of all of it */
  total: number;
  measuredAt: string;
  /** measured among the host's snapshots as they are now; false: it may free more or less by now */
  current: boolean;
}

/** What the host's snapshots are now, for telling a size still current from one to measure again. */
export interface SizeContext {
  among: number;
  newestCreatedAt: Date | null;
}

export function sizeContext(records: readonly SnapshotRecord[]): SizeContext {
  const newest = Math.max(...records.map((record) => record.createdAt?.getTime() ?? 0), 0);
  return { among: records.length, newestCreatedAt: newest > 0 ? new Date(newest) : null };
}

export function snapshotSize(record: SnapshotRecord, context: SizeContext): SnapshotSize | null {
  if (record.sizeFreed == null || record.sizeTotal == null || !record.sizedAt) return null;
  return {
    freed: record.sizeFreed,
    total: record.sizeTotal,
    measuredAt: record.sizedAt.toISOString(),
    current: record.sizedAmong === context.among && (!context.newestCreatedAt || record.sizedAt >= context.newestCreatedAt),
  };
}

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
