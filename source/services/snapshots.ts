/** Snapshot records: listing them and finding a run's base. */
import { existsSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/sqlite';
import { SnapshotRecordSchema, type Host, type SnapshotRecord } from '../catalogue/entities/index.js';
import { UserError } from '../domain/errors.js';
import { validateSnapshotName } from '../domain/snapshot-name.js';
import type { RsyncStats, SnapshotKind, SnapshotStatus } from '../domain/types.js';
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
  /** a deletion was started and not finished (a crash): not a snapshot to use */
  deleting: boolean;
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
    deleting: Boolean(snapshot.deletingAt),
  };
}

/** A host's snapshots, oldest first (the newest is the last line, next to the prompt). */
export async function listSnapshots(app: App, hostName: string | undefined): Promise<SnapshotView[]> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const snapshots = await em.find(SnapshotRecordSchema, { host: host.id }, { orderBy: { startedAt: 'asc', name: 'asc' }, populate: ['base'] });
  return snapshots.map((snapshot) => snapshotView(snapshot, host.name));
}

/** The newest snapshot of the host that is still on disk: the base a new run links against. */
export async function newestUsableSnapshot(em: EntityManager, host: Host): Promise<SnapshotRecord | null> {
  const newest = await em.find(SnapshotRecordSchema, { host: host.id, deletingAt: null }, { orderBy: { startedAt: 'desc', name: 'desc' }, limit: 10 });
  return newest.find((snapshot) => existsSync(snapshot.path)) ?? null;
}

/** The host's snapshot `name`, or a UserError naming it. */
export async function findSnapshot(em: EntityManager, host: Host, name: string | undefined): Promise<SnapshotRecord> {
  const valid = validateSnapshotName(name);
  const snapshot = await em.findOne(SnapshotRecordSchema, { host: host.id, name: valid, deletingAt: null });
  if (!snapshot) throw new UserError(`host ${host.name} has no snapshot ${valid}: "pobsync snapshots ${host.name}" lists them`);
  return snapshot;
}

/** Protected snapshots are never removed by retention. */
export async function setProtected(app: App, hostName: string | undefined, name: string | undefined, protect: boolean): Promise<SnapshotView> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const snapshot = await findSnapshot(em, host, name);
  snapshot.protected = protect;
  await em.flush();
  return snapshotView(snapshot, host.name);
}
