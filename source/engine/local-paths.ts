/**
 * Paths on this server, as the filesystem sees them: symlinks resolved, so that a restore target
 * or a backup root given through a link is still recognised for what it overlaps.
 */
import { statfsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isWithin } from '../domain/snapshot-path.js';

/** The real path of `path`, resolving what exists of it: the last directories may not be there yet. */
export async function realpathOfExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realpathOfExisting(parent), path.slice(parent.length + (parent.endsWith('/') ? 0 : 1)));
  }
}

/** One of the two lies inside the other (or they are the same), as written or once resolved. */
export async function overlaps(a: string, b: string): Promise<boolean> {
  const as = [a, await realpathOfExisting(a)];
  const bs = [b, await realpathOfExisting(b)];
  return as.some((x) => bs.some((y) => isWithin(x, y) || isWithin(y, x)));
}

/** Whether the filesystem holding `path` has (next to) no room left: no free blocks or no free inodes. */
export function isFilesystemFull(path: string): boolean {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize < 64 * 1024 || stats.ffree === 0;
  } catch {
    return false;
  }
}
