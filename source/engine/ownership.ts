/**
 * The directories that hold snapshots must be pobsync's alone: a real directory (never a symlink
 * pobsync would follow), owned by the user pobsync runs as, not writable by group or others.
 * Otherwise another local user could have put a host directory there before pobsync did, or
 * swapped a snapshot for one of their own, and pobsync would back up into it or restore from it
 * as if it were genuine.
 *
 * A directory of ours with too open a mode is repaired (0700, which is what pobsync creates) and
 * the repair is reported; one owned by someone else, or a symlink, is refused.
 */
import { chmod, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OperationError } from '../domain/errors.js';

/** Something a check changed, for the run log or the command's output. */
export type Repair = string;

const OPEN_BITS = 0o077;

/** Checks (and repairs) one directory; returns what it repaired. Absent is fine: pobsync creates it 0700. */
export async function secureDirectory(path: string, what: string): Promise<Repair[]> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw new OperationError(
      `${what} ${path} is a symlink: pobsync does not follow links where it keeps snapshots; replace it with a directory`,
    );
  }
  if (!stats.isDirectory()) throw new OperationError(`${what} ${path} is not a directory`);
  const me = process.geteuid?.() ?? stats.uid;
  if (stats.uid !== me) {
    throw new OperationError(
      `${what} ${path} belongs to uid ${stats.uid}, not to pobsync's user (uid ${me}): another user could have changed what is ` +
        `in it. Check it, then "chown -R ${me} ${path}" (or remove it) and run this again`,
    );
  }
  if ((stats.mode & OPEN_BITS) === 0) return [];
  await chmod(path, 0o700);
  return [
    `${what} ${path} had mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}; it is now 0700, so only pobsync's user can enter it`,
  ];
}

/** The backup root, a host's directory in it, and (if given) one snapshot directory of that host. */
export async function secureSnapshotPath(backupRoot: string, hostDir: string, snapshotDir?: string): Promise<Repair[]> {
  return [
    ...(await secureDirectory(backupRoot, 'the backup root')),
    ...(await secureDirectory(hostDir, 'the host directory')),
    ...(snapshotDir ? await secureDirectory(snapshotDir, 'the snapshot directory') : []),
  ];
}

/** A snapshot directory `<root>/<host>/<name>` and the two directories above it. */
export function secureSnapshotDir(snapshotDir: string): Promise<Repair[]> {
  const hostDir = dirname(snapshotDir);
  return secureSnapshotPath(dirname(hostDir), hostDir, snapshotDir);
}
