/**
 * What the fault suite checks after every fault: the published snapshots are exactly as they
 * were (every inode's content, mode, owner and mtime), and a new snapshot equals its source.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry of every published snapshot of a host (not `.incomplete/`, `.deleting/`), by path:
 * its inode, type, mode, owner, size, mtime, and the hash of its content or its link target.
 */
export function snapshotHistory(hostDir: string): Map<string, string> {
  const history = new Map<string, string>();
  if (!existsSync(hostDir)) return history;
  const walk = (dir: string, shown: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const content = stat.isFile()
        ? createHash('sha256').update(readFileSync(path)).digest('hex')
        : stat.isSymbolicLink()
          ? `-> ${readlinkSync(path)}`
          : '';
      // Directories' mtimes move when a protected marker comes and goes: their entries are what count.
      const times = stat.isDirectory() ? '' : ` ${stat.mtimeMs}`;
      history.set(`${shown}/${name}`, `${stat.ino} ${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ${stat.size}${times} ${content}`);
      if (stat.isDirectory()) walk(path, `${shown}/${name}`);
    }
  };
  for (const name of readdirSync(hostDir).sort()) {
    if (name.startsWith('.')) continue;
    walk(join(hostDir, name, 'data'), name);
    if (existsSync(join(hostDir, name, 'dumps'))) walk(join(hostDir, name, 'dumps'), `${name}/dumps`);
  }
  return history;
}

/** The entries of `before` that are gone or differ in `after`: empty when history is intact. */
export function changedHistory(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, entry] of before) {
    const now = after.get(path);
    if (now !== entry) changed.push(`${path}: ${entry} -> ${now ?? '(gone)'}`);
  }
  return changed;
}

/**
 * What rsync would change to make `copy` equal `source`, compared by content (-c), with owners,
 * modes, times, hard links, ACLs and xattrs: empty when the copy is exact.
 */
export function differences(source: string, copy: string): string[] {
  const output = execFileSync('rsync', ['-anciHAX', '--numeric-ids', '--delete', `${source}/`, `${copy}/`], { encoding: 'utf8' });
  return output.split('\n').filter((line) => line.trim() !== '' && !/^\.d\.\.t\.\.\.\.\.\. \.\/$/.test(line));
}
