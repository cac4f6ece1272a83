/**
 * Restores: a snapshot (or some paths in it) copied to a local directory, or pushed back onto
 * the host. Planning checks everything and writes nothing, so a command can ask for
 * confirmation between the plan and the restore. A restore to the host first takes a safety
 * snapshot of exactly the paths it overwrites, as a backup run of its own; then the restore
 * is a run of its own (kind `restore`), under the host lock, with a log.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationError, UserError } from '../../domain/errors.js';
import { type RestoreSource, restoreArgs } from '../../domain/rsync-args.js';
import { failureMessage, partialMessage, runStatus, type StopReason } from '../../domain/rsync-exit.js';
import { type ChangeAction, type ChangeSummary, changeAction, changePath } from '../../domain/rsync-output.js';
import {
  formatSnapshotPath,
  isWithin,
  pathComponents,
  type SnapshotPath,
  validateSnapshotPath,
  withoutNested,
} from '../../domain/snapshot-path.js';
import type { RestoreDetails, RestoreTarget, RsyncStats } from '../../domain/types.js';
import { LOCAL_ADDRESS, validateAbsolutePath } from '../../domain/validation.js';
import { overlaps, realpathOfExisting } from '../../engine/local-paths.js';
import { stopOnAbort } from '../../engine/process.js';
import { startRsync } from '../../engine/rsync.js';
import { DATA_DIR, DUMPS_DIR, locateInSnapshot, readMeta } from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { type BackupOutcome, backupHost } from '../backup/backup.js';
import { findHost } from '../hosts/hosts.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { type RunEvents, withRunSession } from '../runs/session.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { findSnapshot, type SnapshotView, snapshotView } from '../snapshots/snapshots.js';

export interface RestoreInput {
  host: string | undefined;
  snapshot: string | undefined;
  /** `--to DIR` */
  directory?: string | undefined;
  /** `--to-host` */
  toHost?: boolean | undefined;
  /** `--path`: source paths, or dumps/NAME; none means every source in the snapshot */
  paths: readonly string[];
  dryRun?: boolean | undefined;
  delete?: boolean | undefined;
  /** false with --no-safety-snapshot; only for a restore to the host */
  safetySnapshot?: boolean | undefined;
}

/** A checked restore: everything it will touch, decided before anything is written. */
export interface RestorePlan {
  host: string;
  /** how the host is reached, for the confirmation */
  address: string;
  snapshot: SnapshotView;
  target: RestoreTarget;
  paths: SnapshotPath[];
  /** sources of the snapshot that are not in its data/ (excluded, or gone when it was taken) */
  skipped: string[];
  delete: boolean;
  dryRun: boolean;
  /** a restore to the host takes a safety snapshot of `paths` first */
  safetySnapshot: boolean;
  /** the target directory already holds files, which the restore may overwrite */
  targetNotEmpty: boolean;
}

export interface RestoreEvents extends RunEvents {
  /** every --itemize-changes line: what the restore creates, updates or deletes */
  onChange?(change: { action: ChangeAction; path: string; line: string }): void;
  signal?: AbortSignal;
}

export interface RestoreOutcome {
  plan: RestorePlan;
  /** the safety backup: its run and the snapshot to restore from if this restore was a mistake */
  safety: BackupOutcome | null;
  /** the restore run; null for a dry run, which records nothing */
  run: RunView | null;
  summary: ChangeSummary;
  stats: RsyncStats | null;
}

export async function planRestore(app: App, input: RestoreInput): Promise<RestorePlan> {
  const em = app.catalogue.em();
  const host = await findHost(em, input.host);
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const target = await restoreTarget(input, backupRoot, app.paths.home);
  if (target.kind === 'host' && host.access === 'restricted') {
    throw new UserError(
      `${host.name} has restricted access: pobsync's key may only read it (rrsync -ro), so nothing can be restored onto it. ` +
        `Restore with --to DIR and copy from there, or give the key full access (configure-host ${host.name} --access full)`,
    );
  }
  const record = await findSnapshot(em, host, input.snapshot);
  const meta = await readMeta(record.path);
  const requested = input.paths.map((path) => validateSnapshotPath('--path', path));
  // Above a source, a restore (and --delete) would reach files that were never backed up.
  for (const path of requested) {
    if (path.area === 'data' && meta && !meta.sources.some((source) => isWithin(path.path, source))) {
      throw new UserError(
        `--path ${path.path} is not allowed: it is not one of the snapshot's sources (${meta.sources.join(', ')}) or inside one`,
      );
    }
  }
  const dump = requested.find((path) => path.area === 'dumps');
  if (dump && target.kind === 'host') {
    throw new UserError(
      `--path ${formatSnapshotPath(dump)} cannot go back to the host as a file: restore the database from it with --dump ${dump.name} ` +
        '--to-host (it runs the restore command configured with "configure-host --dump-restore"), or copy it out with --to DIR',
    );
  }

  let paths: SnapshotPath[];
  const skipped: string[] = [];
  if (requested.length > 0) {
    for (const path of requested) {
      const found = await locateInSnapshot(record.path, path);
      if (!found.found) {
        throw new UserError(
          `--path ${formatSnapshotPath(path)} cannot be restored from snapshot ${record.name} of ${host.name}: ${found.reason}; ` +
            `"pobsync ls ${host.name} ${record.name}" shows what is there`,
        );
      }
    }
    paths = withoutNested(requested);
  } else {
    if (!meta)
      throw new OperationError(`snapshot ${record.name} of ${host.name} has no readable meta.json: give the paths to restore with --path`);
    paths = [];
    for (const source of meta.sources) {
      const path: SnapshotPath = { area: 'data', path: source };
      if ((await locateInSnapshot(record.path, path)).found) paths.push(path);
      else skipped.push(source);
    }
    paths = withoutNested(paths);
    // A snapshot of a host backed up by its dumps alone: into a directory, its dumps.
    if (meta.sources.length === 0 && target.kind === 'directory') {
      paths = (meta.dumps ?? []).map((dump): SnapshotPath => ({ area: 'dumps', name: dump.name }));
    }
    if (paths.length === 0 && meta.sources.length === 0) {
      throw new OperationError(
        `snapshot ${record.name} of ${host.name} holds no files, only dumps: restore one into the database with --dump NAME ` +
          '--to-host, or copy them out with --to DIR',
      );
    }
    if (paths.length === 0)
      throw new OperationError(
        `snapshot ${record.name} of ${host.name} holds none of its sources (${meta.sources.join(', ')}): there is nothing to restore`,
      );
  }

  if (target.kind === 'host' && host.address === LOCAL_ADDRESS) await refuseOwnFiles(paths, [backupRoot, app.paths.home]);

  return {
    host: host.name,
    address: host.address,
    snapshot: snapshotView(record, host.name),
    target,
    paths,
    skipped,
    delete: input.delete === true,
    dryRun: input.dryRun === true,
    safetySnapshot: target.kind === 'host' && input.safetySnapshot !== false,
    targetNotEmpty: target.kind === 'directory' && (await readdir(target.path).catch(() => [])).length > 0,
  };
}

export async function executeRestore(app: App, plan: RestorePlan, events: RestoreEvents = {}): Promise<RestoreOutcome> {
  const em = app.catalogue.em();
  const host = await findHost(em, plan.host);
  const record = await findSnapshot(em, host, plan.snapshot.name);
  const args = restoreArgs({
    sources: plan.paths.map((path) => restoreSource(record.path, path)),
    destination: plan.target.kind === 'host' ? '/' : plan.target.path,
    // The snapshot lacks what the host excludes: --delete must leave those files alone.
    excludes: plan.target.kind === 'host' ? ((await readMeta(record.path))?.excludes ?? host.excludes) : [],
    remote: plan.target.kind === 'host' && host.address !== LOCAL_ADDRESS ? { target: host, files: keyFiles(app.paths.keys) } : undefined,
    delete: plan.delete,
    dryRun: plan.dryRun,
    // Into a directory the tree is the snapshot's, to the last directory; on the host only
    // the restored paths change, not the directories above them.
    impliedDirs: plan.target.kind === 'directory',
  });
  const summary: ChangeSummary = { create: 0, update: 0, delete: 0 };
  const onLines = (lines: string[]) => {
    for (const line of lines) {
      const action = changeAction(line);
      if (!action) continue;
      summary[action] += 1;
      events.onChange?.({ action, path: changePath(line), line });
    }
    events.onLines?.(lines);
  };

  if (plan.dryRun) {
    const rsync = startRsync(args, { onLines, ...(events.onProgress ? { onProgress: events.onProgress } : {}) });
    stopOnAbort(rsync, events.signal);
    const result = await rsync.result;
    const end = { ...result, stopped: events.signal?.aborted ? (events.signal.reason as StopReason) : undefined };
    const status = runStatus(end);
    if (status !== 'succeeded' && status !== 'partial') {
      throw new OperationError(`dry run failed: ${failureMessage(end, host.name, receiverOf(plan.target, host.name))}`);
    }
    return { plan, safety: null, run: null, summary, stats: result.stats ?? null };
  }

  if (plan.target.kind === 'directory') await mkdir(plan.target.path, { recursive: true, mode: 0o700 });
  const safety = plan.safetySnapshot ? await takeSafetySnapshot(app, plan, events) : null;
  const details: RestoreDetails = {
    snapshot: record.name,
    target: plan.target,
    paths: plan.paths.map(formatSnapshotPath),
    delete: plan.delete,
    safetySnapshot: safety?.snapshot?.name ?? null,
  };
  const { run } = await startRun(app, host, 'restore').catch((error: unknown) => {
    // Another run took the host between the safety snapshot and the restore.
    if (safety?.snapshot && error instanceof OperationError) {
      throw new OperationError(`${error.message}; nothing was restored (safety snapshot ${safety.snapshot.name} was taken)`);
    }
    throw error;
  });
  const stats = await withRunSession(app, run.id, events, async (session) => {
    const { note } = session;
    await session.describe({ base: record.id, restore: details });
    note(
      `run #${run.id}: restore of ${host.name} from snapshot ${record.name} to ${describeTarget(plan.target, host.name)} by pid ` +
        `${run.pid} on ${run.node}`,
    );
    note(`paths: ${details.paths.join(' ')}${plan.delete ? ' (deleting files that are not in the snapshot)' : ''}`);
    if (safety?.snapshot) note(`safety snapshot ${safety.snapshot.name} (run #${safety.run.id}) holds these paths as they were before`);
    else if (plan.target.kind === 'host') note('no safety snapshot (--no-safety-snapshot)');
    session.log.note(`rsync ${args.join(' ')}`);
    const result = await session.rsync(args, onLines);
    const status = runStatus(result);
    const error =
      status === 'succeeded'
        ? null
        : status === 'partial'
          ? partialMessage(result, 'some files could not be restored')
          : failureMessage(result, host.name, receiverOf(plan.target, host.name));
    note(`${status}: ${summary.create} created, ${summary.update} updated, ${summary.delete} deleted${error ? `; ${error}` : ''}`);
    await session.finish({ status, error, stats: result.stats ?? null });
    return result.stats ?? null;
  });
  return { plan, safety, run: await getRun(app, String(run.id)), summary, stats };
}

/** Who writes in a restore: the host, or this server's directory. */
function receiverOf(target: RestoreTarget, host: string): string {
  return target.kind === 'host' ? `the host ${host}` : `the backup server (restoring into ${target.path})`;
}

/** A normal backup run of exactly the paths about to be overwritten; the restore stops if it fails. */
async function takeSafetySnapshot(app: App, plan: RestorePlan, events: RestoreEvents): Promise<BackupOutcome> {
  const sources = plan.paths.flatMap((path) => (path.area === 'data' ? [path.path] : []));
  events.onNote?.(`taking a safety snapshot of ${sources.join(' ')} on ${plan.host} first`);
  const outcome = await backupHost(app, plan.host, {
    kind: 'safety',
    sources,
    ...(events.signal ? { signal: events.signal } : {}),
    ...(events.onNote ? { onNote: events.onNote } : {}),
    ...(events.onProgress ? { onProgress: events.onProgress } : {}),
  });
  if (!outcome.snapshot) {
    throw new OperationError(
      `the safety snapshot failed (run #${outcome.run.id} ${outcome.run.status}: ${outcome.run.error ?? 'see its log'}); nothing ` +
        `was restored`,
    );
  }
  return outcome;
}

function restoreSource(snapshotPath: string, path: SnapshotPath): RestoreSource {
  if (path.area === 'dumps') return { root: snapshotPath, path: `${DUMPS_DIR}/${path.name}` };
  return { root: join(snapshotPath, DATA_DIR), path: pathComponents(path.path).join('/') };
}

export function describeTarget(target: RestoreTarget, host: string): string {
  return target.kind === 'host' ? `the host ${host}` : target.path;
}

async function restoreTarget(input: RestoreInput, backupRoot: string, home: string): Promise<RestoreTarget> {
  const toDirectory = input.directory !== undefined;
  if (toDirectory === (input.toHost === true)) {
    throw new UserError(
      toDirectory
        ? 'restore takes one target, not both: --to DIR (a local directory) or --to-host (the host itself)'
        : 'restore needs a target: --to DIR (a local directory) or --to-host (the host itself)',
    );
  }
  if (!toDirectory) return { kind: 'host' };
  if (input.delete) throw new UserError('--delete is only for --to-host: a restore into a directory never deletes anything');
  if (input.safetySnapshot === false)
    throw new UserError('--no-safety-snapshot is only for --to-host: a restore into a directory overwrites nothing of the host');
  const path = validateAbsolutePath('--to directory', input.directory);
  // Into the backup root it would change hard-linked files of every snapshot at once; over
  // pobsync's home, or a system root, it would replace this server's own files.
  if ((await realpathOfExisting(path)) === '/')
    throw new UserError(
      `--to directory "${path}" is not allowed: it is this server's root; restore into a directory of its own, like /tmp/restore`,
    );
  for (const own of [backupRoot, home]) {
    if (await overlaps(path, own)) {
      throw new UserError(
        `--to directory "${path}" is not allowed: it overlaps ${own}, which holds pobsync's ` +
          `${own === home ? 'catalogue' : 'backups'}; restore somewhere else`,
      );
    }
  }
  return { kind: 'directory', path };
}

/**
 * Restoring onto this server must never write over (or, with --delete, empty) the backup root
 * or pobsync's home, and its safety snapshot must not copy the backup root into itself.
 */
async function refuseOwnFiles(paths: readonly SnapshotPath[], own: readonly string[]): Promise<void> {
  for (const dir of own) {
    for (const path of paths) {
      if (path.area === 'data' && (await overlaps(path.path, dir))) {
        throw new UserError(
          `--path ${path.path} cannot be restored onto this server: it overlaps ${dir}, which holds pobsync's backups or catalogue; ` +
            `restore it with --to DIR instead`,
        );
      }
    }
  }
}
