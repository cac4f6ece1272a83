/**
 * One backup of one host, end to end (DESIGN.md, "A backup, end to end"): take the host lock,
 * pick the base, rsync into `.incomplete/`, then meta.json, the atomic rename and the record.
 * A failure leaves the `.incomplete` tree for the next run to resume. The run's envelope (log,
 * stop signal, its end) is runs/session.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalConfig, Host, SnapshotRecord } from '../../catalogue/entities/index.js';
import { finishRun } from '../../catalogue/runs.js';
import { OperationError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { pullArgs } from '../../domain/rsync-args.js';
import { failureMessage, partialMessage, runStatus } from '../../domain/rsync-exit.js';
import { ItemizedChanges, isChangeLine, missingSource } from '../../domain/rsync-output.js';
import { isWithin } from '../../domain/snapshot-path.js';
import type { BackupKind, DumpCommand, RsyncStats, RunKind, RunStatus } from '../../domain/types.js';
import { checkAccess, LOCAL_ADDRESS, validateRsyncArgs } from '../../domain/validation.js';
import { faultPoint } from '../../engine/fault-points.js';
import { startRsync } from '../../engine/rsync.js';
import { DATA_DIR, prepareWorkDir, pruneToSources, removeWorkTrees } from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { pendingEnd, type RsyncEnd, type RunEvents, type RunSession, type SessionOptions, withRunSession } from '../runs/session.js';
import { requireHostHere } from '../servers.js';
import { backupRootOf, loadSettings, requireBackupRoot } from '../settings.js';
import { type Done, prepareHostDir, prune, publishSnapshot, recordPublished } from '../snapshots/publish.js';
import { newestUsableSnapshot, type SnapshotView, snapshotView } from '../snapshots/snapshots.js';
import { takeDumps } from './dumps.js';
import { writeBackupManifest } from './manifest.js';

export interface BackupOptions extends SessionOptions {
  kind?: BackupKind;
  /** apply the host's retention policy after a good backup (a queued run carries its own flag) */
  prune?: boolean;
  /**
   * Back up only these paths, into a new tree and without the host's dumps: the safety
   * snapshot a restore takes of what it is about to overwrite.
   */
  sources?: readonly string[];
  /** with `sources`: the dumps to take too (a dump restore's safety snapshot holds a fresh dump) */
  dumps?: readonly DumpCommand[];
}

export interface BackupOutcome {
  run: RunView;
  snapshot: SnapshotView | null;
  /** sources that did not exist on the host (a safety snapshot records them as absent) */
  absent: string[];
}

/** A manual backup in the foreground: takes the host lock now, then runs it. */
export async function backupHost(app: App, hostName: string, options: BackupOptions = {}): Promise<BackupOutcome> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  await requireHostHere(em, host, 'back it up');
  requireBackupRoot(await loadSettings(em));
  const { run, tookOverFrom } = await startRun(app, host, options.kind ?? 'manual');
  const takeover = tookOverFrom
    ? `took over the lock of run #${tookOverFrom.id}: its process (pid ${tookOverFrom.pid} on ${tookOverFrom.node}) no longer ` +
      `exists; it is marked interrupted`
    : undefined;
  return executeRun(app, run.id, { ...options, ...(takeover ? { firstNote: takeover } : {}) });
}

/**
 * Runs a backup whose run row is already `running` and owned by this process (started in the
 * foreground, or claimed from the queue by a worker).
 */
export async function executeRun(app: App, runId: number, options: BackupOptions & { firstNote?: string } = {}): Promise<BackupOutcome> {
  const made = await withRunSession(app, runId, options, (session) => backUp(app, session, options));
  return { run: await getRun(app, String(runId)), ...made };
}

async function backUp(
  app: App,
  session: RunSession,
  options: BackupOptions & { firstNote?: string },
): Promise<{ snapshot: SnapshotView | null; absent: string[] }> {
  const { run, host, note } = session;
  const em = app.catalogue.em();
  const config = await loadSettings(em);
  const backupRoot = requireBackupRoot(config);
  note(`run #${run.id}: ${run.kind} backup of ${host.name} (${host.address}) by pid ${run.pid} on ${run.node}`);
  if (options.firstNote) note(options.firstNote);
  checkStoredOptions(config, host);
  await prepareHostDir(em, backupRoot, host, note);
  const base = await newestUsableSnapshot(em, host);
  const sources = options.sources ? [...options.sources] : host.sources;
  const work = await prepareWorkDir(backupRoot, host.name, run.startedAt!, { resume: !options.sources });
  if (work.resumed) {
    note(`resuming the unfinished tree ${work.path} left by an earlier run`);
    if (work.detached > 0) {
      note(`unlinked ${formatCount(work.detached, 'hard link')} to earlier snapshots in it: rsync links or copies them afresh`);
    }
    const pruned = await pruneToSources(work.dataPath, sources);
    if (pruned.length > 0) note(`removed from it what no source covers any more: ${pruned.join(' ')}`);
  }
  note(base ? `hard-linking unchanged files against ${base.name}` : 'no earlier snapshot: every file is copied');
  await session.describe({ base: base?.id ?? null });

  /** The run ends without a snapshot; what it copied stays for the next run to resume. */
  const fail = async (status: RunStatus, error: string, stats: RsyncStats | null = null) => {
    note(`${status}: ${error}; the unfinished tree stays in ${work.path} for the next run`);
    await session.finish({ status, error, stats });
    return { snapshot: null, absent: [] };
  };

  const dumps = await takeDumps(app, host, work, options.dumps ?? (options.sources ? [] : host.dumps), {
    log: session.log,
    note,
    onLines: options.onLines,
    signal: session.signal,
  });
  if (!dumps.ok) return fail(session.stopped() ?? 'failed', dumps.error);

  const args = pullArgs({
    ...pullSettings(app, config, host, sources),
    destination: work.dataPath,
    linkDest: base ? join(base.path, DATA_DIR) : undefined,
  });
  if (sources.length > 0) session.log.note(`rsync ${args.join(' ')}`);
  const missing = new Set<string>();
  // What rsync lists as changed is all that differs from the base in a fresh tree: the manifest is
  // written from it (engine/manifest-update.ts) when the list can be trusted to be whole.
  const changes = base && !work.resumed && changesTellTheTree(sources, args) ? new ItemizedChanges(DATA_DIR) : undefined;
  // A host backed up by its dumps alone has no files to pull.
  const result: RsyncEnd =
    sources.length === 0
      ? NOTHING_TO_PULL
      : await session.rsync(args, (lines) => {
          for (const line of lines) {
            const source = line.startsWith('rsync: ') ? missingSource(line, sources) : undefined;
            if (source) missing.add(source);
          }
          changes?.push(lines);
          options.onLines?.(lines);
        });

  // A source that does not exist (an unmounted filesystem, a typo) is a failure, not an
  // empty "partial" snapshot that later runs would link against and retention would count.
  // A safety snapshot is the exception: a path the restore is about to create did not exist
  // before, and that is what it records.
  const safety = run.kind === 'safety';
  if (missing.size > 0 && !result.stopped && !safety) {
    const error =
      `source ${[...missing].join(', ')} does not exist on ${host.name}: ` +
      `check the host (a filesystem not mounted?) or the host's sources`;
    return fail('failed', error, result.stats ?? null);
  }
  const absent = [...missing];
  if (absent.length > 0) note(`${absent.join(', ')} did not exist on ${host.name}: the safety snapshot records it as absent`);
  // rsync exits 23 for the missing paths alone: that is all a safety snapshot of them can hold.
  const otherErrors = result.errors.filter((line) => line.startsWith('rsync: ') && !missingSource(line, sources));
  const status = safety && absent.length > 0 && result.code === 23 && otherErrors.length === 0 ? 'succeeded' : runStatus(result);
  if (status !== 'succeeded' && status !== 'partial') return fail(status, failureMessage(result, host.name), result.stats ?? null);
  const listed = changes?.usable && result.code === 0 ? changes.listed : undefined;
  const manifest = await writeBackupManifest(
    session,
    work.path,
    base,
    listed ? { changes: changes!.changes, listed: listed.regular + listed.links } : undefined,
  );
  if (!manifest.ok) return fail(session.stopped() ?? 'failed', manifest.error, result.stats ?? null);

  const done: Done = {
    kind: snapshotKind(run.kind),
    runId: run.id,
    startedAt: run.startedAt!,
    base,
    status: status === 'partial' ? 'partial' : 'complete',
    exitCode: result.code,
    stats: result.stats ?? null,
    sources,
    absent,
    excludes: host.excludes,
    dumps: dumps.dumps,
    dumpCommands: options.sources ? [] : host.dumps,
  };
  const published = await publishSnapshot(em, backupRoot, host, work, done);
  faultPoint('after-rename');
  const warning = status === 'partial' ? `partial: ${partialMessage(result, 'some files could not be read')}` : null;
  const end = (record: SnapshotRecord) => ({ status, error: warning, stats: result.stats ?? null, snapshot: record.id });
  let snapshot: SnapshotRecord;
  try {
    snapshot = await session.durably(() => recordPublished(app.catalogue.em(), host, published, done));
  } catch (error) {
    // It is on disk and complete; the catalogue takes it (and this run's end) when it can.
    throw pendingEnd(app, run.id, `snapshot ${published.name} is on disk`, error, async () => {
      const em = app.catalogue.em();
      await finishRun(em, run.id, end(await recordPublished(em, host, published, done)));
    });
  }
  await session.finish(end(snapshot));
  note(`${status}: snapshot ${snapshot.name} at ${snapshot.path}`);
  // Older unfinished trees are superseded now (a safety run's leftovers are another run's to resume).
  if (!options.sources && work.leftovers.length > 0) {
    await removeWorkTrees(work.leftovers);
    note(`removed older unfinished trees: ${work.leftovers.join(' ')}`);
  }
  if (run.prune || options.prune) await prune(app, host, note);
  return { snapshot: snapshotView(snapshot, host.name), absent };
}

/**
 * Settings stored before a rule existed must not slip past it: the rsync options are checked
 * against the allowlist again, and what the host's access allows, before anything runs.
 */
function checkStoredOptions(config: GlobalConfig, host: Host): void {
  try {
    validateRsyncArgs(config.defaultRsyncArgs);
  } catch (error) {
    throw new OperationError(`${(error as Error).message} (a default; "pobsync configure-global --clear-rsync-args" removes them all)`);
  }
  try {
    validateRsyncArgs(host.rsyncArgs);
  } catch (error) {
    throw new OperationError(
      `${(error as Error).message} (an option of ${host.name}; "pobsync configure-host ${host.name} --clear-rsync-args")`,
    );
  }
  checkAccess(host);
}

/**
 * Whether rsync's itemized output accounts for every file of the new tree: not when a source is
 * inside another (rsync's file count holds its files twice), nor with an option that makes rsync
 * leave out a file it counted (--max-size, --min-size, --safe-links).
 */
function changesTellTheTree(sources: readonly string[], args: readonly string[]): boolean {
  const nested = sources.some((source, index) => sources.some((other, at) => at !== index && isWithin(source, other)));
  return !nested && !args.some((arg) => /^--(?:max-size|min-size|safe-links)(?:=|$)/.test(arg));
}

const NOTHING_TO_PULL: RsyncEnd = { code: 0, signal: null, stats: undefined, progress: undefined, errors: [], stopped: undefined };

function snapshotKind(kind: RunKind): BackupKind {
  if (kind === 'scheduled' || kind === 'manual' || kind === 'safety') return kind;
  throw new Error(`a ${kind} run makes no backup`);
}

/** rsync -n against the newest snapshot: what a backup would change now. Writes nothing anywhere. */
export async function previewBackup(
  app: App,
  hostName: string,
  events: RunEvents = {},
): Promise<{ stats: RsyncStats | null; changes: number }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const config = await loadSettings(em);
  requireBackupRoot(config);
  const base = await newestUsableSnapshot(em, host);
  // Against the base's own tree, the dry run lists exactly what a new snapshot would differ in.
  const scratch = base ? undefined : mkdtempSync(join(tmpdir(), 'pobsync-preview-'));
  try {
    const destination = base ? join(base.path, DATA_DIR) : scratch!;
    const args = pullArgs({ ...pullSettings(app, config, host), destination, dryRun: true });
    let changes = 0;
    const rsync = startRsync(args, {
      onLines: (lines) => {
        changes += lines.filter(isChangeLine).length;
        events.onLines?.(lines);
      },
      ...(events.onProgress ? { onProgress: events.onProgress } : {}),
    });
    const result = await rsync.result;
    const status = runStatus(result);
    if (status !== 'succeeded' && status !== 'partial') throw new OperationError(`dry run failed: ${failureMessage(result, host.name)}`);
    return { stats: result.stats ?? null, changes };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function pullSettings(app: App, config: GlobalConfig, host: Host, sources: readonly string[] = host.sources) {
  const local = host.address === LOCAL_ADDRESS;
  // This server backing itself up must not copy its backups (or pobsync's home) into themselves.
  const ownFiles = local ? [backupRootOf(config)!, app.paths.home].filter((own) => sources.some((source) => isWithin(own, source))) : [];
  return {
    sources,
    excludes: [...host.excludes, ...ownFiles.map((own) => `${own}/`)],
    extraArgs: [...config.defaultRsyncArgs, ...host.rsyncArgs],
    remote: local ? undefined : { target: host, files: keyFiles(app.paths.keys) },
    restricted: host.access === 'restricted',
  };
}
