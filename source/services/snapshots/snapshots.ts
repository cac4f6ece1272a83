/** Snapshot records: listing them, finding a run's base, deleting and protecting one. */
import { existsSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, RunSchema, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { setProtectedFlag } from '../../catalogue/snapshots.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatSnapshotRef, parseSnapshotRef } from '../../domain/snapshot-name.js';
import { secureSnapshotDir } from '../../engine/ownership.js';
import { isProtectedOnDisk, locate, markProtected } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { heldHere, requireSnapshotHere, serverName } from '../servers.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { removeSnapshot } from './deletion.js';
import { type SnapshotView, snapshotView } from './snapshot-view.js';

export { listSnapshots, type SnapshotView, snapshotView } from './snapshot-view.js';

/**
 * The newest snapshot of the host that is still on disk: the base a new run links against.
 * Safety snapshots hold only the few paths a restore overwrote, so they are never a base; nor is
 * one found missing.
 */
export async function newestUsableSnapshot(em: EntityManager, host: Host): Promise<SnapshotRecord | null> {
  const newest = await em.find(
    SnapshotRecordSchema,
    { host: host.id, kind: { $ne: 'safety' }, deletingAt: null, missingSince: null, ...heldHere() },
    { orderBy: { startedAt: 'desc', name: 'desc' }, limit: 10 },
  );
  return newest.find((snapshot) => existsSync(snapshot.path)) ?? null;
}

/** The host's snapshot by name: unknown is bad input (exit 2); gone from disk is a failure. */
export async function findSnapshot(em: EntityManager, host: Host, name: string | undefined): Promise<SnapshotRecord> {
  const record = await findSnapshotRecord(em, host, name);
  await secureSnapshotDir(record.path);
  if (!(await locate(record.path, [])).found) {
    throw new OperationError(`snapshot ${record.name} of ${host.name} is in the catalogue but not on disk at ${record.path}`);
  }
  return record;
}

/**
 * Deletes one snapshot through safeDelete, after `confirm`. Refuses a protected snapshot and
 * one a run needs: the base (or restore source) of a running run, and the newest snapshot of
 * a host with a queued run, which that run will hard-link against.
 */
export async function deleteSnapshot(
  app: App,
  hostName: string | undefined,
  name: string | undefined,
  confirm: (snapshot: SnapshotView) => Promise<boolean>,
): Promise<{ snapshot: SnapshotView; deleted: boolean; wasOnDisk: boolean }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const record = await findSnapshotRecord(em, host, name);
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const snapshot = snapshotView(record, host.name);
  await refuseIfNeeded(app.catalogue.em(), host, record);
  if (!(await confirm(snapshot))) return { snapshot, deleted: false, wasOnDisk: existsSync(record.path) };
  // Someone may have protected it, or started a run on it, while the question was open.
  const current = await findSnapshotRecord(app.catalogue.em(), host, record.name);
  await refuseIfNeeded(app.catalogue.em(), host, current);
  const wasOnDisk = existsSync(record.path);
  await removeSnapshot(app.catalogue.em(), backupRoot, host, current);
  return { snapshot, deleted: true, wasOnDisk };
}

async function refuseIfNeeded(em: EntityManager, host: Host, record: SnapshotRecord): Promise<void> {
  if (record.protected) {
    throw new UserError(
      `snapshot ${record.name} of ${host.name} is protected: "pobsync snapshot unprotect ${host.name} ${record.name}" first`,
    );
  }
  const running = await em.findOne(RunSchema, { host: host.id, status: 'running', base: record.id });
  if (running) {
    const what = running.kind === 'restore' ? 'restoring from it' : 'hard-linking against it';
    throw new OperationError(
      `snapshot ${record.name} of ${host.name} is in use: run #${running.id} is ${what}; delete it when that run is done`,
    );
  }
  // A queued backup, or one that has not picked its base yet, will link against the newest.
  const pending = await em.findOne(
    RunSchema,
    { host: host.id, $or: [{ status: 'queued' }, { status: 'running', base: null, kind: { $ne: 'restore' } }] },
    { orderBy: { id: 'asc' } },
  );
  if (pending && (await newestUsableSnapshot(em, host))?.id === record.id) {
    throw new OperationError(
      `snapshot ${record.name} is the newest of ${host.name}, and ${pending.status} run #${pending.id} will hard-link against it; ` +
        `delete it after that run`,
    );
  }
}

/**
 * Protected snapshots are never removed by retention (or by "snapshot delete"). Protection is
 * kept twice, in the catalogue and as a marker beside meta.json, so a catalogue rebuilt from the
 * disk keeps it. Whatever fails in between leaves more protection, never less: protecting writes
 * the marker first, unprotecting clears the catalogue first.
 */
export async function setProtected(
  app: App,
  hostName: string | undefined,
  name: string | undefined,
  value: boolean,
): Promise<{ snapshot: SnapshotView; changed: boolean }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const record = await findSnapshot(em, host, name);
  const changed = record.protected !== value || isProtectedOnDisk(record.path) !== value;
  if (value) {
    await markProtected(record.path, true);
    await setProtectedFlag(em, record.id, true);
  } else {
    await setProtectedFlag(em, record.id, false);
    await markProtected(record.path, false);
  }
  record.protected = value;
  return { snapshot: snapshotView(record, host.name), changed };
}

/**
 * A snapshot by name, on a shared catalogue (issue #17). A snapshot's identity is (host, server,
 * name): the server is the one whose backup root holds the tree, and a replica keeps the name of
 * the snapshot it copies, so two servers may each hold a copy of one name. Every lookup by name
 * (restore, ls, versions, snapshot delete/protect, verify, archive) resolves it here:
 * - `NAME` is the copy this server holds; when only other servers hold one, the lookup refuses in
 *   one line saying which server holds it (requireSnapshotHere), as for any other server's tree.
 * - `NAME@SERVER` picks that server's copy: this server's is used, another's is refused the same way.
 * Listings (`snapshots H`, the TUI) show every copy with its server; what acts on many snapshots
 * (retention, verify --all, a base for --link-dest, archive's newest) takes this server's only.
 */
export async function findSnapshotRecord(em: EntityManager, host: Host, value: string | undefined): Promise<SnapshotRecord> {
  const { name, server } = parseSnapshotRef(value);
  const copies = await em.find(SnapshotRecordSchema, { host: host.id, name }, { populate: ['base'], orderBy: { server: 'asc' } });
  const self = serverName();
  const holder = (record: SnapshotRecord) => record.server ?? self;
  const record =
    server === undefined ? (copies.find((copy) => holder(copy) === self) ?? copies[0]) : copies.find((copy) => holder(copy) === server);
  if (!record) {
    const others = copies.map((copy) => formatSnapshotRef(name, holder(copy))).join(', ');
    throw new UserError(
      `unknown snapshot "${value}" of host "${host.name}"${others ? ` (server ${server} holds no copy of it; ${others} exist)` : ''}: ` +
        `"pobsync snapshots ${host.name}" lists them`,
    );
  }
  await requireSnapshotHere(em, record, host.name);
  return record;
}
