/**
 * `pobsync archive verify`: the checksum of the whole file against the catalogue's (or the
 * `FILE.b2` sidecar's), then the archive's own manifests against its entries: every entry one
 * pobsync writes (safe to load), every file listed in `manifest.b2` with its size, and the
 * counts and bytes `manifest.json` states. gzip's CRC and tar's header checksums are checked on
 * the way. Loading and importing run the same scan first, and write nothing unless it passes.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadEntry } from 'tar';
import { HostSchema } from '../../catalogue/entities/index.js';
import {
  ARCHIVE_CONTENT_MANIFEST,
  ARCHIVE_MANIFEST,
  type ArchiveManifest,
  checkEntry,
  newEntryCheckState,
  parseArchiveManifest,
} from '../../domain/archive.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { escapePath, type ManifestEntry, textToByteString } from '../../domain/manifest.js';
import { ArchiveError, entryText, readArchive } from '../../engine/archive.js';
import { FileHasher } from '../../engine/hash.js';
import { checkManifest, ManifestCursor } from '../../engine/manifest.js';
import type { App } from '../app.js';
import type { RunView } from '../runs/runs.js';
import { type ArchiveRef, type ArchiveView, archiveView, resolveArchive } from './archives.js';
import { type ArchiveEvents, type ArchiveJob, inArchiveJob } from './job.js';

/** How many problems a check keeps; past that it stops reading. */
const MAX_PROBLEMS = 200;

export interface ArchiveCheck {
  path: string;
  /** BLAKE2b-512 of the file as read */
  blake2b: string;
  bytes: number;
  /** the checksum the catalogue or the sidecar gives; null when neither does */
  expected: string | null;
  checksum: 'match' | 'mismatch' | 'unknown';
  manifest: ArchiveManifest | null;
  /** regular files (hard links included), their bytes, symlinks: as counted in the entries */
  files: number;
  fileBytes: number;
  links: number;
  problems: string[];
  /** the checksum did not mismatch and nothing was wrong */
  ok: boolean;
  /** how long the checksum took, when it was compared first (a known checksum) */
  checksumSeconds: number | null;
}

export interface ScanOptions {
  expected: string | null;
  /** a directory for the archive's manifest.b2 while it is read */
  tempDir: string;
  signal?: AbortSignal | undefined;
  /** bytes read so far: the checksum's pass, then the entries' (each counts the file's size) */
  onProgress?(bytes: number): void;
  /**
   * Each data/ and dumps/ entry once it passed its checks, with the hash the archive's manifest
   * gives (files only); it must consume the entry. Returns the contents' hash when it read them.
   */
  onEntry?(entry: ReadEntry, expectedHash: string | undefined): Promise<string | undefined>;
}

export async function scanArchive(path: string, options: ScanOptions): Promise<ArchiveCheck> {
  const check: ArchiveCheck = {
    path,
    blake2b: '',
    bytes: 0,
    expected: options.expected,
    checksum: 'unknown',
    manifest: null,
    files: 0,
    fileBytes: 0,
    links: 0,
    problems: [],
    ok: false,
    checksumSeconds: null,
  };
  // The checksum first, as b2sum computes it: an archive that changed is said so, and not read further.
  let size = 0;
  if (options.expected) {
    const started = process.hrtime.bigint();
    const whole = await new FileHasher().hash(path, options.signal, options.onProgress);
    check.checksumSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    check.blake2b = whole.hash;
    check.bytes = size = whole.bytes;
    check.checksum = whole.hash === options.expected ? 'match' : 'mismatch';
    if (check.checksum === 'mismatch') {
      check.problems.push(`its BLAKE2b-512 is ${whole.hash}, not ${options.expected}: the file changed since it was made`);
      return check;
    }
  }
  const problem = (text: string) => {
    check.problems.push(text);
    if (check.problems.length >= MAX_PROBLEMS) throw new ArchiveError(`more than ${MAX_PROBLEMS} problems: stopped reading`);
  };
  const state = newEntryCheckState();
  const temp = mkdtempSync(join(options.tempDir, 'archive-'));
  const contentManifest = join(temp, ARCHIVE_CONTENT_MANIFEST);
  let cursor: ManifestCursor | undefined;
  let contentTotals: { files: number; bytes: number } | undefined;
  const sizes = new Map<string, number>();
  try {
    const read = await readArchive(
      path,
      async (entry) => {
        const shown = escapePath(textToByteString(entry.path));
        const refused = checkEntry({ path: entry.path, type: entry.type, size: entry.size ?? 0, linkpath: entry.linkpath }, state);
        if (refused) {
          entry.resume();
          return problem(`${shown}: ${refused}`);
        }
        if (entry.path === ARCHIVE_MANIFEST) {
          check.manifest = parseArchiveManifest(await entryText(entry)) ?? null;
          if (!check.manifest) problem(`${ARCHIVE_MANIFEST} is not a pobsync archive manifest`);
          return;
        }
        if (entry.path === ARCHIVE_CONTENT_MANIFEST) {
          const fd = openSync(contentManifest, 'wx', 0o600);
          try {
            for await (const chunk of entry as AsyncIterable<Buffer>) writeSync(fd, chunk);
          } finally {
            closeSync(fd);
          }
          const manifestCheck = await checkManifest(contentManifest);
          if (manifestCheck.ok) {
            contentTotals = manifestCheck.totals;
            cursor = new ManifestCursor(contentManifest);
          } else problem(`${ARCHIVE_CONTENT_MANIFEST}: ${manifestCheck.reason}`);
          return;
        }
        const key = textToByteString(entry.path.replace(/\/+$/, ''));
        let expected: ManifestEntry | undefined;
        if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' || entry.type === 'Link') {
          const size = entry.type === 'Link' ? (sizes.get(textToByteString(entry.linkpath ?? '')) ?? 0) : (entry.size ?? 0);
          sizes.set(key, size);
          check.files += 1;
          check.fileBytes += size;
          expected = cursor?.find(key);
          if (expected?.type !== 'file') problem(`${shown}: is not in ${ARCHIVE_CONTENT_MANIFEST}`);
          else if (expected.size !== size) problem(`${shown}: has ${size} bytes, ${ARCHIVE_CONTENT_MANIFEST} says ${expected.size}`);
        } else if (entry.type === 'SymbolicLink') {
          check.links += 1;
          expected = cursor?.find(key);
          if (expected?.type !== 'link') problem(`${shown}: is not in ${ARCHIVE_CONTENT_MANIFEST}`);
          else if (expected.target !== textToByteString(entry.linkpath ?? ''))
            problem(`${shown}: points elsewhere than ${ARCHIVE_CONTENT_MANIFEST} says`);
        }
        if (!options.onEntry) return void entry.resume();
        const hash = await options.onEntry(entry, expected?.type === 'file' ? expected.hash : undefined);
        if (hash !== undefined && expected?.type === 'file' && hash !== expected.hash) {
          problem(`${shown}: its contents differ from ${ARCHIVE_CONTENT_MANIFEST} (BLAKE2b-512)`);
        }
      },
      {
        signal: options.signal,
        hash: !options.expected,
        ...(options.onProgress ? { onProgress: (bytes: number) => options.onProgress!(size + bytes) } : {}),
      },
    ).catch((error: unknown) => {
      if (options.signal?.aborted) throw error;
      if (!(error instanceof ArchiveError) || check.problems.length < MAX_PROBLEMS) check.problems.push(messageOf(error));
      return undefined;
    });
    if (read && !options.expected) {
      check.blake2b = read.blake2b;
      check.bytes = read.bytes;
    }
    if (read) {
      if (!check.manifest && state.count > 0 && !check.problems.some((text) => text.startsWith(ARCHIVE_MANIFEST))) {
        check.problems.push(`it has no ${ARCHIVE_MANIFEST}`);
      }
      if (!contentTotals) check.problems.push(`it has no valid ${ARCHIVE_CONTENT_MANIFEST}`);
      const stated = check.manifest;
      if (stated && (stated.files !== check.files || stated.bytes !== check.fileBytes || (stated.links ?? check.links) !== check.links)) {
        check.problems.push(
          `${ARCHIVE_MANIFEST} states ${formatCount(stated.files, 'file')} (${stated.bytes} bytes) and ` +
            `${formatCount(stated.links, 'symlink')}; ` +
            `the archive holds ${check.files} (${check.fileBytes} bytes) and ${check.links}`,
        );
      }
      if (contentTotals && (contentTotals.files !== check.files || contentTotals.bytes !== check.fileBytes)) {
        check.problems.push(
          `${ARCHIVE_CONTENT_MANIFEST} lists ${formatCount(contentTotals.files, 'file')} (${contentTotals.bytes} bytes); ` +
            `the archive holds ${check.files} (${check.fileBytes} bytes)`,
        );
      }
    }
  } finally {
    cursor?.close();
    rmSync(temp, { recursive: true, force: true });
  }
  check.ok = check.problems.length === 0 && check.checksum !== 'mismatch';
  return check;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The host an archive says it is of: its first entry, manifest.json, read and nothing more. */
export async function peekManifest(path: string): Promise<ArchiveManifest | null> {
  let manifest: ArchiveManifest | null = null;
  const done = new Error('read');
  await readArchive(path, async (entry) => {
    if (entry.path === ARCHIVE_MANIFEST) manifest = parseArchiveManifest(await entryText(entry, 16 << 20)) ?? null;
    else entry.resume();
    throw done;
  }).catch(() => undefined);
  return manifest;
}

export interface VerifiedArchive {
  check: ArchiveCheck;
  archive: ArchiveView | null;
  run: RunView | null;
}

/** Checks an archive (by id or file) as a run of its host, when the catalogue knows the host. */
export async function verifyArchive(app: App, ref: string | undefined, events: ArchiveEvents = {}): Promise<VerifiedArchive> {
  const em = app.catalogue.em();
  const resolved = await resolveArchive(em, ref);
  const result = await checkAsJob(app, resolved, 'verify', events);
  return { check: result.value, archive: resolved.archive ? archiveView(resolved.archive) : null, run: result.run };
}

/** The whole check of an archive as a job's work, its progress in bytes read (twice the size when a checksum is compared first). */
export async function scanInJob(app: App, job: ArchiveJob, resolved: ArchiveRef): Promise<ArchiveCheck> {
  const progress = job.progress({ bytes: (resolved.expected ? 2 : 1) * (resolved.archive?.bytes ?? 0), files: 0 });
  const check = await scanArchive(resolved.path, {
    expected: resolved.expected,
    tempDir: app.paths.home,
    signal: job.signal,
    onProgress: (bytes) => progress.update({ bytes, files: 0 }),
  });
  await progress.flush();
  return check;
}

/** Runs the scan as a run of the archive's host (when known here), noting what it found. */
export async function checkAsJob(app: App, resolved: ArchiveRef, step: 'verify', events: ArchiveEvents) {
  const em = app.catalogue.em();
  const hostName = resolved.archive?.host.name ?? (await peekManifest(resolved.path))?.host;
  const host = hostName ? await em.findOne(HostSchema, { name: hostName }) : null;
  return inArchiveJob(
    app,
    host,
    {
      action: 'archive',
      step,
      archiveId: resolved.archive?.id ?? null,
      path: resolved.path,
      snapshot: resolved.archive?.snapshotName ?? null,
      optionSet: resolved.archive?.optionSet ?? null,
    },
    events,
    async (job) => {
      job.note(
        `${job.runId ? `run #${job.runId}: ` : ''}verify of archive ${resolved.archive ? `#${resolved.archive.id} ` : ''}${resolved.path}` +
          (resolved.expected
            ? ` against the ${resolved.source}'s checksum`
            : ' (no checksum known: neither the catalogue nor a .b2 file has one)'),
      );
      const check = await scanInJob(app, job, resolved);
      if (check.checksumSeconds !== null) {
        job.note(
          `checksum: ${check.checksum === 'match' ? 'matches' : 'DIFFERS from'} the ${resolved.source}'s, ` +
            `${formatBytes(check.bytes)} in ${check.checksumSeconds.toFixed(2)} s`,
        );
      }
      for (const found of check.problems) job.note(`problem: ${found}`);
      const summary =
        `${formatBytes(check.bytes)}, ${formatCount(check.files, 'file')} (${formatBytes(check.fileBytes)}), ` +
        `${formatCount(check.links, 'symlink')}; BLAKE2b-512 ${check.blake2b || '(not read to the end)'}`;
      const stopped = job.stopped();
      if (stopped) return { status: stopped, error: `stopped (${stopped})`, value: check };
      if (!check.ok) {
        const more = check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : '';
        const error = `archive ${resolved.path} is damaged: ${check.problems[0]}${more}`;
        job.note(`failed: ${error}`);
        return { status: 'failed' as const, error, value: check };
      }
      if (check.checksum === 'unknown') {
        const error = `no checksum to compare with (no catalogue entry, no ${resolved.path}.b2); its contents are consistent: ${summary}`;
        job.note(`partial: ${error}`);
        return { status: 'partial' as const, error, value: check };
      }
      job.note(`succeeded: ${summary}`);
      return { status: 'succeeded' as const, error: null, value: check };
    },
  );
}
