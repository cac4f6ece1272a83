/**
 * Removing a host. Its snapshots are either kept (the host stays, disabled and without
 * schedules, so they remain restorable) or deleted, each through the one deletion path; then
 * the host's row, its unfinished trees and its pinned keys go. Refused while a run of the host
 * is queued or running.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, HostSchema, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { retireHostRow } from '../../catalogue/hosts.js';
import { activeRunIds } from '../../catalogue/runs.js';
import { lockForWriting } from '../../catalogue/transactions.js';
import { HostBusyError, OperationError, UserError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { hostDir, INCOMPLETE_DIR, isMarkedBackupRoot, removeHostLeftovers } from '../../engine/snapshot-store.js';
import { keyFiles, unpinKeys } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { requireSnapshotHere } from '../servers.js';
import { backupRootOf, loadSettings, requireBackupRoot } from '../settings.js';
import { removeSnapshot } from '../snapshots/deletion.js';
import { findHost } from './hosts.js';

/** What to do with the snapshots of a host that has some. */
export type SnapshotChoice = 'keep' | 'delete';

/** What removing the host involves: for the confirmation question, on a terminal or in the TUI. */
export interface HostRemovalPreview {
  host: string;
  snapshots: number;
  /** protected snapshots, which --delete-snapshots refuses to delete */
  protectedSnapshots: string[];
  /** runs queued or running: removal waits until they are done */
  activeRuns: number[];
  /** `<backup_root>/<host>`, when it exists */
  directory: string | null;
  /** unfinished trees in `.incomplete/`, deleted with the host */
  unfinished: boolean;
}

export interface HostRemovalResult {
  host: string;
  /** removed: the host is gone; disabled: it stays, disabled and without schedules, for its snapshots */
  outcome: 'removed' | 'disabled' | 'cancelled';
  deletedSnapshots: string[];
  keptSnapshots: number;
  /** what else happened: keys unpinned, trees deleted, what was left in its directory */
  notes: string[];
}

export async function previewHostRemoval(app: App, name: string | undefined): Promise<HostRemovalPreview> {
  const em = app.catalogue.em();
  return preview(em, await findHost(em, name));
}

async function preview(em: EntityManager, host: Host): Promise<HostRemovalPreview> {
  const snapshots = await em.find(SnapshotRecordSchema, { host: host.id }, { fields: ['name', 'protected'], orderBy: { name: 'asc' } });
  const backupRoot = backupRootOf(await loadSettings(em));
  const directory = backupRoot ? hostDir(backupRoot, host.name) : null;
  return {
    host: host.name,
    snapshots: snapshots.length,
    protectedSnapshots: snapshots.filter((snapshot) => snapshot.protected).map((snapshot) => snapshot.name),
    activeRuns: await activeRunIds(em, host.id),
    directory: directory && existsSync(directory) ? directory : null,
    unfinished: directory !== null && existsSync(join(directory, INCOMPLETE_DIR)),
  };
}

/**
 * Removes the host after `confirm` (which sees what it involves). A host with snapshots needs a
 * choice: keep them (the host is disabled, its schedules removed) or delete them (then the host
 * goes too). Protected snapshots are never deleted: unprotect them first.
 */
export async function removeHost(
  app: App,
  name: string | undefined,
  options: { snapshots?: SnapshotChoice | undefined; confirm: (preview: HostRemovalPreview) => Promise<boolean> },
): Promise<HostRemovalResult> {
  const em = app.catalogue.em();
  const host = await findHost(em, name);
  const before = await preview(em, host);
  refuseIfBusy(host.name, before.activeRuns);
  if (before.snapshots > 0 && !options.snapshots) {
    throw new UserError(
      `host ${host.name} has ${formatCount(before.snapshots, 'snapshot')}: add --keep-snapshots (the host is disabled and they stay ` +
        'restorable) or --delete-snapshots',
    );
  }
  if (before.snapshots > 0 && options.snapshots === 'delete' && before.protectedSnapshots.length > 0) {
    throw new UserError(
      `host ${host.name} has protected snapshots (${before.protectedSnapshots.join(', ')}): unprotect them first ` +
        `("pobsync snapshot unprotect ${host.name} NAME"), or keep them with --keep-snapshots`,
    );
  }
  if (before.snapshots > 0 && options.snapshots === 'delete') {
    // Another server's snapshots are deleted there, on its disks: refused before anything changes.
    const records = await em.find(SnapshotRecordSchema, { host: host.id }, { fields: ['name', 'server'] });
    for (const record of records) await requireSnapshotHere(em, record, host.name);
  }
  const result: HostRemovalResult = {
    host: host.name,
    outcome: 'cancelled',
    deletedSnapshots: [],
    keptSnapshots: before.snapshots,
    notes: [],
  };
  if (!(await options.confirm(before))) return result;

  if (before.snapshots > 0 && options.snapshots === 'keep') {
    await retire(app, host.id, host.name);
    return { ...result, outcome: 'disabled' };
  }
  if (before.snapshots > 0) {
    // Disabled first: no schedule fires for it while its snapshots are deleted.
    await retire(app, host.id, host.name);
    const backupRoot = requireBackupRoot(await loadSettings(em));
    const records = await app.catalogue.em().find(SnapshotRecordSchema, { host: host.id }, { orderBy: { name: 'asc' } });
    for (const record of records) {
      if (record.protected) throw new UserError(`snapshot ${record.name} of ${host.name} was protected meanwhile: nothing more is deleted`);
      await removeSnapshot(app.catalogue.em(), backupRoot, host, record);
      result.deletedSnapshots.push(record.name);
    }
  }
  await app.catalogue.em().transactional(async (tem) => {
    await lockForWriting(tem);
    refuseIfBusy(host.name, await activeRunIds(tem, host.id));
    const appeared = await tem.count(SnapshotRecordSchema, { host: host.id });
    if (appeared > 0) {
      throw new OperationError(`host ${host.name} got ${formatCount(appeared, 'new snapshot')} while it was being removed: run this again`);
    }
    await tem.nativeDelete(HostSchema, { id: host.id });
  });
  result.notes.push(...(await cleanUpRemovedHost(app, host.name)));
  return { ...result, outcome: 'removed', keptSnapshots: 0 };
}

/** Disables the host and removes its schedules, in one transaction that waits for no run. */
async function retire(app: App, hostId: number, name: string): Promise<void> {
  await app.catalogue.em().transactional(async (tem) => {
    await lockForWriting(tem);
    refuseIfBusy(name, await activeRunIds(tem, hostId));
    await retireHostRow(tem, hostId);
  });
}

function refuseIfBusy(name: string, runs: number[]): void {
  if (runs.length > 0) {
    throw new HostBusyError(
      `host ${name} has run #${runs[0]} queued or running: wait for it (or "pobsync cancel ${runs[0]}"), then remove the host`,
    );
  }
}

/**
 * After a host's row is gone: its pinned keys (a later host of that name must be trusted anew)
 * and what is left in its directory (unfinished trees; the directory when empty). What is not
 * pobsync's stays. Returns notes for the admin.
 */
export async function cleanUpRemovedHost(app: App, name: string): Promise<string[]> {
  const notes: string[] = [];
  const unpinned = await unpinKeys(keyFiles(app.paths.keys).knownHostsFile, name);
  if (unpinned > 0) notes.push(`unpinned ${formatCount(unpinned, 'SSH key')} of ${name}`);
  const backupRoot = backupRootOf(await loadSettings(app.catalogue.em()));
  if (!backupRoot) return notes;
  if (!isMarkedBackupRoot(backupRoot)) {
    notes.push(`the backup root ${backupRoot} lacks its marker (not mounted?): ${hostDir(backupRoot, name)} was left as it is`);
    return notes;
  }
  const { removed, left } = await removeHostLeftovers(backupRoot, name);
  if (removed.length > 0) notes.push(`deleted ${formatCount(removed.length, 'unfinished tree')}: ${removed.join(' ')}`);
  if (left.length > 0)
    notes.push(`left in ${hostDir(backupRoot, name)}, not deleted (no record says they are pobsync's): ${left.join(' ')}`);
  return notes;
}
