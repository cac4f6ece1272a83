/**
 * Hashing a backup's new files while rsync is still copying the rest, for a manifest that is
 * written by a walk (a first backup, a resumed tree): the hashing no longer waits for rsync to end,
 * it runs beside it on the core rsync leaves idle.
 *
 * A file is hashed only under its final name, which rsync gives a file once it is whole (it
 * writes into a temporary name and renames; --inplace and --append are refused). The walk then
 * takes the hash only for the same inode, unchanged since it was read: same inode number, size,
 * mtime and ctime (any write or attribute change since moves ctime). Anything else (a file not
 * there yet, a hard link added later, a file replaced) is hashed by the walk as before.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { itemizedPath } from '../domain/rsync-output.js';
import { newHash } from './hash.js';
import { bytePath } from './tree-walk.js';

export interface PrehashedFile {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  hash: string;
}

const BLOCK = 1 << 20;
const BLOCKS_PER_TURN = 16;
const TURN_MS = 10;

/** Whether `stats` is the inode, unchanged, that `file` was read from. */
export function isPrehashed(file: PrehashedFile | undefined, stats: Stats): file is PrehashedFile {
  return (
    file !== undefined &&
    stats.isFile() &&
    file.ino === stats.ino &&
    file.size === stats.size &&
    file.mtimeMs === stats.mtimeMs &&
    file.ctimeMs === stats.ctimeMs
  );
}

export class Prehasher {
  /** by key below the tree (`data/etc/hosts`) */
  readonly files = new Map<string, PrehashedFile>();
  private readonly queue: string[] = [];
  private next = 0;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private readonly buffer = Buffer.allocUnsafe(BLOCK);
  private readonly rootBytes: string;

  constructor(
    /** the tree the manifest is written for */
    root: string,
    /** where rsync's destination is below it */
    private readonly top: string,
  ) {
    this.rootBytes = Buffer.from(root).toString('latin1');
  }

  /** rsync's output lines: each regular file it created or changed is queued for hashing. */
  push(lines: readonly string[]): void {
    if (this.stopped) return;
    for (const line of lines) {
      if (line.charCodeAt(0) !== 62 || line.charCodeAt(1) !== 102) continue; // ">f"
      const item = itemizedPath(line);
      if (item === undefined || item === 'ambiguous') continue;
      const path = item.path.replace(/^(?:\.?\/)+/, '');
      if (path !== '' && path !== '.') this.queue.push(`${this.top}/${path}`);
    }
    if (this.next < this.queue.length) this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Stops hashing (what is queued and not hashed is left to the walk) and waits for the file under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    let last = Date.now();
    while (!this.stopped && this.next < this.queue.length) {
      const key = this.queue[this.next]!;
      this.queue[this.next] = '';
      this.next += 1;
      await this.hashOne(key);
      // rsync's output keeps arriving and the run's progress is saved in between.
      if (Date.now() - last >= TURN_MS) {
        await nextTurn();
        last = Date.now();
      }
    }
    this.queue.length = 0;
    this.next = 0;
  }

  private async hashOne(key: string): Promise<void> {
    let fd: number;
    try {
      fd = openSync(bytePath(`${this.rootBytes}/${key}`), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return; // not under its final name yet: the walk hashes it
    }
    try {
      const before = fstatSync(fd);
      if (!before.isFile()) return;
      const hash = newHash();
      let bytes = 0;
      for (let blocks = 1; ; blocks += 1) {
        const read = readSync(fd, this.buffer, 0, BLOCK, null);
        if (read === 0) break;
        hash.update(this.buffer.subarray(0, read));
        bytes += read;
        if (blocks % BLOCKS_PER_TURN === 0) await nextTurn();
      }
      const after = fstatSync(fd);
      const file = { ino: before.ino, size: before.size, mtimeMs: before.mtimeMs, ctimeMs: before.ctimeMs, hash: '' };
      if (bytes !== before.size || !isPrehashed(file, after)) return;
      file.hash = hash.digest('hex');
      this.files.set(key, file);
    } catch {
      // unreadable now: the walk hashes it, or says why it cannot
    } finally {
      closeSync(fd);
    }
  }
}
