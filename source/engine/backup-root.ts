/**
 * Which catalogue a backup root belongs to: the marker file (`.pobsync-backup-root`, below)
 * names the catalogue's id. Two catalogues on one root would each plan
 * retention over the same trees and delete each other's snapshots; a root belongs to one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The backup root carries a marker file from configure-global. Without it the root is not the
 * one pobsync set up: most often a filesystem that is not mounted, where a backup would fill
 * the mount point and a deletion would find every snapshot gone. Defined here, not in the
 * snapshot store: the settings read it, and a listing must not load the store (and zx) for that.
 */
export const BACKUP_ROOT_MARKER = '.pobsync-backup-root';

/**
 * Where archives live by default: `<backup_root>/.archives/<host>/`. Here, not in engine/archive.ts:
 * discovery skips it by name, and a backup (which publishes through discovery) must not load tar for that.
 */
export const ARCHIVES_DIR = '.archives';

export type MarkerOwner = { marked: false } | { marked: true; catalogueId: string | null };

const ID_LINE = /^catalogue: ([0-9a-f-]{8,64})$/m;

/** The marker of `backupRoot`: absent, or present with the id of its catalogue (null for a marker older than ids). */
export function readMarker(backupRoot: string): MarkerOwner {
  let text: string;
  try {
    text = readFileSync(join(backupRoot, BACKUP_ROOT_MARKER), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { marked: false };
    throw error;
  }
  return { marked: true, catalogueId: ID_LINE.exec(text)?.[1] ?? null };
}

/** Marks the root as this catalogue's (creating it, 0700), replacing the marker in one rename. */
export function writeMarker(backupRoot: string, catalogueId: string): void {
  mkdirSync(backupRoot, { recursive: true, mode: 0o700 });
  const marker = join(backupRoot, BACKUP_ROOT_MARKER);
  const temporary = `${marker}.${process.pid}.tmp`;
  writeFileSync(temporary, `This directory holds pobsync snapshots. Do not delete this file.\ncatalogue: ${catalogueId}\n`, {
    mode: 0o600,
  });
  renameSync(temporary, marker);
}
