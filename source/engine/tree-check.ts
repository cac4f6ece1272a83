/**
 * Checking a snapshot tree against its manifest, in one pass over both (they are in the same
 * order): what is missing, what is there that was not, and what changed: size or mtime for every
 * file, contents (hashed again) for the sampled ones. Reads only; never writes into the tree.
 */
import type { Stats } from 'node:fs';
import { readlinkSync } from 'node:fs';
import { compareKeys, type ManifestEntry } from '../domain/manifest.js';
import { FileHasher } from './hash.js';
import { MANIFEST_TOPS, ManifestError, readManifest } from './manifest.js';
import { walkTree, Yielder } from './tree-walk.js';

export type TreeProblemKind = 'missing' | 'extra' | 'type' | 'size' | 'mtime' | 'content' | 'link' | 'unreadable' | 'manifest';

export interface TreeProblem {
  kind: TreeProblemKind;
  /** byte string, relative to the snapshot (`data/etc/hosts`) */
  key: string;
  detail: string;
}

export interface TreeCheck {
  /** files and links the manifest lists that were compared with the disk */
  checked: number;
  hashed: number;
  hashedBytes: number;
  problems: number;
}

export interface CheckOptions {
  /** the share of files whose contents are hashed again: 100 = all */
  samplePercent: number;
  /** device:inode -> hash, shared by the snapshots of one run: a hard-linked file is read once */
  hashes?: Map<string, string>;
  signal?: AbortSignal | undefined;
  onProblem(problem: TreeProblem): void;
  onProgress?(done: { checked: number; hashedBytes: number }): void;
  /** a random number in [0, 1): which files the sample takes */
  random?: () => number;
}

export async function checkTree(root: string, manifest: string, options: CheckOptions): Promise<TreeCheck> {
  const result: TreeCheck = { checked: 0, hashed: 0, hashedBytes: 0, problems: 0 };
  const report = (problem: TreeProblem) => {
    result.problems += 1;
    options.onProblem(problem);
  };
  const entries = readManifest(manifest);
  let expected: ManifestEntry | undefined;
  let manifestDone = false;
  /** past a damaged line, the rest of the manifest is unknown: nothing more is called extra */
  let broken = false;
  const advance = () => {
    try {
      const next = entries.next();
      manifestDone = next.done === true;
      expected = next.done ? undefined : next.value;
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      report({ kind: 'manifest', key: '', detail: error.message });
      manifestDone = true;
      broken = true;
      expected = undefined;
    }
  };
  advance();
  const hasher = new FileHasher();
  const random = options.random ?? Math.random;
  const yielder = new Yielder();
  let lastProgress = 0;
  const walk = walkTree(root, {
    tops: MANIFEST_TOPS,
    onError: (key, error) => report({ kind: 'unreadable', key, detail: `cannot be read: ${error.code ?? error.message}` }),
  });
  for (const { key, path, stats } of walk) {
    if (yielder.due()) {
      options.signal?.throwIfAborted();
      await yielder.turn();
    }
    while (expected && compareKeys(expected.key, key) < 0) {
      report({ kind: 'missing', key: expected.key, detail: `is in the manifest but not on disk (${describeEntry(expected)})` });
      result.checked += 1;
      advance();
    }
    if (expected && compareKeys(expected.key, key) === 0) {
      result.checked += 1;
      await compare(expected, key, path, stats);
      advance();
    } else if (!broken && (stats.isFile() || stats.isSymbolicLink())) {
      report({ kind: 'extra', key, detail: `is on disk but not in the manifest (${stats.isFile() ? `${stats.size} bytes` : 'symlink'})` });
    }
    const now = Date.now();
    if (options.onProgress && now - lastProgress >= 500) {
      lastProgress = now;
      options.onProgress({ checked: result.checked, hashedBytes: result.hashedBytes });
    }
  }
  while (expected) {
    report({ kind: 'missing', key: expected.key, detail: `is in the manifest but not on disk (${describeEntry(expected)})` });
    result.checked += 1;
    advance();
  }
  if (!manifestDone) entries.return(undefined);
  options.onProgress?.({ checked: result.checked, hashedBytes: result.hashedBytes });
  return result;

  async function compare(entry: ManifestEntry, key: string, path: string | Buffer, stats: Stats): Promise<void> {
    if (entry.type === 'link') {
      if (!stats.isSymbolicLink()) return report({ kind: 'type', key, detail: `was a symlink, is now ${describeStats(stats)}` });
      const target = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
      if (target !== entry.target) report({ kind: 'link', key, detail: 'points somewhere else than it did' });
      return;
    }
    if (!stats.isFile()) return report({ kind: 'type', key, detail: `was a file, is now ${describeStats(stats)}` });
    if (stats.size !== entry.size) return report({ kind: 'size', key, detail: `has ${stats.size} bytes, the manifest says ${entry.size}` });
    if (stats.mtimeMs !== entry.mtime) {
      report({
        kind: 'mtime',
        key,
        detail: `was modified at ${new Date(stats.mtimeMs).toISOString()} (the manifest says ${isoOf(entry.mtime)})`,
      });
    }
    if (random() * 100 >= options.samplePercent) return;
    const inode = `${stats.dev}:${stats.ino}`;
    let hash = options.hashes?.get(inode);
    if (hash === undefined) {
      try {
        const hashed = await hasher.hash(path, options.signal);
        hash = hashed.hash;
        result.hashed += 1;
        result.hashedBytes += hashed.bytes;
        options.hashes?.set(inode, hash);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return report({ kind: 'unreadable', key, detail: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      }
    }
    if (hash !== entry.hash) report({ kind: 'content', key, detail: 'its contents differ from the manifest (BLAKE2b-512)' });
  }
}

function describeEntry(entry: ManifestEntry): string {
  return entry.type === 'file' ? `${entry.size} bytes` : 'symlink';
}

function describeStats(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symlink';
  if (stats.isFile()) return 'a file';
  return 'a special file';
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
