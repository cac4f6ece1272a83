/**
 * `pobsync verify`: are a host's snapshots still what they were when they were made? Each is
 * checked against its manifest: missing and extra files, size and mtime of every file, and the
 * contents (hashed again) of all files or of a sample. A snapshot whose directory is gone is
 * marked missing. A verify is a run (kind `verify`) under the host lock, with a log; it reads
 * only: nothing in a published snapshot is ever written.
 */
import { existsSync } from 'node:fs';
import type { SnapshotRecord } from '../../catalogue/entities/index.js';
import { SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { clearMissing, markMissing } from '../../catalogue/snapshots.js';
import { UserError } from '../../domain/errors.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { escapePath } from '../../domain/manifest.js';
import type { RunDetails, RunStatus, VerifyDetails } from '../../domain/types.js';
import { validateSamplePercent } from '../../domain/validation.js';
import { checkManifest, manifestPath } from '../../engine/manifest.js';
import { readMeta } from '../../engine/snapshot-store.js';
import { checkTree, type TreeCheck, type TreeProblem, type TreeProblemKind } from '../../engine/tree-check.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { WorkProgress } from '../runs/progress.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { type RunEvents, withRunSession } from '../runs/session.js';
import { heldHere } from '../servers.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { findSnapshotRecord } from './snapshots.js';

/** How many problems of one snapshot a report lists; the run's log has every one. */
const LISTED_PROBLEMS = 1000;

export type SnapshotOutcome = 'clean' | 'damaged' | 'missing' | 'unverifiable';

export type ProblemKind = TreeProblemKind | 'tree' | 'meta';

export interface ProblemView {
  kind: ProblemKind;
  /** the path in the snapshot (`data/etc/hosts`), escaped as the manifest writes it; empty for the snapshot itself */
  path: string;
  detail: string;
}

export interface SnapshotVerdict {
  snapshot: string;
  outcome: SnapshotOutcome;
  /** files and symlinks compared with the disk */
  checked: number;
  /** files whose contents were hashed again */
  hashed: number;
  hashedBytes: number;
  problemCount: number;
  byKind: Partial<Record<ProblemKind, number>>;
  /** the first problems (all of them are in the run's log) */
  problems: ProblemView[];
}

export interface VerifyReport {
  host: string;
  samplePercent: number;
  snapshots: SnapshotVerdict[];
  /** the verify run, ended */
  run: RunView;
}

export interface VerifyInput {
  host: string | undefined;
  /** one snapshot; neither this nor `all`: the host's newest */
  snapshot?: string | undefined;
  all?: boolean | undefined;
  /** `--sample PERCENT`; default 100 */
  sample?: string | number | undefined;
}

export interface VerifyEvents extends RunEvents {
  signal?: AbortSignal | undefined;
  onProblem?(snapshot: string, problem: ProblemView): void;
}

/** Checks the input, takes the host lock, and verifies in the foreground. */
export async function verifySnapshots(app: App, input: VerifyInput, events: VerifyEvents = {}): Promise<VerifyReport> {
  const em = app.catalogue.em();
  const host = await findHost(em, input.host);
  requireBackupRoot(await loadSettings(em));
  if (input.snapshot !== undefined && input.all) throw new UserError('give one snapshot or --all, not both');
  const samplePercent = input.sample === undefined ? 100 : validateSamplePercent(input.sample);
  let names: string[];
  if (input.all) {
    names = (await liveRecords(app, host.id)).map((record) => record.name);
  } else if (input.snapshot !== undefined) {
    const record = await findSnapshotRecord(em, host, input.snapshot);
    names = [record.name];
  } else {
    const newest = (await liveRecords(app, host.id)).filter((record) => !record.missingSince).at(-1);
    names = newest ? [newest.name] : [];
  }
  if (names.length === 0) throw new UserError(`host "${host.name}" has no snapshots to verify`);
  const { run } = await startRun(app, host, 'verify');
  await runs.describeRun(app.catalogue.em(), run.id, {
    details: { action: 'verify', snapshots: names, samplePercent } satisfies VerifyDetails,
  });
  return executeVerifyRun(app, run.id, events);
}

/** Queues a verify of every snapshot of the host, for the worker (a schedule, the TUI). */
export async function queueVerify(app: App, hostName: string | undefined): Promise<{ runId: number; host: string }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  return { runId: await runs.insertQueuedRun(em, host.id, 'verify', false), host: host.name };
}

/** The host's snapshots this server holds (another server verifies its own). */
async function liveRecords(app: App, hostId: number): Promise<SnapshotRecord[]> {
  return app.catalogue
    .em()
    .find(SnapshotRecordSchema, { host: hostId, deletingAt: null, ...heldHere() }, { orderBy: { startedAt: 'asc', name: 'asc' } });
}

/**
 * Runs a verify whose run row this process owns (started here, or claimed from the queue). A
 * queued verify (a schedule's) checks every snapshot of the host, reading every file.
 */
export async function executeVerifyRun(app: App, runId: number, events: VerifyEvents = {}): Promise<VerifyReport> {
  const { verdicts, sample } = await withRunSession(app, runId, events, async (session) => {
    const { run, host, note } = session;
    requireBackupRoot(await loadSettings(app.catalogue.em()));
    const stored = run.details as RunDetails | null | undefined;
    const details: VerifyDetails =
      stored?.action === 'verify'
        ? stored
        : { action: 'verify', snapshots: (await liveRecords(app, host.id)).map((record) => record.name), samplePercent: 100 };
    const sample = details.samplePercent;
    note(
      `run #${run.id}: verify of ${formatCount(details.snapshots.length, 'snapshot')} of ${host.name} ` +
        `(${sample === 100 ? 'every file read again' : `contents of ${sample}% of the files read again`}) by pid ${run.pid} on ${run.node}`,
    );
    const records = await app.catalogue.em().find(SnapshotRecordSchema, { host: host.id, name: { $in: details.snapshots }, ...heldHere() });
    const ordered = details.snapshots.flatMap((name) => records.filter((record) => record.name === name));

    // The total for the progress bar: what the manifests list.
    let totalFiles = 0;
    let totalBytes = 0;
    for (const record of ordered) {
      const check = existsSync(manifestPath(record.path)) ? await checkManifest(manifestPath(record.path)) : undefined;
      if (check?.ok) {
        totalFiles += check.totals.files;
        totalBytes += Math.round((check.totals.bytes * sample) / 100);
      }
    }
    const progress = new WorkProgress(app, run.id, { bytes: totalBytes, files: totalFiles }, events.onProgress);
    const hashes = new Map<string, string>();
    const done = { bytes: 0, files: 0 };
    const verdicts: SnapshotVerdict[] = [];
    for (const record of ordered) {
      if (session.signal.aborted) break;
      await session.describe({ base: record.id });
      const verdict = await verifyOne(app, record, {
        sample,
        hashes,
        signal: session.signal,
        log: (line) => session.log.lines([line]),
        onProblem: (problem) => events.onProblem?.(record.name, problem),
        onProgress: (checked, hashedBytes) => progress.update({ files: done.files + checked, bytes: done.bytes + hashedBytes }),
      }).catch((error: unknown) => {
        if (session.signal.aborted) return undefined;
        throw error;
      });
      if (!verdict) break;
      done.files += verdict.checked;
      done.bytes += verdict.hashedBytes;
      verdicts.push(verdict);
      note(`${record.name}: ${describeVerdict(verdict)}`);
    }
    await progress.flush();
    await session.describe({
      base: null,
      details: {
        ...details,
        results: verdicts.map((verdict) => ({ snapshot: verdict.snapshot, outcome: verdict.outcome, problems: verdict.problemCount })),
      },
    });
    const stopped = session.stopped();
    const damaged = verdicts.filter((verdict) => verdict.outcome === 'damaged' || verdict.outcome === 'missing');
    const unverifiable = verdicts.filter((verdict) => verdict.outcome === 'unverifiable');
    let status: RunStatus = 'succeeded';
    let error: string | null = null;
    if (stopped) {
      status = stopped;
      error = `stopped (${stopped}) after ${formatCount(verdicts.length, 'snapshot')} of ${ordered.length}`;
    } else if (damaged.length > 0) {
      status = 'failed';
      const each = damaged.map(
        (verdict) => `${verdict.snapshot} (${verdict.outcome === 'missing' ? 'missing' : formatCount(verdict.problemCount, 'problem')})`,
      );
      error = `damaged: ${each.join(', ')}; "pobsync log ${run.id}" lists every problem`;
    } else if (unverifiable.length > 0) {
      status = 'partial';
      error =
        `${formatCount(unverifiable.length, 'snapshot')} without a manifest (made before pobsync wrote manifests) ` +
        'could not be verified';
    }
    note(`${status}${error ? `: ${error}` : `: ${formatCount(verdicts.length, 'snapshot')} clean`}`);
    await session.finish({ status, error });
    return { verdicts, sample };
  });
  const run = await getRun(app, String(runId));
  return { host: run.host, samplePercent: sample, snapshots: verdicts, run };
}

interface VerifyOneOptions {
  sample: number;
  hashes: Map<string, string>;
  signal: AbortSignal;
  log(line: string): void;
  onProblem(problem: ProblemView): void;
  onProgress(checked: number, hashedBytes: number): void;
}

async function verifyOne(app: App, record: SnapshotRecord, options: VerifyOneOptions): Promise<SnapshotVerdict> {
  const verdict: SnapshotVerdict = {
    snapshot: record.name,
    outcome: 'clean',
    checked: 0,
    hashed: 0,
    hashedBytes: 0,
    problemCount: 0,
    byKind: {},
    problems: [],
  };
  const problem = (kind: ProblemKind, path: string, detail: string) => {
    const view = { kind, path, detail };
    verdict.problemCount += 1;
    verdict.byKind[kind] = (verdict.byKind[kind] ?? 0) + 1;
    if (verdict.problems.length < LISTED_PROBLEMS) verdict.problems.push(view);
    options.log(`${record.name}: ${kind.toUpperCase()} ${path || '(the snapshot)'}: ${detail}`);
    options.onProblem(view);
  };
  const em = app.catalogue.em();
  if (!existsSync(record.path)) {
    await markMissing(em, [record.id]);
    problem('tree', '', `its directory ${record.path} is gone: marked missing (never a base, never planned, never counted)`);
    verdict.outcome = 'missing';
    return verdict;
  }
  if (record.missingSince) await clearMissing(em, [record.id]);
  const meta = await readMeta(record.path);
  if (!meta) problem('meta', 'meta.json', 'is gone or unreadable');
  const manifest = manifestPath(record.path);
  if (!existsSync(manifest)) {
    verdict.outcome = verdict.problemCount > 0 ? 'damaged' : 'unverifiable';
    options.log(`${record.name}: no manifest (made before pobsync wrote manifests): its files cannot be checked`);
    return verdict;
  }
  const result = await checkAgainstManifest(record.path, {
    sample: options.sample,
    hashes: options.hashes,
    signal: options.signal,
    onProblem: (found) => problem(found.kind, found.path, found.detail),
    onProgress: options.onProgress,
  });
  verdict.checked = result.checked;
  verdict.hashed = result.hashed;
  verdict.hashedBytes = result.hashedBytes;
  if (verdict.problemCount > 0) verdict.outcome = 'damaged';
  return verdict;
}

/**
 * A tree against the manifest inside it: a published snapshot (verify), or a replica before it
 * is published (replicate). Problems come with their path escaped as the manifest writes it.
 */
export async function checkAgainstManifest(
  treePath: string,
  options: {
    sample: number;
    hashes?: Map<string, string>;
    signal?: AbortSignal;
    onProblem(problem: ProblemView): void;
    onProgress?(checked: number, hashedBytes: number): void;
  },
): Promise<TreeCheck> {
  return checkTree(treePath, manifestPath(treePath), {
    samplePercent: options.sample,
    ...(options.hashes ? { hashes: options.hashes } : {}),
    signal: options.signal,
    onProblem: (found: TreeProblem) => options.onProblem({ kind: found.kind, path: escapePath(found.key), detail: found.detail }),
    onProgress: (done) => options.onProgress?.(done.checked, done.hashedBytes),
  });
}

export function describeVerdict(verdict: SnapshotVerdict): string {
  const read = `${formatCount(verdict.checked, 'file')} checked, ${verdict.hashed} read again (${formatBytes(verdict.hashedBytes)})`;
  switch (verdict.outcome) {
    case 'clean':
      return `clean: ${read}`;
    case 'missing':
      return 'MISSING: its directory is gone';
    case 'unverifiable':
      return 'no manifest: cannot be verified';
    default:
      return `DAMAGED: ${Object.entries(verdict.byKind)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', ')}; ${read}`;
  }
}
