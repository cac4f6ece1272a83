/**
 * Walking a snapshot tree the way its manifest is written: depth first, names sorted by their
 * bytes, by lstat (a symlink is an entry, never followed). Names are bytes, not text: a file
 * name that is not UTF-8 is walked, hashed and reported exactly (see domain/manifest.ts).
 *
 * The calls are synchronous, which is several times faster than the promise API for the many
 * small calls a walk makes, and the walk is a plain generator: no promise per entry. Whoever
 * consumes it gives the event loop a turn every few milliseconds (Yielder), so a daemon walking a
 * large tree still saves progress, answers cancels and serves the TUI.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface WalkEntry {
  /** the path below the root as a byte string: `data/etc/hosts` */
  key: string;
  /** the absolute path, for fs calls: a string when it is ASCII, else its bytes */
  path: string | Buffer;
  stats: Stats;
}

const TURN_MS = 15;

/** When a loop has held the event loop for a while: `if (yielder.due()) await yielder.turn()`. */
export class Yielder {
  private last = Date.now();
  private count = 0;

  /** Looks at the clock only every 64 calls: it is asked once per entry. */
  due(): boolean {
    this.count += 1;
    return (this.count & 63) === 0 && Date.now() - this.last >= TURN_MS;
  }

  async turn(): Promise<void> {
    await nextTurn();
    this.last = Date.now();
  }
}

export interface WalkOptions {
  /** the top-level names to walk below root, in this order (`data`, `dumps`); missing ones are skipped */
  tops: readonly string[];
  /** a directory that cannot be read; default: throw */
  onError?(key: string, error: NodeJS.ErrnoException): void;
}

/** Every entry below `root/<top>` (the tops themselves included), depth first, names in byte order. */
export function* walkTree(root: string, options: WalkOptions): Generator<WalkEntry> {
  const rootBytes = Buffer.from(root).toString('latin1');
  for (const top of options.tops) {
    const bytes = `${rootBytes}/${top}`;
    const ascii = ASCII.test(bytes);
    const path = fsPath(bytes, ascii);
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    yield { key: top, path, stats };
    if (stats.isDirectory()) yield* walkDirectory(top, bytes, ascii, options);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: every ASCII byte is what it looks for
const ASCII = /^[\x00-\x7f]*$/;

/** A byte string as a path the fs calls take: itself when it is ASCII (the same bytes in UTF-8), else its bytes. */
export function bytePath(bytes: string): string | Buffer {
  return fsPath(bytes, ASCII.test(bytes));
}

function fsPath(bytes: string, ascii: boolean): string | Buffer {
  return ascii ? bytes : Buffer.from(bytes, 'latin1');
}

function* walkDirectory(key: string, bytes: string, ascii: boolean, options: WalkOptions): Generator<WalkEntry> {
  let names: string[];
  try {
    // latin1: one character per byte, so the names sort, and come back, byte for byte.
    names = readdirSync(fsPath(bytes, ascii), { encoding: 'latin1' });
  } catch (error) {
    if (!options.onError) throw error;
    options.onError(key, error as NodeJS.ErrnoException);
    return;
  }
  names.sort();
  for (const name of names) {
    const childKey = `${key}/${name}`;
    const childBytes = `${bytes}/${name}`;
    const childAscii = ascii && ASCII.test(name);
    const childPath = fsPath(childBytes, childAscii);
    let stats: Stats;
    try {
      stats = lstatSync(childPath);
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(childKey, error as NodeJS.ErrnoException);
      continue;
    }
    yield { key: childKey, path: childPath, stats };
    if (stats.isDirectory()) yield* walkDirectory(childKey, childBytes, childAscii, options);
  }
}
