/**
 * Archive files: a snapshot as one gzip-compressed tar, written with the `tar` package's header
 * encoders (Header, Pax) and read with its Parser, so GNU tar reads what pobsync writes and
 * pobsync reads what GNU tar writes. Compression runs in node's zlib thread while this thread
 * reads the next files, as `tar | gzip` does.
 *
 * Writing goes to a temporary name beside the target and is renamed into place once complete
 * and flushed; the BLAKE2b-512 of the whole file is computed from the bytes as they are written.
 * Reading computes the same checksum from the bytes as they are read.
 *
 * Loading writes only into an empty directory, and only what it creates itself: every file is
 * created new (O_EXCL, O_NOFOLLOW), every entry's parent must be a directory this load made,
 * symlinks are made but never followed, and hard links only point at files this load wrote. The
 * entries themselves are judged by domain/archive.ts before a byte is written.
 */
import { once } from 'node:events';
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  fchmodSync,
  fchownSync,
  fsyncSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { byteStringToText } from '../domain/manifest.js';
import { newHash } from './hash.js';
import { ManifestCursor } from './manifest.js';
import { walkTree, Yielder } from './tree-walk.js';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** Free bytes for an unprivileged writer on the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** The size a tar of these files takes before compression: a header per entry, contents in 512-byte blocks. */
export function tarSize(entries: number, fileBytes: number, files: number): number {
  return (entries + 2) * 512 + fileBytes + files * 511;
}

const BATCH = 1 << 20;
const READ_BLOCK = 1 << 20;

interface WriteState {
  gzip: ReturnType<typeof createGzip>;
  batch: Buffer[];
  batched: number;
}

async function push(state: WriteState, buffer: Buffer): Promise<void> {
  state.batch.push(buffer);
  state.batched += buffer.length;
  if (state.batched >= BATCH) await flushBatch(state);
}

async function flushBatch(state: WriteState): Promise<void> {
  if (state.batched === 0) return;
  const chunk = state.batch.length === 1 ? state.batch[0]! : Buffer.concat(state.batch, state.batched);
  state.batch = [];
  state.batched = 0;
  if (!state.gzip.write(chunk)) await once(state.gzip, 'drain');
}

interface HeaderFields {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  linkpath?: string;
}

/** A tar header (with a pax header before it when a name is too long or not ASCII). */
function encodeHeader(fields: HeaderFields): Buffer {
  const header = new Header({ ...fields, uname: '', gname: '' });
  const needPax = header.encode();
  const block = header.block!;
  if (!needPax) return block;
  const pax = new Pax({
    path: fields.path,
    ...(fields.linkpath === undefined ? {} : { linkpath: fields.linkpath }),
    size: fields.size,
    mtime: fields.mtime,
    uid: fields.uid,
    gid: fields.gid,
  }).encode();
  return Buffer.concat([pax, block]);
}

function padding(size: number): Buffer {
  const rest = size % 512;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(512 - rest);
}

export interface WriteArchiveInput {
  snapshotDir: string;
  /** `data`, `dumps`, or both */
  areas: readonly string[];
  /** the text of manifest.json, the first entry */
  manifestJson: string;
  /** a manifest.b2 of exactly these areas (the second entry); the contents read must match its hashes */
  contentManifest: string;
  /** the archive's path; a temporary file beside it is renamed there when complete */
  output: string;
  signal?: AbortSignal | undefined;
  onProgress?(done: { bytes: number; files: number }): void;
}

export interface WrittenArchive {
  blake2b: string;
  bytes: number;
  files: number;
  /** special files (devices, FIFOs, sockets) a snapshot may hold, which an archive does not */
  skipped: string[];
}

export async function writeArchive(input: WriteArchiveInput): Promise<WrittenArchive> {
  const temporary = join(dirname(input.output), `.${basename(input.output)}.${process.pid}.tmp`);
  const hash = newHash();
  let bytes = 0;
  const gzip = createGzip({ chunkSize: 64 * 1024, writableHighWaterMark: 8 * BATCH } as Parameters<typeof createGzip>[0]);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const file = createWriteStream(temporary, { mode: 0o600, flags: 'wx' });
  const written = pipeline(gzip, tap, file);
  // Surfaced once the writer is done, or when it stops early.
  written.catch(() => undefined);
  const state: WriteState = { gzip, batch: [], batched: 0 };
  const now = new Date();
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const skipped: string[] = [];
  let files = 0;
  let contentBytes = 0;
  const cursor = new ManifestCursor(input.contentManifest);
  try {
    const manifestJson = Buffer.from(input.manifestJson);
    await push(state, encodeHeader({ path: 'manifest.json', type: 'File', size: manifestJson.length, mode: 0o600, uid, gid, mtime: now }));
    await push(state, manifestJson);
    await push(state, padding(manifestJson.length));
    const contentManifest = await readFile(input.contentManifest);
    await push(state, encodeHeader({ path: 'manifest.b2', type: 'File', size: contentManifest.length, mode: 0o600, uid, gid, mtime: now }));
    await push(state, contentManifest);
    await push(state, padding(contentManifest.length));

    const links = new Map<string, string>();
    const yielder = new Yielder();
    let lastProgress = 0;
    for (const { key, path, stats } of walkTree(input.snapshotDir, { tops: input.areas })) {
      input.signal?.throwIfAborted();
      if (yielder.due()) await yielder.turn();
      const name = byteStringToText(key);
      if (name === undefined) {
        throw new ArchiveError(`${JSON.stringify(key)} is not a UTF-8 name, which a tar archive pobsync writes cannot hold`);
      }
      const common = { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime: stats.mtime };
      if (stats.isDirectory()) {
        await push(state, encodeHeader({ ...common, path: `${name}/`, type: 'Directory', size: 0 }));
      } else if (stats.isSymbolicLink()) {
        const target = byteStringToText(readlinkSync(path, { encoding: 'buffer' }).toString('latin1'));
        if (target === undefined) throw new ArchiveError(`the symlink ${name} points at a name that is not UTF-8`);
        await push(state, encodeHeader({ ...common, path: name, type: 'SymbolicLink', size: 0, linkpath: target }));
      } else if (stats.isFile()) {
        files += 1;
        const inode = `${stats.dev}:${stats.ino}`;
        const first = stats.nlink > 1 ? links.get(inode) : undefined;
        if (first !== undefined) {
          await push(state, encodeHeader({ ...common, path: name, type: 'Link', size: 0, linkpath: first }));
        } else {
          if (stats.nlink > 1) links.set(inode, name);
          const expected = cursor.find(key);
          if (expected?.type !== 'file') throw new ArchiveError(`${name} is not in the snapshot's manifest`);
          await push(state, encodeHeader({ ...common, path: name, type: 'File', size: stats.size }));
          const content = await copyFile(state, path, stats.size, name);
          if (content !== expected.hash) {
            throw new ArchiveError(`${name} differs from the snapshot's manifest: the snapshot is damaged ("pobsync verify" it)`);
          }
          contentBytes += stats.size;
        }
      } else {
        skipped.push(name);
      }
      const nowMs = Date.now();
      if (input.onProgress && nowMs - lastProgress >= 250) {
        lastProgress = nowMs;
        input.onProgress({ bytes: contentBytes, files });
      }
    }
    await push(state, Buffer.alloc(1024));
    await flushBatch(state);
    gzip.end();
    await written;
    input.onProgress?.({ bytes: contentBytes, files });
    const fd = openSync(temporary, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, input.output);
    syncDirectory(dirname(input.output));
    return { blake2b: hash.digest('hex'), bytes, files, skipped };
  } catch (error) {
    gzip.destroy();
    await written.catch(() => undefined);
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    cursor.close();
  }
}

/** A file's contents into the archive, in blocks; returns their hash. The size must not change while it is read. */
async function copyFile(state: WriteState, path: string | Buffer, size: number, name: string): Promise<string> {
  const hash = newHash();
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let left = size;
    while (left > 0) {
      const block = Buffer.allocUnsafe(Math.min(left, READ_BLOCK));
      const read = readSync(fd, block, 0, block.length, null);
      if (read === 0) throw new ArchiveError(`${name} got shorter while it was read`);
      const data = read === block.length ? block : block.subarray(0, read);
      hash.update(data);
      await push(state, data);
      left -= read;
    }
    if (readSync(fd, Buffer.allocUnsafe(1), 0, 1, null) !== 0) throw new ArchiveError(`${name} grew while it was read`);
  } finally {
    closeSync(fd);
  }
  await push(state, padding(size));
  return hash.digest('hex');
}

function syncDirectory(path: string): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Deletes an archive file and its checksum sidecar; a file already gone is fine. */
export function deleteArchiveFile(path: string): void {
  for (const doomed of [path, `${path}.b2`]) {
    try {
      unlinkSync(doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export interface ReadOptions {
  signal?: AbortSignal | undefined;
  /** false: the checksum is known to match already, and is not computed again */
  hash?: boolean;
  /** compressed bytes read so far */
  onProgress?(bytes: number): void;
}

/**
 * Reads an archive from start to end: each entry goes to `onEntry`, which must consume it (read
 * its data or resume it) and may take its time: the next entry waits. Returns the BLAKE2b-512 of
 * the file's bytes. Fails on anything that is not a whole, valid gzip-compressed tar.
 */
export async function readArchive(
  path: string,
  onEntry: (entry: ReadEntry) => Promise<void> | void,
  options: ReadOptions = {},
): Promise<{ blake2b: string; bytes: number }> {
  const hash = newHash();
  let bytes = 0;
  let lastProgress = 0;
  const input = createReadStream(path, { highWaterMark: READ_BLOCK });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (options.hash !== false) hash.update(chunk);
      bytes += chunk.length;
      const now = Date.now();
      if (options.onProgress && now - lastProgress >= 250) {
        lastProgress = now;
        options.onProgress(bytes);
      }
      done(null, chunk);
    },
  });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const parser = new Parser({ strict: true });
  let failure: unknown;
  let failed!: () => void;
  const stoppedEarly = new Promise<void>((resolve) => (failed = resolve));
  const fail = (error: unknown) => {
    failure ??= error;
    input.destroy();
    failed();
  };
  let chain = Promise.resolve();
  parser.on('entry', (entry: ReadEntry) => {
    chain = chain.then(async () => {
      if (failure) return void entry.resume();
      try {
        await onEntry(entry);
      } catch (error) {
        fail(error);
        entry.resume();
      }
    });
  });
  parser.on('error', (error: Error) => fail(new ArchiveError(`it is not a valid tar archive: ${error.message}`)));
  const ended = new Promise<void>((resolve) => parser.on('end', () => resolve()));
  // Every entry is emitted before the parser's end; each one's handling is chained after the last.
  const source = pipeline(input, tap, gunzip).catch((error: NodeJS.ErrnoException) => {
    if (failure) return;
    fail(
      error.code === 'Z_DATA_ERROR' || error.code === 'Z_BUF_ERROR' || /header check|unexpected end/i.test(error.message)
        ? new ArchiveError(`it is not a whole gzip file: ${error.message}`)
        : error,
    );
  });
  const abort = () => fail(options.signal?.reason ?? new Error('stopped'));
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of gunzip) {
      if (failure) break;
      if (!parser.write(chunk as Buffer)) await Promise.race([once(parser, 'drain'), stoppedEarly]);
    }
    await source;
    if (!failure) {
      parser.end();
      await Promise.race([ended, stoppedEarly]);
      await chain;
    }
  } catch (error) {
    fail(error);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  if (failure) throw failure;
  options.onProgress?.(bytes);
  return { blake2b: hash.digest('hex'), bytes };
}

/** The data of one entry, whole (for manifest.json, which is small). */
export async function entryText(entry: ReadEntry, limit = 64 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ArchiveError(`${entry.path} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Writes entries into `root`, an empty directory this process made. Only what this writer
 * creates is ever written to or through.
 */
export class SafeWriter {
  private readonly dirs = new Set<string>(['']);
  private readonly files = new Map<string, string>();
  private readonly dirTimes: { path: string; mode: number; uid: number; gid: number; mtime: Date }[] = [];
  private readonly asRoot = process.getuid?.() === 0;

  constructor(readonly root: string) {}

  /** Writes one entry (already judged by domain/archive.ts); the returned hash is the file's contents'. */
  async write(entry: ReadEntry): Promise<string | undefined> {
    const key = entry.path.replace(/\/+$/, '');
    const target = join(this.root, key);
    this.ensureParent(key);
    const mode = (entry.mode ?? 0o644) & 0o7777;
    const uid = entry.uid ?? 0;
    const gid = entry.gid ?? 0;
    const mtime = entry.mtime ?? new Date();
    switch (entry.type) {
      case 'Directory':
        if (!this.dirs.has(key)) {
          mkdirSync(target, { mode: 0o700 });
          this.dirs.add(key);
        }
        this.dirTimes.push({ path: target, mode, uid, gid, mtime });
        entry.resume();
        return undefined;
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        const hash = newHash();
        try {
          for await (const chunk of entry as AsyncIterable<Buffer>) {
            hash.update(chunk);
            writeSync(fd, chunk);
          }
          if (this.asRoot) fchownSync(fd, uid, gid);
          fchmodSync(fd, mode);
          futimesSync(fd, mtime, mtime);
        } finally {
          closeSync(fd);
        }
        this.files.set(key, target);
        return hash.digest('hex');
      }
      case 'Link': {
        const existing = this.files.get(entry.linkpath ?? '');
        if (!existing) throw new ArchiveError(`${key} is a hard link to ${entry.linkpath}, which this load did not write`);
        linkSync(existing, target);
        this.files.set(key, target);
        entry.resume();
        return undefined;
      }
      case 'SymbolicLink':
        symlinkSync(entry.linkpath ?? '', target);
        if (this.asRoot) lchownSync(target, uid, gid);
        lutimesSync(target, mtime, mtime);
        entry.resume();
        return undefined;
      default:
        throw new ArchiveError(`${key} is a ${entry.type} entry, which pobsync never writes`);
    }
  }

  /** Directory owners, modes and times, deepest first: writing their entries changed them. */
  finish(): void {
    for (const dir of this.dirTimes.reverse()) {
      if (this.asRoot) lchownSync(dir.path, dir.uid, dir.gid);
      chmodAndTouch(dir.path, dir.mode, dir.mtime);
    }
  }

  /** Makes the entry's missing parents (an archive may leave them out) as directories of this load. */
  private ensureParent(key: string): void {
    const parts = key.split('/');
    for (let depth = 1; depth < parts.length; depth += 1) {
      const parent = parts.slice(0, depth).join('/');
      if (this.dirs.has(parent)) continue;
      if (this.files.has(parent)) throw new ArchiveError(`${key} lies below the file ${parent}`);
      mkdirSync(join(this.root, parent), { mode: 0o700 });
      this.dirs.add(parent);
    }
  }
}

function chmodAndTouch(path: string, mode: number, mtime: Date): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, mode);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}
