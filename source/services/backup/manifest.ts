/**
 * A backup's content manifest: written into the finished tree before it is published (the
 * snapshot's rename makes it part of the snapshot), with the hashes of hard-linked files taken
 * from the base's manifest. With rsync's list of what it changed, only those paths are looked at
 * (engine/manifest-update.ts); without it, or when it does not account for the tree, the tree is
 * walked. A manifest that cannot be written fails the run like rsync would: the tree stays for the
 * next run, which writes it again.
 */
import type { SnapshotRecord } from '../../catalogue/entities/index.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { buildManifest, manifestPath } from '../../engine/manifest.js';
import { type TreeChanges, updateManifest } from '../../engine/manifest-update.js';
import type { RunSession } from '../runs/session.js';

export async function writeBackupManifest(
  session: RunSession,
  treePath: string,
  base: SnapshotRecord | null,
  changes?: TreeChanges,
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const output = manifestPath(treePath);
    // Not flushed on its own: the tree is published after a flush of its whole filesystem.
    const updated =
      base && changes
        ? await updateManifest(treePath, output, { base: manifestPath(base.path), changes, signal: session.signal, durable: false })
        : undefined;
    const summary =
      updated ??
      (await buildManifest(treePath, output, {
        base: base ? manifestPath(base.path) : undefined,
        signal: session.signal,
        durable: false,
      }));
    const from =
      summary.base === 'used'
        ? `, ${summary.reused} ${summary.reused === 1 ? 'hash' : 'hashes'} taken from ${base!.name}`
        : summary.base === 'damaged'
          ? `; the manifest of ${base!.name} is damaged ("pobsync verify" it), so every file was hashed`
          : '';
    session.note(
      `manifest: ${formatCount(summary.files, 'file')} (${formatBytes(summary.bytes)}) and ${formatCount(summary.links, 'symlink')}, ` +
        `${summary.hashed} hashed (${formatBytes(summary.hashedBytes)})${from}, in ${summary.seconds.toFixed(2)} s ` +
        (updated ? "(from rsync's list of changes)" : '(a walk of the tree)'),
    );
    return { ok: true };
  } catch (error) {
    const stopped = session.stopped();
    if (stopped) return { ok: false, error: `stopped (${stopped}) while writing the manifest` };
    return { ok: false, error: `the manifest could not be written: ${error instanceof Error ? error.message : String(error)}` };
  }
}
