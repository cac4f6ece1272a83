/**
 * One backup of one host, end to end (DESIGN.md, "A backup, end to end"): take the host lock,
 * pick the base, rsync into `.incomplete/`, then meta.json, the atomic rename and the record.
 * A failure leaves the `.incomplete` tree for the next run to resume.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import {
  BackupRunSchema,
  type GlobalConfig,
  type Host,
  type SnapshotRecord,
  SnapshotRecordSchema,
} from '../../catalogue/entities/index.js';
import { OperationError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { isPolicyOff } from '../../domain/retention.js';
import { PARTIAL_EXIT_CODES, pullArgs } from '../../domain/rsync-args.js';
import { explainSshFailure, isChangeLine, missingSource } from '../../domain/rsync-output.js';
import { isWithin } from '../../domain/snapshot-path.js';
import type { DumpCommand, RsyncProgress, RsyncStats, RunKind, RunStatus, SnapshotDump, SnapshotKind } from '../../domain/types.js';
import { LOCAL_ADDRESS } from '../../domain/validation.js';
import { stopOnAbort } from '../../engine/process.js';
import { type RsyncResult, startRsync } from '../../engine/rsync.js';
import { RunLog, runLogPath } from '../../engine/run-log.js';
import { DATA_DIR, finalizeSnapshot, prepareWorkDir, pruneToSources, removeWorkTrees, type WorkDir } from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { isCancelRequested, type RunView, runView, saveProgress, startRun } from '../runs/runs.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { discoverHost } from '../snapshots/discovery.js';
import { applyRetention } from '../snapshots/retention.js';
import { newestUsableSnapshot, type SnapshotView, snapshotView } from '../snapshots/snapshots.js';
import { takeDumps } from './dumps.js';

/** Why a run was stopped from outside: the abort reason of `BackupOptions.signal`. */
export type StopReason = 'cancelled' | 'interrupted';

export interface BackupEvents {
  /** rsync and ssh output, as it streams */
  onLines?(lines: string[]): void;
  onProgress?(progress: RsyncProgress): void;
  /** pobsync's own remarks: resuming a tree, taking over a lock */
  onNote?(message: string): void;
}

export interface BackupOptions extends BackupEvents {
  kind?: SnapshotKind;
  /** aborting stops rsync; the reason (a StopReason) becomes the run's status */
  signal?: AbortSignal;
  /** how long rsync gets to exit after SIGTERM before SIGKILL */
  stopGraceMs?: number;
  /** apply the host's retention policy after a good backup (a queued run carries its own flag) */
  prune?: boolean;
  /**
   * Back up only these paths, into a new tree and without the host's dumps: the safety
   * snapshot a restore takes of what it is about to overwrite.
   */
  sources?: readonly string[];
}

export interface BackupOutcome {
  run: RunView;
  snapshot: SnapshotView | null;
}

const PROGRESS_SAVE_INTERVAL_MS = 1000;

/** A manual backup in the foreground: takes the host lock now, then runs it. */
export async function backupHost(app: App, hostName: string, options: BackupOptions = {}): Promise<BackupOutcome> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  requireBackupRoot(await loadSettings(em));
  const { run, tookOverFrom } = await startRun(app, host, options.kind ?? 'manual', app.paths.logs);
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
  const em = app.catalogue.em();
  let log: RunLog | undefined;
  const note = (message: string) => {
    log?.note(message);
    options.onNote?.(message);
  };
  const stop = stopSignal(app, runId, options.signal);

  // Everything inside: whatever fails, the run ends `failed` instead of holding its host.
  try {
    const run = await em.findOneOrFail(BackupRunSchema, { id: runId }, { populate: ['host'] });
    const host = run.host;
    log = new RunLog(run.logPath ?? runLogPath(app.paths.logs, run.id));
    const config = await loadSettings(em);
    const backupRoot = requireBackupRoot(config);
    note(`run #${run.id}: ${run.kind} backup of ${host.name} (${host.address}) by pid ${run.pid} on ${run.node}`);
    if (options.firstNote) note(options.firstNote);
    // A run killed between its rename and its INSERT left a finished snapshot unrecorded:
    // record it first, so it can be this run's base.
    const discovered = await discoverHost(em, backupRoot, host);
    for (const snapshot of discovered.recorded) note(`recorded snapshot ${snapshot.name}, which was on disk but not in the catalogue`);
    for (const problem of discovered.problems) note(`left alone: ${problem.path}: ${problem.reason}`);
    const base = await newestUsableSnapshot(em, host);
    const sources = options.sources ? [...options.sources] : host.sources;
    const work = await prepareWorkDir(backupRoot, host.name, run.startedAt!, { resume: !options.sources });
    if (work.resumed) {
      note(`resuming the unfinished tree ${work.path} left by an earlier run`);
      const pruned = await pruneToSources(work.dataPath, sources);
      if (pruned.length > 0) note(`removed from it what no source covers any more: ${pruned.join(' ')}`);
    }
    note(base ? `hard-linking unchanged files against ${base.name}` : 'no earlier snapshot: every file is copied');
    await em.nativeUpdate(BackupRunSchema, { id: run.id }, { base: base?.id ?? null });

    const dumps = await takeDumps(app, host, work, options.sources ? [] : host.dumps, {
      log,
      note,
      onLines: options.onLines,
      signal: stop.signal,
    });
    if (!dumps.ok) {
      const status = stoppedStatus(stop.signal) ?? 'failed';
      note(`${status}: ${dumps.error}; the unfinished tree stays in ${work.path} for the next run`);
      await finishRun(em, run.id, { status, error: dumps.error });
      return outcome(app, run.id, null);
    }

    const args = pullArgs({
      ...pullSettings(app, config, host, sources),
      destination: work.dataPath,
      linkDest: base ? join(base.path, DATA_DIR) : undefined,
    });
    log.note(`rsync ${args.join(' ')}`);
    const missing = new Set<string>();
    const result = await runRsync(app, run.id, args, log, {
      ...options,
      signal: stop.signal,
      onLines: (lines) => {
        for (const line of lines) {
          const source = line.startsWith('rsync: ') ? missingSource(line, sources) : undefined;
          if (source) missing.add(source);
        }
        options.onLines?.(lines);
      },
    });

    // A source that does not exist (an unmounted filesystem, a typo) is a failure, not an
    // empty "partial" snapshot that later runs would link against and retention would count.
    const status = missing.size > 0 && !stop.signal.aborted ? 'failed' : runStatus(result, stop.signal);
    if (status !== 'succeeded' && status !== 'partial') {
      const error =
        missing.size > 0
          ? `source ${[...missing].join(', ')} does not exist on ${host.name}: check the host (a filesystem not mounted?) or the ` +
            `host's sources`
          : failureMessage(result, host, stop.signal);
      note(`${status}: ${error}; the unfinished tree stays in ${work.path} for the next run`);
      await finishRun(em, run.id, { status, error, stats: result.stats ?? null });
      return outcome(app, run.id, null);
    }
    const snapshot = await recordSnapshot(em, backupRoot, host, work, {
      kind: snapshotKind(run.kind),
      runId: run.id,
      startedAt: run.startedAt!,
      base,
      partial: status === 'partial',
      exitCode: result.code,
      stats: result.stats ?? null,
      sources,
      dumps: dumps.dumps,
      dumpCommands: options.sources ? [] : host.dumps,
    });
    const warning =
      status === 'partial'
        ? `partial: some files could not be read (rsync exit ${result.code}); ${result.errors.at(-1) ?? ''}`.trim()
        : null;
    await finishRun(em, run.id, { status, error: warning, stats: result.stats ?? null, snapshot: snapshot.id });
    note(`${status}: snapshot ${snapshot.name} at ${snapshot.path}`);
    // Older unfinished trees are superseded now (a safety run's leftovers are another run's to resume).
    if (!options.sources && work.leftovers.length > 0) {
      await removeWorkTrees(work.leftovers);
      note(`removed older unfinished trees: ${work.leftovers.join(' ')}`);
    }
    if (run.prune || options.prune) await prune(app, host, note);
    return outcome(app, run.id, snapshot);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    note(`failed: ${message}`);
    await finishRun(app.catalogue.em(), runId, { status: 'failed', error: message }).catch(() => undefined);
    throw error;
  } finally {
    stop.dispose();
    await log?.close();
  }
}

const CANCEL_POLL_MS = 1000;

/**
 * Stops the run when the caller aborts (Ctrl-C, a daemon shutting down) or when `pobsync cancel`
 * in any process marks the run in the catalogue.
 */
export function stopSignal(app: App, runId: number, outer: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const forward = () => controller.abort(outer!.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener('abort', forward, { once: true });
  const timer = setInterval(() => {
    isCancelRequested(app, runId)
      .then((requested) => requested && !controller.signal.aborted && controller.abort('cancelled' satisfies StopReason))
      .catch(() => undefined);
  }, CANCEL_POLL_MS);
  return {
    signal: controller.signal,
    dispose: () => {
      clearInterval(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}

/** Applies the host's policy after a good backup; a failure here is noted, the backup stands. */
async function prune(app: App, host: Host, note: (message: string) => void): Promise<void> {
  try {
    const { plan, deleted } = await applyRetention(app, host.name);
    note(
      deleted.length > 0
        ? `prune: deleted ${formatCount(deleted.length, 'snapshot')} the ${plan.policySource} policy removes: ${deleted.join(' ')}; ` +
            `${plan.kept} kept`
        : `prune: nothing to delete (${plan.kept} kept${isPolicyOff(plan.policy) ? ', no policy set' : ''})`,
    );
  } catch (error) {
    note(`prune failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function snapshotKind(kind: RunKind): SnapshotKind {
  if (kind === 'restore') throw new Error('a restore run makes no snapshot');
  return kind;
}

/** rsync -n against the newest snapshot: what a backup would change now. Writes nothing anywhere. */
export async function previewBackup(
  app: App,
  hostName: string,
  events: BackupEvents = {},
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
    if (result.code !== 0 && !PARTIAL_EXIT_CODES.has(result.code ?? -1)) {
      throw new OperationError(`dry run failed: ${failureMessage(result, host)}`);
    }
    return { stats: result.stats ?? null, changes };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function pullSettings(app: App, config: GlobalConfig, host: Host, sources: readonly string[] = host.sources) {
  const local = host.address === LOCAL_ADDRESS;
  // This server backing itself up must not copy its backups (or pobsync's home) into themselves.
  const ownFiles = local ? [config.backupRoot!, app.paths.home].filter((own) => sources.some((source) => isWithin(own, source))) : [];
  return {
    sources,
    excludes: [...host.excludes, ...ownFiles.map((own) => `${own}/`)],
    extraArgs: [...config.defaultRsyncArgs, ...host.rsyncArgs],
    remote: local ? undefined : { target: host, files: keyFiles(app.paths.keys) },
  };
}

export async function runRsync(app: App, runId: number, args: string[], log: RunLog, options: BackupOptions): Promise<RsyncResult> {
  let lastSaved = 0;
  let saving: Promise<void> | undefined;
  let latest: RsyncProgress | undefined;
  // rsync writes its stdout straight into the run log (after our notes); its stderr comes through here.
  await log.flushed();
  const rsync = startRsync(
    args,
    {
      onLines: (lines, stream) => {
        if (stream === 'stderr') log.lines(lines);
        options.onLines?.(lines);
      },
      onProgress: (progress) => {
        latest = progress;
        options.onProgress?.(progress);
        // Throttled, and never two writes in flight: the catalogue is shared with the TUI.
        const now = Date.now();
        if (now - lastSaved >= PROGRESS_SAVE_INTERVAL_MS && !saving) {
          lastSaved = now;
          saving = saveProgress(app, runId, progress)
            .catch(() => undefined)
            .finally(() => (saving = undefined));
        }
      },
    },
    { stdoutFile: log.path },
  );
  stopOnAbort(rsync, options.signal, options.stopGraceMs);
  const result = await rsync.result;
  await saving;
  if (latest) await saveProgress(app, runId, latest);
  return result;
}

export function stoppedStatus(signal: AbortSignal | undefined): RunStatus | undefined {
  if (signal?.aborted) return (signal.reason as StopReason) === 'interrupted' ? 'interrupted' : 'cancelled';
  return undefined;
}

export function runStatus(result: RsyncResult, signal: AbortSignal | undefined): RunStatus {
  const stopped = stoppedStatus(signal);
  if (stopped) return stopped;
  if (result.code === 0) return 'succeeded';
  if (result.code !== null && PARTIAL_EXIT_CODES.has(result.code)) return 'partial';
  return 'failed';
}

const RSYNC_EXIT_MEANINGS: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  5: 'error starting the client-server protocol',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in the rsync protocol data stream',
  20: 'received SIGUSR1 or SIGINT',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  255: 'ssh failed',
};

export function failureMessage(result: RsyncResult, host: Host, signal?: AbortSignal): string {
  if (signal?.aborted) return `stopped (${String(signal.reason)})`;
  const explained = explainSshFailure(result.errors.join('\n'), host.name);
  if (explained) return explained;
  const detail = result.errors.filter((line) => !line.startsWith('rsync error:')).at(-1) ?? result.errors.at(-1);
  const exit = result.signal
    ? `rsync was killed by ${result.signal}`
    : `rsync exited with code ${result.code} (${RSYNC_EXIT_MEANINGS[result.code ?? -1] ?? 'error'})`;
  return detail ? `${exit}: ${detail}` : exit;
}

async function recordSnapshot(
  em: EntityManager,
  backupRoot: string,
  host: Host,
  work: WorkDir,
  done: {
    kind: SnapshotKind;
    runId: number;
    startedAt: Date;
    base: SnapshotRecord | null;
    partial: boolean;
    exitCode: number | null;
    stats: RsyncStats | null;
    sources: string[];
    dumps: SnapshotDump[];
    /** the host's dump commands, kept in meta.json for a catalogue rebuilt from disk */
    dumpCommands: DumpCommand[];
  },
): Promise<SnapshotRecord> {
  const finishedAt = new Date();
  const status = done.partial ? 'partial' : 'complete';
  const taken = new Set((await em.find(SnapshotRecordSchema, { host: host.id }, { fields: ['name'] })).map((record) => record.name));
  const { name, path } = await finalizeSnapshot(
    work,
    backupRoot,
    {
      host: host.name,
      kind: done.kind,
      status,
      startedAt: done.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      base: done.base?.name ?? null,
      sources: done.sources,
      excludes: host.excludes,
      runId: done.runId,
      rsyncExitCode: done.exitCode,
      stats: done.stats,
      dumps: done.dumps,
      dumpCommands: done.dumpCommands,
    },
    done.startedAt,
    (candidate) => taken.has(candidate) || existsSync(join(backupRoot, host.name, candidate)),
  );
  const record = em.create(SnapshotRecordSchema, {
    host,
    name,
    kind: done.kind,
    status,
    path,
    startedAt: done.startedAt,
    finishedAt,
    base: done.base,
    stats: done.stats,
    protected: false,
    dumps: done.dumps,
  });
  await em.flush();
  return record;
}

export async function finishRun(
  em: EntityManager,
  runId: number,
  fields: { status: RunStatus; error: string | null; stats?: RsyncStats | null; snapshot?: number },
): Promise<void> {
  await em.nativeUpdate(BackupRunSchema, { id: runId, status: 'running' }, { ...fields, finishedAt: new Date() });
}

async function outcome(app: App, runId: number, snapshot: SnapshotRecord | null): Promise<BackupOutcome> {
  const run = await app.catalogue.em().findOneOrFail(BackupRunSchema, { id: runId }, { populate: ['host', 'base', 'snapshot'] });
  return { run: runView(run), snapshot: snapshot ? snapshotView(snapshot, run.host.name) : null };
}
