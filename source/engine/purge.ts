/**
 * Removing a retired snapshot tree: one already renamed into `<host>/.deleting/`, so no snapshot
 * name points at it any more. A prune after a backup removes its expired trees this way, in the
 * background at idle I/O priority (`ionice -c3`): the run's end and the host's next backup do not
 * wait for thousands of unlinks, and the disk serves running backups first. A crash or a kill
 * leaves the tree in `.deleting/`, where the host's next backup or deletion removes it.
 */
import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * Where a host's retired trees wait for removal. Defined here, not in snapshot-store.ts: every command
 * waits for its purges before it exits, and must not load the store (and zx) for that.
 */
export const DELETING_DIR = '.deleting';

const purging = new Map<string, Promise<void>>();

/**
 * Starts removing `path` (inside a `.deleting/` directory) and returns at once; the promise it
 * keeps never rejects: a tree it could not remove stays in `.deleting/` for the next try.
 */
export function purgeInBackground(path: string): void {
  if (basename(dirname(path)) !== DELETING_DIR) throw new Error(`refusing to purge ${path}: not inside a ${DELETING_DIR} directory`);
  if (purging.has(path)) return;
  const done = removeIdle(path)
    .catch(() => undefined)
    .finally(() => purging.delete(path));
  purging.set(path, done);
}

/** Whether this process is removing `path` now (another removal of it would only compete for the disk). */
export function isPurging(path: string): boolean {
  return purging.has(path);
}

/** Resolves when every removal this process started has ended: a command waits for it before it exits. */
export async function purgesSettled(): Promise<void> {
  while (purging.size > 0) await Promise.all(purging.values());
}

/**
 * `ionice -c3 -t rm -rf --one-file-system -- PATH`: idle class (-t runs rm even where the class
 * cannot be set); Node's own removal where ionice is missing. No shell: the path is one argument.
 */
async function removeIdle(path: string): Promise<void> {
  // Loaded here, not at the top: every command imports this module to wait for its purges, and
  // node:child_process costs a listing's start-up a tenth of node's own.
  const { spawn } = await import('node:child_process');
  const code = await new Promise<number | 'missing'>((resolve) => {
    const child = spawn('ionice', ['-c3', '-t', 'rm', '-rf', '--one-file-system', '--', path], { stdio: 'ignore' });
    child.on('error', () => resolve('missing'));
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code === 'missing') await rm(path, { recursive: true, force: true });
  else if (code !== 0) throw new Error(`rm -rf ${path} exited ${code}`);
}
