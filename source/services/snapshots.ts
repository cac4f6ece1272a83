/** Snapshot records: listing them and finding a run's base. */
import { existsSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/sqlite';
import { SnapshotRecordSchema, type Host, type SnapshotRecord } from '../catalogue/entities/index.js';
import type { RsyncStats, SnapshotDump, SnapshotKind, SnapshotStatus } from '../domain/types.js';
import type { App } from './app.js';
import { findHost } from './hosts.js';

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
}

export function snapshotView(snapshot: SnapshotRecord, hostName: string): SnapshotView {
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
  };
}

/** A host's snapshots, oldest first (the newest is the last line, next to the prompt). */
export async function listSnapshots(app: App, hostName: string | undefined): Promise<SnapshotView[]> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const snapshots = await em.find(SnapshotRecordSchema, { host: host.id }, { orderBy: { startedAt: 'asc', name: 'asc' }, populate: ['base'] });
  return snapshots.map((snapshot) => snapshotView(snapshot, host.name));
}

/**
 * The newest snapshot of the host that is still on disk: the base a new run links against.
 * Safety snapshots hold only the few paths a restore overwrote, so they are never a base.
 */
export async function newestUsableSnapshot(em: EntityManager, host: Host): Promise<SnapshotRecord | null> {
  const newest = await em.find(
    SnapshotRecordSchema,
    { host: host.id, kind: { $ne: 'safety' } },
    { orderBy: { startedAt: 'desc', name: 'desc' }, limit: 10 },
  );
  return newest.find((snapshot) => existsSync(snapshot.path)) ?? null;
}
