/**
 * A snapshot as every listing shows it, its size as last measured, and the listing itself: kept
 * apart from snapshots.ts and sizes.ts (deleting, measuring) so that `pobsync snapshots` loads no ORM.
 */
import type { SnapshotRecord } from '../../catalogue/entities/index.js';
import type { RsyncStats, SnapshotDump, SnapshotKind, SnapshotOrigin, SnapshotStatus } from '../../domain/types.js';
import type { ReadApp } from '../app.js';
import { requireHost } from '../hosts/host-view.js';

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

export interface SnapshotView {
  id: number;
  host: string;
  name: string;
  kind: SnapshotKind;
  status: SnapshotStatus;
  path: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  base: string | null;
  protected: boolean;
  stats: RsyncStats | null;
  /** the database dumps in its dumps/ directory */
  dumps: SnapshotDump[];
  /** a deletion was started and not finished (a crash): not a snapshot to use */
  deleting: boolean;
  /** since when its directory is gone: listed, never used; null while it is on disk */
  missingSince: string | null;
  /** what deleting it would free and its full size, once measured (the TUI measures them; null: not yet) */
  size: SnapshotSize | null;
  /** a replica: the peer it was copied from and its name there; null for a snapshot made here */
  origin: SnapshotOrigin | null;
  /** the server whose backup root holds it; null: recorded before servers (the only server's) */
  server: string | null;
}

/** `sizes`: the host's snapshots as they are now, to say whether a size measured earlier still holds. */
export function snapshotView(snapshot: SnapshotRecord, hostName: string, sizes?: SizeContext): SnapshotView {
  return {
    id: snapshot.id,
    host: hostName,
    name: snapshot.name,
    kind: snapshot.kind,
    status: snapshot.status,
    path: snapshot.path,
    startedAt: snapshot.startedAt.toISOString(),
    finishedAt: snapshot.finishedAt.toISOString(),
    durationSeconds: Math.round((snapshot.finishedAt.getTime() - snapshot.startedAt.getTime()) / 1000),
    base: snapshot.base?.name ?? null,
    protected: snapshot.protected,
    stats: snapshot.stats ?? null,
    dumps: snapshot.dumps ?? [],
    deleting: Boolean(snapshot.deletingAt),
    missingSince: snapshot.missingSince?.toISOString() ?? null,
    size: snapshotSize(snapshot, sizes ?? { among: snapshot.sizedAmong ?? 0, newestCreatedAt: null }),
    origin: snapshot.origin ?? null,
    server: snapshot.server ?? null,
  };
}

/** A host's snapshots, oldest first (the newest is the last line, next to the prompt). */
export async function listSnapshots(app: ReadApp, hostName: string | undefined): Promise<SnapshotView[]> {
  const reads = app.catalogue.reads();
  const host = await requireHost(reads, hostName);
  const snapshots = await reads.snapshotsOf(host.id);
  const sizes = sizeContext(snapshots);
  return snapshots.map((snapshot) => snapshotView(snapshot, host.name, sizes));
}
