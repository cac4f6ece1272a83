/**
 * What deleting a set of snapshot trees frees. Snapshots share unchanged files as hard links, so
 * a file's blocks are freed only when every link to it is inside the deleted trees: count each
 * inode's links found there against its link count. Symlinks are never followed.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What deleting all of `trees` together frees: a file is freed once every link to it is inside them. */
export async function bytesFreedByDeleting(trees: readonly string[]): Promise<number> {
  return (await measureTrees(trees)).freed;
}

/** What one snapshot tree takes on disk: all of it (`du` of it alone), and what deleting it alone frees. */
export interface TreeSize {
  /** bytes in blocks of the files no other tree links to, and of its directories */
  freed: number;
  /** bytes in blocks of every file and directory in it, each hard-linked file once */
  total: number;
}

/** One tree alone: what deleting it frees, and its whole size. */
export function treeSize(tree: string): Promise<TreeSize> {
  return measureTrees([tree]);
}

/**
 * Walks the trees once: a file linked only from inside them (every one of its links found here)
 * is freed with them; a file something else links to is counted in the total only. Every read is
 * asynchronous (libuv's thread pool does the I/O), so a long walk does not hold up a screen.
 */
async function measureTrees(trees: readonly string[]): Promise<TreeSize> {
  let freed = 0;
  let total = 0;
  const linked = new Map<string, { seen: number; links: number; bytes: number }>();
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const stat = await lstat(path).catch(() => undefined);
      if (!stat) continue;
      const bytes = stat.blocks * 512;
      if (entry.isDirectory()) {
        freed += bytes;
        total += bytes;
        await walk(path);
      } else if (stat.nlink <= 1) {
        freed += bytes;
        total += bytes;
      } else {
        const key = `${stat.dev}:${stat.ino}`;
        const inode = linked.get(key);
        if (inode) inode.seen += 1;
        else {
          linked.set(key, { seen: 1, links: stat.nlink, bytes });
          total += bytes;
        }
      }
    }
  };
  for (const tree of trees) {
    const top = await lstat(tree).catch(() => undefined);
    if (!top?.isDirectory()) continue;
    freed += top.blocks * 512;
    total += top.blocks * 512;
    await walk(tree);
  }
  for (const inode of linked.values()) if (inode.seen >= inode.links) freed += inode.bytes;
  return { freed, total };
}
