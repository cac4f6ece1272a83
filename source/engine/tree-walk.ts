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
  /** the absolute path, as bytes */
  path: Buffer;
  stats: Stats;
}

const SLASH = Buffer.from('/');
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
  const rootBytes = Buffer.from(root);
  for (const top of options.tops) {
    const path = Buffer.concat([rootBytes, SLASH, Buffer.from(top)]);
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    yield { key: top, path, stats };
    if (stats.isDirectory()) yield* walkDirectory(top, path, options);
  }
}

function* walkDirectory(key: string, path: Buffer, options: WalkOptions): Generator<WalkEntry> {
  let names: Buffer[];
  try {
    names = readdirSync(path, { encoding: 'buffer' });
  } catch (error) {
    if (!options.onError) throw error;
    options.onError(key, error as NodeJS.ErrnoException);
    return;
  }
  names.sort(Buffer.compare);
  for (const name of names) {
    const childKey = `${key}/${name.toString('latin1')}`;
    const childPath = Buffer.concat([path, SLASH, name]);
    let stats: Stats;
    try {
      stats = lstatSync(childPath);
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(childKey, error as NodeJS.ErrnoException);
      continue;
    }
    yield { key: childKey, path: childPath, stats };
    if (stats.isDirectory()) yield* walkDirectory(childKey, childPath, options);
  }
}
