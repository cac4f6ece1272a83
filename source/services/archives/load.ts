/**
 * Loading an archive into a directory, and importing one as a snapshot of this server (moving a
 * host between backup servers). Both read the archive twice: first the whole check (checksum,
 * manifests, every entry judged safe), and only when it passes, the writing, into a directory
 * that is empty (or new) and with every file's contents checked against the archive's manifest.
 * A deprecated archive is neither loaded nor imported.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadEntry } from 'tar';
import { type Host, HostSchema, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { ARCHIVE_MANIFEST, type ArchiveManifest, areasOf } from '../../domain/archive.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { isSnapshotName } from '../../domain/snapshot-name.js';
import {
  type RsyncStats,
  SNAPSHOT_KINDS,
  SNAPSHOT_STATUSES,
  type SnapshotDump,
  type SnapshotKind,
  type SnapshotStatus,
} from '../../domain/types.js';
import { validateAbsolutePath } from '../../domain/validation.js';
import { freeBytes, SafeWriter } from '../../engine/archive.js';
import { ARCHIVES_DIR } from '../../engine/backup-root.js';
import { overlaps, realpathOfExisting } from '../../engine/local-paths.js';
import { buildManifest, manifestPath } from '../../engine/manifest.js';
import { runCommand } from '../../engine/process.js';
import { hostDir, META_FILE, snapshotDir } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { createHostFromSnapshot } from '../hosts/hosts.js';
import type { RunView } from '../runs/runs.js';
import { heldHere, serverName } from '../servers.js';
import { backupRootOf, loadSettings, requireBackupRoot } from '../settings.js';
import { type SnapshotView, snapshotView } from '../snapshots/snapshots.js';
import { type ArchiveRef, refuseDeprecated, resolveArchive } from './archives.js';
import { type ArchiveCheck, peekManifest, scanArchive, scanInJob } from './check.js';
import { type ArchiveEvents, type ArchiveJob, inArchiveJob, type JobEnd } from './job.js';

export interface LoadedArchive {
  check: ArchiveCheck;
  to: string;
  run: RunView | null;
}

/** `archive load <id|FILE> --to DIR`: the archive's data/ and dumps/ into DIR, which is empty or new. */
export async function loadArchive(
  app: App,
  ref: string | undefined,
  to: string | undefined,
  events: ArchiveEvents = {},
): Promise<LoadedArchive> {
  const em = app.catalogue.em();
  const resolved = await resolveArchive(em, ref);
  await refuseDeprecated(em, resolved, null, 'load');
  const target = await checkLoadTarget(app, to);
  const manifest = await peekManifest(resolved.path);
  const host = await em.findOne(HostSchema, { name: resolved.archive?.host.name ?? manifest?.host ?? '' });
  const result = await inArchiveJob(app, host, archiveDetails(resolved, 'load', { to: target }), events, async (job) => {
    job.note(`${job.runId ? `run #${job.runId}: ` : ''}load of archive ${resolved.path} into ${target}`);
    const check = await checkFirst(app, job, resolved);
    if (!check.ok) return refusal(job, check, 'nothing was loaded');
    await refuseDeprecated(em, resolved, check.blake2b, 'load');
    const needed = check.fileBytes + check.files * 4096;
    mkdirSync(target, { recursive: true, mode: 0o700 });
    if (freeBytes(target) < needed) {
      return end(
        job,
        'failed',
        `not enough space in ${target}: the archive holds ${formatBytes(needed)}, ${formatBytes(freeBytes(target))} is free`,
        check,
      );
    }
    const written = await writeEntries(app, job, resolved, check, target);
    if (!written.ok) return end(job, 'failed', `${written.problems[0]}; what was written stays in ${target}`, written);
    return end(
      job,
      'succeeded',
      null,
      written,
      `loaded ${formatCount(written.files, 'file')} (${formatBytes(written.fileBytes)}) into ${target}`,
    );
  });
  if (result.status !== 'succeeded') throw new OperationError(result.error ?? `the load ${result.status}`);
  return { check: result.value, to: target, run: result.run };
}

export interface ImportedArchive {
  check: ArchiveCheck;
  snapshot: SnapshotView;
  /** true when the host did not exist and was made (disabled) */
  createdHost: boolean;
  run: RunView | null;
}

/**
 * `archive import FILE`: the archive's snapshot becomes a snapshot of its host here, in this
 * backup root, recorded in this catalogue (the host is made, disabled, when it is new). Later
 * backups of the host hard-link against it like against any other.
 */
export async function importArchive(app: App, file: string | undefined, events: ArchiveEvents = {}): Promise<ImportedArchive> {
  const em = app.catalogue.em();
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const resolved = await resolveArchive(em, file);
  await refuseDeprecated(em, resolved, null, 'import');
  if (!resolved.expected) {
    throw new UserError(
      `archive ${resolved.path} has no checksum to check it against: copy its ${resolved.path.split('/').at(-1)}.b2 file beside it ` +
        '(archive create writes one), then import it',
    );
  }
  const manifest = await peekManifest(resolved.path);
  if (!manifest) throw new UserError(`${resolved.path} is not a pobsync archive: its first entry is not a valid ${ARCHIVE_MANIFEST}`);
  if (!isSnapshotName(manifest.snapshot))
    throw new UserError(`${resolved.path} names a snapshot "${manifest.snapshot}" that is not a snapshot name`);
  let host = await em.findOne(HostSchema, { name: manifest.host });
  let createdHost = false;
  if (!host) {
    if (!(await createHostFromSnapshot(em, manifest.host, manifest.meta))) {
      throw new UserError(`${resolved.path} is of host "${manifest.host}", which is not a name pobsync can give a host`);
    }
    createdHost = true;
    host = await em.findOneOrFail(HostSchema, { name: manifest.host });
  }
  if (await em.findOne(SnapshotRecordSchema, { host: host.id, name: manifest.snapshot, ...heldHere() })) {
    throw new UserError(`host "${host.name}" already has a snapshot ${manifest.snapshot}: nothing to import`);
  }
  const target = snapshotDir(backupRoot, host.name, manifest.snapshot);
  if (existsSync(target)) throw new UserError(`${target} already exists: "pobsync discover-snapshots --host ${host.name}" records it`);
  const importedHost: Host = host;
  const result = await inArchiveJob(
    app,
    importedHost,
    archiveDetails(resolved, 'import', {}),
    events,
    async (job): Promise<JobEnd<ImportValue>> => {
      job.note(`run #${job.runId}: import of archive ${resolved.path} as snapshot ${manifest.snapshot} of ${importedHost.name}`);
      const check = await checkFirst(app, job, resolved);
      if (!check.ok) return wrap(refusal(job, check, 'nothing was imported'));
      await refuseDeprecated(em, resolved, check.blake2b, 'import');
      const staging = join(backupRoot, ARCHIVES_DIR, `.import-${job.runId}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true, mode: 0o700 });
      try {
        if (freeBytes(staging) < check.fileBytes + check.files * 4096) {
          return wrap(end(job, 'failed', `not enough space in ${backupRoot} for ${formatBytes(check.fileBytes)}`, check));
        }
        const written = await writeEntries(app, job, resolved, check, staging);
        if (!written.ok) return wrap(end(job, 'failed', `${written.problems[0]}; nothing was imported`, written));
        const meta = importedMeta(manifest, resolved.path);
        writeFileSync(join(staging, META_FILE), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
        // The imported tree is new on this disk (new inodes and times): its manifest is made for it.
        const rebuilt = await buildManifest(staging, manifestPath(staging), { signal: job.signal });
        job.note(`manifest: ${formatCount(rebuilt.files, 'file')} hashed in ${rebuilt.seconds.toFixed(2)} s`);
        const synced = await runCommand('sync', ['-f', staging]);
        if (synced.code !== 0) throw new Error(`sync -f ${staging} failed: ${synced.stderr.trim()}`);
        mkdirSync(hostDir(backupRoot, importedHost.name), { recursive: true, mode: 0o700 });
        renameSync(staging, target);
        const rows = app.catalogue.em();
        const base = meta.base ? await rows.findOne(SnapshotRecordSchema, { host: importedHost.id, name: meta.base, ...heldHere() }) : null;
        const record = rows.create(SnapshotRecordSchema, {
          host: importedHost.id,
          name: manifest.snapshot,
          kind: meta.kind,
          status: meta.status,
          path: target,
          startedAt: new Date(meta.startedAt),
          finishedAt: new Date(meta.finishedAt),
          base,
          stats: meta.stats as RsyncStats | null,
          protected: false,
          server: serverName(),
          dumps: meta.dumps,
        });
        await rows.flush();
        return {
          status: 'succeeded' as const,
          error: null,
          value: { check: written, snapshot: snapshotView(record, importedHost.name) },
        };
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        const stopped = job.stopped();
        const why = stopped ? `stopped (${stopped}); nothing was imported` : `${(error as Error).message}; nothing was imported`;
        return wrap(end(job, stopped ?? 'failed', why, check));
      }
    },
  );
  const value = result.value;
  if (result.status !== 'succeeded' || !value.snapshot) throw new OperationError(result.error ?? `the import ${result.status}`);
  return { check: value.check, snapshot: value.snapshot, createdHost, run: result.run };
}

type ImportValue = { check: ArchiveCheck; snapshot?: SnapshotView };

function wrap(ended: End<ArchiveCheck>): JobEnd<ImportValue> {
  return { ...ended, value: { check: ended.value } };
}

function archiveDetails(resolved: ArchiveRef, step: 'load' | 'import', extra: { to?: string }) {
  return {
    action: 'archive' as const,
    step,
    archiveId: resolved.archive?.id ?? null,
    path: resolved.path,
    snapshot: resolved.archive?.snapshotName ?? null,
    optionSet: resolved.archive?.optionSet ?? null,
    ...extra,
  };
}

/** The first read: the whole check; nothing is written before it passes. */
async function checkFirst(app: App, job: ArchiveJob, resolved: ArchiveRef): Promise<ArchiveCheck> {
  const check = await scanInJob(app, job, resolved);
  if (check.ok && check.checksum === 'unknown') job.note(`no checksum known for ${resolved.path}: its contents are consistent`);
  return check;
}

/** The second read: data/ and dumps/ written into `root`, every file checked against the archive's manifest. */
async function writeEntries(app: App, job: ArchiveJob, resolved: ArchiveRef, check: ArchiveCheck, root: string): Promise<ArchiveCheck> {
  const writer = new SafeWriter(root);
  const areas = areasOf(check.manifest!.optionSet);
  const progress = job.progress({ bytes: check.fileBytes, files: check.files });
  const done = { bytes: 0, files: 0 };
  // The checksum was compared in the first read; this one computes it as it goes, to compare after.
  const written = await scanArchive(resolved.path, {
    expected: null,
    tempDir: app.paths.home,
    signal: job.signal,
    onEntry: async (entry: ReadEntry) => {
      if (!areas.some((area) => entry.path === area || entry.path.startsWith(`${area}/`))) {
        entry.resume();
        return undefined;
      }
      const hash = await writer.write(entry);
      if (entry.type !== 'Directory' && entry.type !== 'SymbolicLink') {
        done.files += 1;
        done.bytes += entry.size ?? 0;
        progress.update(done);
      }
      return hash;
    },
  });
  if (written.blake2b && written.blake2b !== check.blake2b) {
    written.problems.push(`the archive changed while it was loaded (its BLAKE2b-512 is now ${written.blake2b})`);
    written.ok = false;
  }
  if (written.ok) writer.finish();
  await progress.flush();
  return written;
}

type End<T> = { status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted'; error: string | null; value: T };

function end<T>(job: ArchiveJob, status: End<T>['status'], error: string | null, value: T, success?: string): End<T> {
  job.note(error ? `${status}: ${error}` : `${status}${success ? `: ${success}` : ''}`);
  return { status, error, value };
}

function refusal(job: ArchiveJob, check: ArchiveCheck, what: string): End<ArchiveCheck> {
  for (const found of check.problems) job.note(`problem: ${found}`);
  const stopped = job.stopped();
  if (stopped) return end(job, stopped, `stopped (${stopped}); ${what}`, check);
  const more = check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : '';
  return end(job, 'failed', `archive ${check.path} failed its check: ${check.problems[0] ?? 'unknown'}${more}; ${what}`, check);
}

/** `--to DIR` of a load: absolute, empty or new, and not overlapping the backups or pobsync's home. */
async function checkLoadTarget(app: App, to: string | undefined): Promise<string> {
  if (to === undefined) throw new UserError('archive load needs a target: --to DIR, an empty or new directory');
  const path = validateAbsolutePath('--to directory', to);
  if ((await realpathOfExisting(path)) === '/') throw new UserError(`--to directory "${path}" is not allowed: it is this server's root`);
  const config = await loadSettings(app.catalogue.em());
  for (const own of [backupRootOf(config), app.paths.home]) {
    if (own && (await overlaps(path, own))) {
      throw new UserError(`--to directory "${path}" is not allowed: it overlaps ${own}, which holds pobsync's backups or catalogue`);
    }
  }
  if (existsSync(path) && readdirSync(path).length > 0) {
    throw new UserError(`--to directory "${path}" is not empty: archive load writes only into an empty or new directory`);
  }
  return path;
}

/** meta.json of an imported snapshot: the archived one's, with what the archive did not hold left out. */
function importedMeta(manifest: ArchiveManifest, file: string) {
  const meta = manifest.meta as Record<string, unknown>;
  const kind = SNAPSHOT_KINDS.includes(meta['kind'] as SnapshotKind) ? (meta['kind'] as SnapshotKind) : 'manual';
  const status = SNAPSHOT_STATUSES.includes(meta['status'] as SnapshotStatus) ? (meta['status'] as SnapshotStatus) : 'complete';
  const time = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : manifest.created);
  const dumps: SnapshotDump[] = manifest.optionSet === 'data' ? [] : manifest.dumps;
  return {
    ...meta,
    format: 1 as const,
    host: manifest.host,
    name: manifest.snapshot,
    kind,
    status,
    startedAt: time(meta['startedAt']),
    finishedAt: time(meta['finishedAt']),
    base: typeof meta['base'] === 'string' ? (meta['base'] as string) : null,
    sources: manifest.sources,
    stats: (meta['stats'] as ArchiveManifest['meta'] | null | undefined) ?? null,
    dumps,
    imported: { from: file, optionSet: manifest.optionSet, at: new Date().toISOString() },
  } as const;
}
