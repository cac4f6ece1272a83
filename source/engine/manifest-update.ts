/**
 * A new snapshot's manifest from its base's manifest and the list of what rsync changed
 * (domain/rsync-output.ts ItemizedChanges), without walking the tree: a path rsync did not list
 * was hard-linked to the base's (the same inode), so its base line is the line a walk would
 * write, byte for byte, and is copied as it is. Only what rsync created or changed is looked at
 * (lstat, and a hash when its inode is new), and only the directories whose time changed are
 * listed, for the names that went. The cost grows with what changed, plus a copy of the base's
 * manifest at the speed of memory and of BLAKE2b.
 *
 * Whenever the list cannot be trusted to be whole, this gives up (undefined) and the caller walks
 * the tree (engine/manifest.ts buildManifest): the base's manifest damaged or too large to read at
 * once, a listed path that is not there, or a count of files that differs from rsync's file list
 * (a deletion in a directory whose time was put back).
 */
import type { Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats, writeSync } from 'node:fs';
import { compareKeys, formatEntry, formatTrailer, MANIFEST_HEADER, type ManifestEntry, parseLine } from '../domain/manifest.js';
import type { ItemizedPath } from '../domain/rsync-output.js';
import { FileHasher, newHash } from './hash.js';
import { ManifestError, type ManifestSummary } from './manifest.js';
import { bytePath, walkTree, Yielder } from './tree-walk.js';

/** What rsync did to the tree's `data/` (domain/rsync-output.ts ItemizedChanges). */
export interface TreeChanges {
  /** by key below the snapshot (`data/etc/hosts`) */
  changes: ReadonlyMap<string, ItemizedPath['type']>;
  /** regular files and symlinks in rsync's file list: what `data/` holds now */
  listed: number;
}

/** A larger manifest (about a million files) is left to the walk, which reads it as a stream. */
const MAX_BASE_BYTES = 256 << 20;
/**
 * With this many changes or fewer the base's manifest is read a window at a time, into one buffer
 * used again, and a line is read where a lookup needs it: reading 20 MB (100,000 files) into a
 * fresh buffer of its own cost more CPU than the update (the kernel fills every new page). With
 * more, the lookups (a few reads per change) would cost more than that: it is read whole.
 */
const STREAM_MAX_CHANGES = 256;
const WINDOW_BYTES = 1 << 20;
/** the trailer is one short line: read from the end of the file */
const TAIL_BYTES = 4096;
const FILE = 0x66;
const LINK = 0x6c;
const TAB = 0x09;
const NEWLINE = 0x0a;
/** sorts after every byte: `${key}/${AFTER}` is past everything below key */
const AFTER = '\u0100';

/** The entry lines of a manifest in memory, with the type and size of each, checked against its trailer. */
class BaseManifest {
  /** where each entry line starts; the last is where the trailer starts */
  private starts = new Float64Array(1024);
  private types = new Uint8Array(1024);
  private sizes = new Float64Array(1024);
  private lines = 0;
  private trailer: { hash: string; totals: { files: number; bytes: number } } = { hash: '', totals: { files: 0, bytes: 0 } };
  private trailerStart = 0;
  private headerLength = 0;
  /** the whole file, when it is read at once; else windows of it are read into `window` */
  private whole: Buffer | undefined;
  private window = Buffer.alloc(0);

  private constructor(
    private readonly fd: number,
    private readonly length: number,
  ) {}

  /**
   * The manifest at `path`, or undefined when it is too large, or damaged (the walk then says so).
   * `whole`: read it into memory at once (many lookups to come). close() it when done.
   */
  static read(path: string, whole: boolean): BaseManifest | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    try {
      const length = fstatSync(fd).size;
      if (length > 0 && length <= MAX_BASE_BYTES) {
        const base = new BaseManifest(fd, length);
        if (whole) base.whole = base.bytes(0, length, Buffer.allocUnsafe(length));
        if (base.opened()) return base;
      }
    } catch {
      // unreadable or damaged: the walk says which
    }
    closeSync(fd);
    return undefined;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Reads the header and the trailer, and indexes the lines between them. */
  private opened(): boolean {
    const tailStart = Math.max(0, this.length - TAIL_BYTES);
    const tail = this.view(tailStart, this.length);
    if (tail[tail.length - 1] !== NEWLINE) return false;
    const lastBreak = tail.lastIndexOf(NEWLINE, tail.length - 2);
    if (lastBreak < 0 && tailStart > 0) return false;
    this.trailerStart = tailStart + lastBreak + 1;
    const trailer = parseLine(tail.toString('utf8', lastBreak + 1, tail.length - 1));
    if (trailer.kind !== 'end') return false;
    this.trailer = trailer;
    const header = `${MANIFEST_HEADER}\n`;
    this.headerLength = header.length;
    if (this.trailerStart < header.length || this.view(0, header.length).toString('latin1') !== header) return false;
    return this.index();
  }

  get count(): number {
    return this.lines;
  }

  /** Where line `line` starts in the file (`count`: where the trailer starts). */
  start(line: number): number {
    return this.starts[line]!;
  }

  isFile(line: number): boolean {
    return this.types[line] === FILE;
  }

  size(line: number): number {
    return this.sizes[line]!;
  }

  entry(line: number): ManifestEntry {
    const parsed = parseLine(this.view(this.start(line), this.start(line + 1) - 1).toString('utf8'));
    if (parsed.kind !== 'entry') throw new ManifestError(`line ${line + 2} of the base's manifest is not an entry`);
    return parsed.entry;
  }

  key(line: number): string {
    return this.entry(line).key;
  }

  /** The first line in [from, to) whose key is not before `key`. */
  lowerBound(key: string, from = 0, to = this.count): number {
    let [low, high] = [from, to];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.key(middle), key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Checks every byte above the trailer against its hash. A new manifest starts with the same
   * bytes up to its first change: the hash of those is taken once, and handed on (undefined when
   * the manifest is damaged).
   */
  verify(sharedLines: number): Hash | undefined {
    const hash = newHash();
    this.each(0, this.start(sharedLines), (bytes) => hash.update(bytes));
    const shared = hash.copy();
    this.each(this.start(sharedLines), this.trailerStart, (bytes) => hash.update(bytes));
    return hash.digest('hex') === this.trailer.hash ? shared : undefined;
  }

  /** The bytes [from, to) of the file, a window at a time, each to be used before the next. */
  each(from: number, to: number, use: (bytes: Buffer) => void): void {
    for (let at = from; at < to; ) {
      const bytes = this.view(at, Math.min(to, at + WINDOW_BYTES));
      use(bytes);
      at += bytes.length;
    }
  }

  /** The bytes [from, to): valid until the next view. */
  private view(from: number, to: number): Buffer {
    if (this.whole) return this.whole.subarray(from, to);
    if (this.window.length < to - from) this.window = Buffer.allocUnsafe(Math.max(to - from, Math.min(WINDOW_BYTES, this.length)));
    return this.bytes(from, to, this.window);
  }

  /** Reads the bytes [from, to) of the file into `into`; a short read is damage (the file changed). */
  private bytes(from: number, to: number, into: Buffer): Buffer {
    let done = 0;
    while (done < to - from) {
      const read = readSync(this.fd, into, done, to - from - done, from + done);
      if (read === 0) throw new ManifestError('the base manifest ended early');
      done += read;
    }
    return into.subarray(0, to - from);
  }

  /**
   * Where each line starts, and its type and size, read from the bytes (a file line's size
   * follows its 128-digit hash); the totals must be the trailer's. The trailer's hash vouches
   * for the rest of each line's text.
   */
  private index(): boolean {
    let files = 0;
    let bytes = 0;
    // A window at a time; a line the window cuts is read again at the start of the next.
    for (let offset = this.headerLength, span = WINDOW_BYTES; offset < this.trailerStart; ) {
      const buffer = this.view(offset, Math.min(this.trailerStart, offset + span));
      let start = 0;
      for (let next = buffer.indexOf(NEWLINE); next >= 0; next = buffer.indexOf(NEWLINE, start)) {
        const type = buffer[start]!;
        const sizeAt = type === FILE ? start + 131 : start + 4;
        if ((type !== FILE && type !== LINK) || buffer[start + 1] !== TAB || sizeAt > next || buffer[sizeAt - 1] !== TAB) return false;
        let size = 0;
        let at = sizeAt;
        for (let digit = buffer[at]!; digit >= 0x30 && digit <= 0x39; digit = buffer[++at]!) size = size * 10 + digit - 0x30;
        if (buffer[at] !== TAB || at === sizeAt) return false;
        this.push(offset + start, type, size);
        if (type === FILE) {
          files += 1;
          bytes += size;
        }
        start = next + 1;
      }
      // No whole line in the window: a longer one, read again in a larger window.
      if (start === 0) span *= 2;
      offset += start;
    }
    this.starts[this.lines] = this.trailerStart;
    return files === this.trailer.totals.files && bytes === this.trailer.totals.bytes;
  }

  private push(start: number, type: number, size: number): void {
    if (this.lines + 1 >= this.starts.length) {
      const grow = <T extends Float64Array | Uint8Array>(array: T, make: (length: number) => T) => {
        const bigger = make(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.starts = grow(this.starts, (length) => new Float64Array(length));
      this.types = grow(this.types, (length) => new Uint8Array(length));
      this.sizes = grow(this.sizes, (length) => new Float64Array(length));
    }
    this.starts[this.lines] = start;
    this.types[this.lines] = type;
    this.sizes[this.lines] = size;
    this.lines += 1;
  }
}

/** An entry of the new manifest that is not a copied base line, and where it goes among the base's. */
interface Added {
  entry: ManifestEntry;
  /** the base line it goes before */
  at: number;
  /** a file whose inode is not the base's: hashed before it is written */
  path?: string | Buffer;
}

/**
 * Writes the manifest of the tree at `root` to `output` from the base's manifest and rsync's
 * changes, exactly as buildManifest's walk would; undefined when the changes do not account for
 * the tree (nothing is left at `output` then that the walk does not overwrite).
 */
export async function updateManifest(root: string, output: string, options: UpdateOptions): Promise<ManifestSummary | undefined> {
  const started = process.hrtime.bigint();
  const base = BaseManifest.read(options.base, options.changes.changes.size > STREAM_MAX_CHANGES);
  if (!base) return undefined;
  try {
    const summary = await update(root, output, base, options);
    if (summary) summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return summary;
  } catch (error) {
    // The base's lines are read before its hash is checked: a line that is not one is damage.
    if (error instanceof ManifestError) return undefined;
    throw error;
  } finally {
    base.close();
  }
}

interface UpdateOptions {
  base: string;
  changes: TreeChanges;
  signal?: AbortSignal | undefined;
  /** false: the caller flushes the filesystem before the manifest counts (a backup's sync before its rename) */
  durable?: boolean;
}

async function update(root: string, output: string, base: BaseManifest, options: UpdateOptions): Promise<ManifestSummary | undefined> {
  const rootBytes = Buffer.from(root).toString('latin1');
  const pathOf = (key: string) => bytePath(`${rootBytes}/${key}`);
  // The base's lines of data/ come first, then those of dumps/, which rsync does not write.
  const dataEnd = base.lowerBound('dumps');
  const dropped = new Uint8Array(base.count);
  let droppedCount = 0;
  const drop = (from: number, to: number) => {
    for (let line = from; line < to; line += 1) {
      droppedCount += 1 - dropped[line]!;
      dropped[line] = 1;
    }
  };
  /** The base's line for exactly `key`, dropped, and every line below `key/`. */
  const replace = (key: string): number | undefined => {
    const at = base.lowerBound(key, 0, dataEnd);
    const same = at < dataEnd && base.key(at) === key ? at : undefined;
    if (same !== undefined) drop(same, same + 1);
    const below = base.lowerBound(`${key}/`, at, dataEnd);
    drop(below, base.lowerBound(`${key}/${AFTER}`, below, dataEnd));
    return same;
  };
  const added: Added[] = [];
  for (const key of [...options.changes.changes.keys()].sort(compareKeys)) {
    const type = options.changes.changes.get(key)!;
    if (key !== 'data' && !key.startsWith('data/')) return undefined;
    if (type === 'd') {
      if (!dropGone(base, key, pathOf(key), dataEnd, drop)) return undefined;
      continue;
    }
    const same = replace(key);
    if (type !== 'f' && type !== 'L') continue;
    let stats: Stats;
    try {
      stats = lstatSync(pathOf(key));
    } catch {
      return undefined;
    }
    const at = base.lowerBound(key, 0, dataEnd);
    if (stats.isFile()) {
      const known = same === undefined ? undefined : base.entry(same);
      const reuse = known?.type === 'file' && known.ino === stats.ino && known.size === stats.size && known.mtime === stats.mtimeMs;
      const entry: ManifestEntry = {
        type: 'file',
        key,
        size: stats.size,
        mtime: stats.mtimeMs,
        ino: stats.ino,
        hash: reuse ? known.hash : '',
      };
      added.push(reuse ? { entry, at } : { entry, at, path: pathOf(key) });
    } else if (stats.isSymbolicLink()) {
      const target = readlinkSync(pathOf(key), { encoding: 'buffer' }).toString('latin1');
      added.push({ entry: { type: 'link', key, size: stats.size, mtime: stats.mtimeMs, ino: stats.ino, target }, at });
    }
  }
  // Every file and symlink rsync listed is a kept base line or an added one: otherwise something
  // went that no changed directory accounts for.
  if (dataEnd - droppedCount + added.length !== options.changes.listed) return undefined;

  const summary: ManifestSummary = { files: 0, bytes: 0, links: 0, base: 'used', hashed: 0, hashedBytes: 0, reused: 0, seconds: 0 };
  const hasher = new FileHasher();
  const yielder = new Yielder();
  for (const add of added) {
    if (add.path === undefined || add.entry.type !== 'file') continue;
    if (yielder.due()) await yielder.turn();
    options.signal?.throwIfAborted();
    const hashed = await hasher.hash(add.path, options.signal, undefined, add.entry.size);
    add.entry.hash = hashed.hash;
    summary.hashed += 1;
    summary.hashedBytes += hashed.bytes;
  }
  const dumps = await dumpEntries(root, base, dataEnd, summary, hasher, options.signal);

  // The new manifest is the base's up to the first line dropped or added before: hashed once.
  let shared = Math.min(dataEnd, added[0]?.at ?? dataEnd);
  for (let line = 0; line < shared; line += 1) if (dropped[line]) shared = line;
  const hash = base.verify(shared);
  if (!hash) return undefined;
  const writer = new Writer(output, hash, options.durable ?? true);
  try {
    base.each(0, base.start(shared), (bytes) => writer.bytes(bytes, false));
    countKept(base, 0, shared, summary);
    /** The base's lines [from, to) that stay, in as few writes as they make runs. */
    const copy = (from: number, to: number) => {
      let run = from;
      for (let line = from; line <= to; line += 1) {
        if (line < to && !dropped[line]) continue;
        if (line > run) {
          base.each(base.start(run), base.start(line), (bytes) => writer.bytes(bytes));
          countKept(base, run, line, summary);
        }
        run = line + 1;
      }
    };
    let line = shared;
    for (const add of added) {
      copy(line, add.at);
      line = add.at;
      writer.entry(add.entry, summary, add.path === undefined);
    }
    copy(line, dataEnd);
    for (const entry of dumps) writer.entry(entry, summary, false);
    writer.finish(summary);
  } catch (error) {
    writer.abandon();
    throw error;
  }
  return summary;
}

/** Counts the base's lines [from, to), copied as they are, into the summary. */
function countKept(base: BaseManifest, from: number, to: number, summary: ManifestSummary): void {
  for (let line = from; line < to; line += 1) {
    if (base.isFile(line)) {
      summary.files += 1;
      summary.bytes += base.size(line);
      summary.reused += 1;
    } else {
      summary.links += 1;
    }
  }
}

/**
 * A directory rsync created or changed: the base's entries directly in it whose names it no
 * longer holds are dropped, with everything below them. false when it cannot be listed.
 */
function dropGone(
  base: BaseManifest,
  key: string,
  path: string | Buffer,
  dataEnd: number,
  drop: (from: number, to: number) => void,
): boolean {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(path, { encoding: 'latin1' }));
  } catch {
    return false;
  }
  // A file or symlink of the base by this name is a directory now.
  const at = base.lowerBound(key, 0, dataEnd);
  if (at < dataEnd && base.key(at) === key) drop(at, at + 1);
  const prefix = `${key}/`;
  const end = base.lowerBound(`${prefix}${AFTER}`, at, dataEnd);
  for (let line = base.lowerBound(prefix, at, end); line < end; ) {
    const rest = base.key(line).slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      if (!names.has(rest)) drop(line, line + 1);
      line += 1;
      continue;
    }
    // A directory of the base: gone with all it held, or its own changes are listed.
    const name = rest.slice(0, slash);
    const after = base.lowerBound(`${prefix}${name}/${AFTER}`, line, end);
    if (!names.has(name)) drop(line, after);
    line = after;
  }
  return true;
}

/** The tree's dumps/ (written by pobsync, not rsync), by a walk, with hashes from the base's where the inode is the same. */
async function dumpEntries(
  root: string,
  base: BaseManifest,
  dataEnd: number,
  summary: ManifestSummary,
  hasher: FileHasher,
  signal: AbortSignal | undefined,
): Promise<ManifestEntry[]> {
  const known = new Map<string, ManifestEntry>();
  for (let line = dataEnd; line < base.count; line += 1) {
    const entry = base.entry(line);
    known.set(entry.key, entry);
  }
  const entries: ManifestEntry[] = [];
  for (const { key, path, stats } of walkTree(root, { tops: ['dumps'] })) {
    if (stats.isFile()) {
      const was = known.get(key);
      let hash: string;
      if (was?.type === 'file' && was.ino === stats.ino && was.size === stats.size && was.mtime === stats.mtimeMs) {
        hash = was.hash;
        summary.reused += 1;
      } else {
        signal?.throwIfAborted();
        const hashed = await hasher.hash(path, signal, undefined, stats.size);
        hash = hashed.hash;
        summary.hashed += 1;
        summary.hashedBytes += hashed.bytes;
      }
      entries.push({ type: 'file', key, size: stats.size, mtime: stats.mtimeMs, ino: stats.ino, hash });
    } else if (stats.isSymbolicLink()) {
      const target = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
      entries.push({ type: 'link', key, size: stats.size, mtime: stats.mtimeMs, ino: stats.ino, target });
    }
  }
  return entries;
}

/** Writes the new manifest, hashing every line above the trailer, and flushes it to disk. */
class Writer {
  private readonly fd: number;

  /** `hash`: of what comes before the first `bytes` that are to be hashed */
  constructor(
    path: string,
    private readonly hash: Hash,
    private readonly durable: boolean,
  ) {
    this.fd = openSync(path, 'w', 0o600);
  }

  /** `hashed` false: bytes the hash has already been given */
  bytes(bytes: Buffer, hashed = true): void {
    if (hashed) this.hash.update(bytes);
    writeSync(this.fd, bytes);
  }

  /** A line that is not a copied base line; `reused`: a file whose hash is the base's. */
  entry(entry: ManifestEntry, summary: ManifestSummary, reused: boolean): void {
    this.bytes(Buffer.from(formatEntry(entry)));
    if (entry.type === 'link') {
      summary.links += 1;
      return;
    }
    summary.files += 1;
    summary.bytes += entry.size;
    if (reused) summary.reused += 1;
  }

  finish(summary: ManifestSummary): void {
    writeSync(this.fd, formatTrailer(summary, this.hash.digest('hex')));
    if (this.durable) fsyncSync(this.fd);
    closeSync(this.fd);
  }

  abandon(): void {
    closeSync(this.fd);
  }
}
