/**
 * Renaming a host: its row, the recorded paths of its snapshots and its directory on disk (one
 * rename(2), in the transaction that holds the catalogue's write lock, so no run can start in
 * between), then the alias its SSH keys are pinned under. Published snapshots are not touched:
 * their meta.json keeps the old name, and a note in the host's directory lists its former names.
 */
import { existsSync } from 'node:fs';
import { HostSchema, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { renameHostRow } from '../../catalogue/hosts.js';
import { activeRunIds } from '../../catalogue/runs.js';
import { moveSnapshotPaths } from '../../catalogue/snapshots.js';
import { lockForWriting } from '../../catalogue/transactions.js';
import { HostBusyError, UserError } from '../../domain/errors.js';
import { validateHostName } from '../../domain/validation.js';
import { serverName } from '../../engine/server-name.js';
import { hostDir, isMarkedBackupRoot, renameHostDir, renameHostDirBack } from '../../engine/snapshot-store.js';
import { keyFiles, renamePinnedAlias } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { backupRootOf, loadSettings, requireBackupRoot } from '../settings.js';
import { findHost } from './hosts.js';

export interface HostRenameResult {
  from: string;
  to: string;
  /** the host's directory under its new name; null when it had none yet */
  directory: string | null;
  snapshots: number;
  /** how many pinned SSH keys now carry the new name */
  keys: number;
}

export async function renameHost(app: App, fromName: string | undefined, toName: string | undefined): Promise<HostRenameResult> {
  const em = app.catalogue.em();
  const host = await findHost(em, fromName);
  const to = validateHostName(toName);
  if (to === host.name) throw new UserError(`host ${host.name} already has that name: give a new one`);
  if (await em.findOne(HostSchema, { name: to })) throw new UserError(`host "${to}" exists already: remove or rename it first`);
  const config = await loadSettings(em);
  const self = serverName();
  const elsewhere = await em.findOne(SnapshotRecordSchema, { host: host.id, server: { $ne: null, $nin: [self] } });
  if (elsewhere) {
    throw new UserError(
      `host ${host.name} has snapshots on server ${elsewhere.server} too (${elsewhere.name}): a rename moves only this server's ` +
        'directory; delete or keep those snapshots there first',
    );
  }
  const snapshots = await em.count(SnapshotRecordSchema, { host: host.id });
  // A root without its marker is most likely not mounted: the directory would be left behind.
  const ownRoot = backupRootOf(config);
  const backupRoot = ownRoot && (snapshots > 0 || isMarkedBackupRoot(ownRoot)) ? requireBackupRoot(config) : null;
  const source = backupRoot ? hostDir(backupRoot, host.name) : null;
  const target = backupRoot ? hostDir(backupRoot, to) : null;
  if (target && existsSync(target)) {
    throw new UserError(`directory ${target} exists already: move it out of the way (it is not host ${host.name}'s), then rename`);
  }

  let moved = false;
  try {
    await em.transactional(async (tem) => {
      await lockForWriting(tem);
      const runs = await activeRunIds(tem, host.id);
      if (runs.length > 0) {
        throw new HostBusyError(
          `host ${host.name} has run #${runs[0]} queued or running: rename it when that run is done (or "pobsync cancel ${runs[0]}")`,
        );
      }
      await renameHostRow(tem, host.id, to);
      if (source && target) {
        await moveSnapshotPaths(tem, source, target, host.id, self);
        // Last, so that anything failing before it leaves the directory where the catalogue says.
        moved = await renameHostDir(backupRoot!, host.name, to, new Date());
      }
    });
  } catch (error) {
    if (moved) await renameHostDirBack(backupRoot!, host.name, to);
    if (error instanceof Error && error.message.endsWith('exists already')) {
      throw new UserError(`directory ${target} exists already: move it out of the way, then rename`);
    }
    throw error;
  }
  const keys = await renamePinnedAlias(keyFiles(app.paths.keys).knownHostsFile, host.name, to);
  return { from: host.name, to, directory: moved ? target : null, snapshots, keys };
}
