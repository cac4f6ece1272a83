/**
 * Writing and reading `manifest.b2` (the format is domain/manifest.ts). A new snapshot's manifest
 * is written before the snapshot is published; a file rsync hard-linked to the base (the same
 * inode, size and mtime as the base's manifest records for that path) takes its hash from there,
 * so the cost grows with what changed, not with the size of the tree. Both the manifest and the
 * tree are in walk order, so the base's manifest is read alongside the walk, never held in memory.
 */
import { closeSync, existsSync, fsyncSync, openSync, readlinkSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareKeys,
  formatEntry,
  formatTrailer,
  MANIFEST_HEADER,
  type ManifestEntry,
  type ManifestTotals,
  parseLine,
} from '../domain/manifest.js';
import { FileHasher, newHash } from './hash.js';
import { walkTree, Yielder } from './tree-walk.js';

export const MANIFEST_FILE = 'manifest.b2';
/** What a manifest covers: the snapshot's files and dumps; files beside meta.json are not in it. */
export const MANIFEST_TOPS: readonly string[] = ['data', 'dumps'];

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export function manifestPath(snapshotDir: string): string {
  return join(snapshotDir, MANIFEST_FILE);
}

export function hasManifest(snapshotDir: string): boolean {
  return existsSync(manifestPath(snapshotDir));
}

/**
 * The lines of a file as raw bytes (without the newline), read in blocks, and the hash of every
 * byte before the current line: what a manifest's trailer is checked against. Hashing is done a
 * block at a time, not a line at a time.
 */
class HashedLines {
  private readonly hash = newHash();
  private chunk: Buffer = Buffer.alloc(0);
  /** where the current line starts in `chunk`, and how far `chunk` is hashed */
  private lineStart = 0;
  private hashedTo = 0;

  constructor(private readonly path: string) {}

  *lines(): Generator<Buffer> {
    const fd = openSync(this.path, 'r');
    try {
      const block = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const bytesRead = readSync(fd, block, 0, block.length, null);
        if (bytesRead === 0) break;
        // Everything before the unfinished last line is hashed; that line moves to the next chunk.
        this.hash.update(this.chunk.subarray(this.hashedTo, this.lineStart));
        const rest = this.chunk.subarray(this.lineStart);
        this.chunk = rest.length > 0 ? Buffer.concat([rest, block.subarray(0, bytesRead)]) : Buffer.from(block.subarray(0, bytesRead));
        this.lineStart = 0;
        this.hashedTo = 0;
        for (let end = this.chunk.indexOf(10); end !== -1; end = this.chunk.indexOf(10, this.lineStart)) {
          yield this.chunk.subarray(this.lineStart, end);
          this.lineStart = end + 1;
        }
      }
      // A last line without its newline means the file was cut short: the trailer check says so.
      if (this.lineStart < this.chunk.length) yield this.chunk.subarray(this.lineStart);
    } finally {
      closeSync(fd);
    }
  }

  /** The hash of every byte before the line just read. */
  digestBefore(): string {
    this.hash.update(this.chunk.subarray(this.hashedTo, this.lineStart));
    this.hashedTo = this.lineStart;
    return this.hash.digest('hex');
  }
}

/**
 * The entries of a manifest, in order. Throws ManifestError when the manifest is damaged: a bad
 * header or line, entries out of order, no trailer, or a trailer whose hash or totals disagree
 * (a manifest cut short, or with a flipped byte). The error comes when the damage is reached.
 * A plain generator: whoever reads a long one gives the event loop a turn now and then.
 */
export function* readManifest(path: string): Generator<ManifestEntry> {
  const reader = new HashedLines(path);
  const totals: ManifestTotals = { files: 0, bytes: 0 };
  let line = 0;
  let previous: string | undefined;
  for (const raw of reader.lines()) {
    line += 1;
    const parsed = parseLine(raw.toString('utf8'));
    if (line === 1) {
      if (parsed.kind !== 'header') throw new ManifestError(`${path} is not a pobsync manifest (line 1)`);
    } else if (parsed.kind === 'end') {
      if (parsed.hash !== reader.digestBefore() || parsed.totals.files !== totals.files || parsed.totals.bytes !== totals.bytes) {
        throw new ManifestError(`${path} is damaged: its own checksum or totals do not match its lines`);
      }
      return;
    } else if (parsed.kind === 'entry') {
      if (previous !== undefined && compareKeys(previous, parsed.entry.key) >= 0) {
        throw new ManifestError(`${path} is damaged: line ${line} is out of order`);
      }
      previous = parsed.entry.key;
      if (parsed.entry.type === 'file') {
        totals.files += 1;
        totals.bytes += parsed.entry.size;
      }
      yield parsed.entry;
    } else {
      throw new ManifestError(`${path} is damaged: line ${line} is not a manifest line`);
    }
  }
  throw new ManifestError(`${path} is damaged: it ends without its trailer (cut short?)`);
}

/** Reads the whole manifest once: its totals, or the reason it cannot be trusted. */
export async function checkManifest(path: string): Promise<{ ok: true; totals: ManifestTotals } | { ok: false; reason: string }> {
  const totals: ManifestTotals = { files: 0, bytes: 0 };
  const yielder = new Yielder();
  try {
    for (const entry of readManifest(path)) {
      if (yielder.due()) await yielder.turn();
      if (entry.type === 'file') {
        totals.files += 1;
        totals.bytes += entry.size;
      }
    }
    return { ok: true, totals };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Reads a manifest alongside a walk: `find(key)` returns its entry for key, keys asked in walk
 * order. Throws ManifestError where the manifest is damaged.
 */
export class ManifestCursor {
  private current: ManifestEntry | undefined;
  private done = false;
  private readonly entries: Generator<ManifestEntry>;

  constructor(path: string) {
    this.entries = readManifest(path);
  }

  find(key: string): ManifestEntry | undefined {
    while (!this.done && (this.current === undefined || compareKeys(this.current.key, key) < 0)) {
      const next = this.entries.next();
      this.done = next.done === true;
      this.current = next.done ? undefined : next.value;
    }
    return this.current && compareKeys(this.current.key, key) === 0 ? this.current : undefined;
  }

  /** Reads what is left, so a damaged end (or a trailer that disagrees) is found. */
  finish(): void {
    while (!this.done) this.done = this.entries.next().done === true;
  }

  close(): void {
    this.entries.return(undefined);
  }
}

/** Appends text to a file in large writes, hashing what it writes. */
class ManifestWriter {
  private readonly fd: number;
  private readonly hash = newHash();
  private pending = '';

  constructor(
    readonly path: string,
    private readonly durable = true,
  ) {
    this.fd = openSync(path, 'w', 0o600);
  }

  line(text: string): void {
    this.pending += text;
    if (this.pending.length > 1 << 18) this.flush();
  }

  finish(totals: ManifestTotals): void {
    this.flush();
    this.pending = formatTrailer(totals, this.hash.digest('hex'));
    this.write();
    // Published by the snapshot's rename: on disk before that, like meta.json (a backup flushes
    // its whole filesystem before the rename, which takes the manifest with it).
    if (this.durable) fsyncSync(this.fd);
    closeSync(this.fd);
  }

  abandon(): void {
    closeSync(this.fd);
  }

  /** Writes what is pending, hashed: every line above the trailer. */
  private flush(): void {
    this.write(true);
  }

  /** Encodes the pending text once, for the file and for the hash. */
  private write(hashed = false): void {
    if (!this.pending) return;
    const bytes = Buffer.from(this.pending);
    if (hashed) this.hash.update(bytes);
    writeSync(this.fd, bytes);
    this.pending = '';
  }
}

export interface ManifestSummary extends ManifestTotals {
  links: number;
  /** whether the base's manifest gave hashes: none given, used, or damaged (and not used) */
  base: 'none' | 'used' | 'damaged';
  /** files whose contents were read and hashed */
  hashed: number;
  hashedBytes: number;
  /** files whose hash came from the base's manifest */
  reused: number;
  seconds: number;
}

export interface BuildOptions {
  /** the manifest of the snapshot this tree was hard-linked against; a damaged one is not used */
  base?: string | undefined;
  tops?: readonly string[];
  signal?: AbortSignal | undefined;
  /** now and then: files and bytes so far */
  onProgress?(done: { files: number; bytes: number; hashedBytes: number }): void;
  /** false: the caller flushes the filesystem before the manifest counts (a backup's sync before its rename) */
  durable?: boolean;
}

/**
 * Writes the manifest of the tree at `root` (its data/ and dumps/) to `output`, flushed to disk.
 * Special files (devices, FIFOs, sockets) and directories are not listed.
 */
export async function buildManifest(root: string, output: string, options: BuildOptions = {}): Promise<ManifestSummary> {
  const started = process.hrtime.bigint();
  const withBase = options.base !== undefined && existsSync(options.base);
  try {
    return await writeManifest(root, output, options, withBase ? options.base : undefined, started);
  } catch (error) {
    // The base's manifest is read once, alongside the walk; found damaged, it is not used at all.
    if (!(error instanceof ManifestError)) throw error;
    const summary = await writeManifest(root, output, options, undefined, started);
    return { ...summary, base: 'damaged' };
  }
}

async function writeManifest(
  root: string,
  output: string,
  options: BuildOptions,
  basePath: string | undefined,
  started: bigint,
): Promise<ManifestSummary> {
  const base = basePath ? new ManifestCursor(basePath) : undefined;
  const writer = new ManifestWriter(output, options.durable ?? true);
  const hasher = new FileHasher();
  const yielder = new Yielder();
  const summary: ManifestSummary = {
    files: 0,
    bytes: 0,
    links: 0,
    base: base ? 'used' : 'none',
    hashed: 0,
    hashedBytes: 0,
    reused: 0,
    seconds: 0,
  };
  let lastProgress = 0;
  try {
    writer.line(`${MANIFEST_HEADER}\n`);
    for (const { key, path, stats } of walkTree(root, { tops: options.tops ?? MANIFEST_TOPS })) {
      if (yielder.due()) {
        options.signal?.throwIfAborted();
        await yielder.turn();
      }
      if (stats.isFile()) {
        const known = base?.find(key);
        let hash: string;
        if (known?.type === 'file' && known.ino === stats.ino && known.size === stats.size && known.mtime === stats.mtimeMs) {
          hash = known.hash;
          summary.reused += 1;
        } else {
          options.signal?.throwIfAborted();
          const hashed = await hasher.hash(path, options.signal, undefined, stats.size);
          hash = hashed.hash;
          summary.hashed += 1;
          summary.hashedBytes += hashed.bytes;
        }
        writer.line(formatEntry({ type: 'file', key, size: stats.size, mtime: stats.mtimeMs, ino: stats.ino, hash }));
        summary.files += 1;
        summary.bytes += stats.size;
      } else if (stats.isSymbolicLink()) {
        const target = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
        writer.line(formatEntry({ type: 'link', key, size: stats.size, mtime: stats.mtimeMs, ino: stats.ino, target }));
        summary.links += 1;
      }
      const now = Date.now();
      if (options.onProgress && now - lastProgress >= 500) {
        lastProgress = now;
        options.onProgress({ files: summary.files, bytes: summary.bytes, hashedBytes: summary.hashedBytes });
      }
    }
    // A manifest damaged past the last path asked for still must not have given hashes.
    base?.finish();
    writer.finish(summary);
  } catch (error) {
    writer.abandon();
    throw error;
  } finally {
    base?.close();
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}

/**
 * One path's entry in a manifest, or undefined when it is not listed or the manifest cannot be
 * read. The manifest is in order, so the search stops where the path would be.
 */
export async function findInManifest(path: string, key: string): Promise<ManifestEntry | undefined> {
  const entries = readManifest(path);
  const yielder = new Yielder();
  try {
    for (const entry of entries) {
      if (yielder.due()) await yielder.turn();
      const order = compareKeys(entry.key, key);
      if (order === 0) return entry;
      if (order > 0) return undefined;
    }
  } catch {
    // A damaged manifest says nothing about this path.
  } finally {
    entries.return(undefined);
  }
  return undefined;
}
