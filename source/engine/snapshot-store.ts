/**
 * Snapshots on disk:
 *
 *   <backup_root>/<host>/<name>/meta.json   a finished snapshot, renamed into place in one step
 *   <backup_root>/<host>/<name>/data/...    the files, under their source paths
 *   <backup_root>/<host>/<name>/dumps/NAME  database dumps, each one command's output
 *   <backup_root>/<host>/.incomplete/<x>/   a run in progress or interrupted; the next run resumes it
 *   <backup_root>/<host>/.deleting/<name>/  a snapshot being deleted; never read as a snapshot
 *   <backup_root>/<host>/.importing/<name>/ a tree taken over from rsnapshot, until it is renamed into place
 *   <backup_root>/<host>/.pobsync-former-names  the names the host had before a rename, one a line
 *
 * A directory is a snapshot only once it sits at `<host>/<name>` with its meta.json, and it gets
 * there by rename(2), so no crash can leave a half-written tree looking complete.
 */
import { execFile } from 'node:child_process';
import { constants, type Dirent, existsSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OperationError } from '../domain/errors.js';
import { isSnapshotName, snapshotName } from '../domain/snapshot-name.js';
import { isWithin, pathComponents, type SnapshotPath } from '../domain/snapshot-path.js';
import type { DumpCommand, RsyncStats, SnapshotDump, SnapshotKind, SnapshotOrigin, SnapshotStatus } from '../domain/types.js';
import { BACKUP_ROOT_MARKER } from './backup-root.js';
import { faultPoint } from './fault-points.js';
import { MANIFEST_FILE } from './manifest.js';
import { secureSnapshotPath } from './ownership.js';
import { DELETING_DIR } from './purge.js';

export const INCOMPLETE_DIR = '.incomplete';
export const IMPORTING_DIR = '.importing';
/**
 * A renamed host keeps its published snapshots as they are (meta.json is never rewritten): this
 * file in its directory lists its earlier names, so discovery knows whose they are.
 */
export const FORMER_NAMES_FILE = '.pobsync-former-names';
export const META_FILE = 'meta.json';
/**
 * Beside meta.json while the snapshot is protected: protection lives on disk too, so a catalogue
 * rebuilt from the disk keeps it, and retention never plans to remove a protected snapshot.
 */
export const PROTECTED_FILE = 'protected';
export const DATA_DIR = 'data';
export const DUMPS_DIR = 'dumps';

/** What meta.json holds: enough to understand a snapshot, and to record it again, without the catalogue. */
export interface SnapshotMeta {
  format: 1;
  host: string;
  name: string;
  kind: SnapshotKind;
  status: SnapshotStatus;
  startedAt: string;
  finishedAt: string;
  /** name of the snapshot it was hard-linked against */
  base: string | null;
  sources: string[];
  /** sources that did not exist on the host when it was taken (only a safety snapshot has them) */
  absent?: string[];
  excludes: string[];
  runId: number | null;
  rsyncExitCode: number | null;
  stats: RsyncStats | null;
  /** absent in snapshots made before pobsync took dumps */
  dumps?: SnapshotDump[];
  /** the host's dump commands when it was taken, so a lost catalogue can get them back (absent before) */
  dumpCommands?: DumpCommand[];
  /** where the tree came from when pobsync took it over instead of making it (`rsnapshot:/srv/snap/alpha.0`) */
  importedFrom?: string;
  /** a replica: the peer it was copied from and the snapshot's name there */
  origin?: SnapshotOrigin;
}

export function hostDir(backupRoot: string, host: string): string {
  return join(backupRoot, host);
}

export function snapshotDir(backupRoot: string, host: string, name: string): string {
  return join(backupRoot, host, name);
}

export interface WorkDir {
  /** `<host>/.incomplete/<x>` */
  path: string;
  /** where rsync writes: `<path>/data` */
  dataPath: string;
  /** true when an earlier run left this tree and this run continues it */
  resumed: boolean;
  /** hard links to other snapshots' files that a resumed tree held, unlinked before rsync runs */
  detached: number;
  /** other unfinished trees of this host, left alone */
  leftovers: string[];
}

/**
 * The directory a run writes into: the unfinished tree of an earlier run, or a new one.
 * `resume: false` always starts a new tree (a safety snapshot of a few paths must not pick up,
 * or use up, the unfinished tree of a whole backup). `name`: exactly that tree, resumed when an
 * earlier run left it (a replica keeps the name its snapshot has on the peer).
 */
export async function prepareWorkDir(
  backupRoot: string,
  host: string,
  startedAt: Date,
  options: { resume?: boolean; name?: string } = {},
): Promise<WorkDir> {
  const incomplete = join(hostDir(backupRoot, host), INCOMPLETE_DIR);
  await mkdir(incomplete, { recursive: true, mode: 0o700 });
  const earlier = (await readdir(incomplete, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (options.name !== undefined && !isSnapshotName(options.name)) throw new Error(`${options.name} is not a snapshot name`);
  const resumedName =
    options.name !== undefined ? earlier.find((other) => other === options.name) : options.resume === false ? undefined : earlier.at(-1);
  let name = resumedName ?? options.name ?? snapshotName(startedAt);
  for (let sequence = 2; !resumedName && earlier.includes(name); sequence += 1) name = snapshotName(startedAt, sequence);
  const path = join(incomplete, name);
  const dataPath = join(path, DATA_DIR);
  await mkdir(dataPath, { recursive: true, mode: 0o700 });
  return {
    path,
    dataPath,
    resumed: resumedName !== undefined,
    // The whole tree, not data/ alone: a replica's rsync fills all of it (dumps/, the manifest) against its base.
    detached: resumedName !== undefined ? await detachSharedInodes(path) : 0,
    leftovers: earlier.filter((other) => other !== name).map((other) => join(incomplete, other)),
  };
}

/**
 * An interrupted run leaves hard links to its base in the unfinished tree (--link-dest made them).
 * Resumed as they are, rsync would fix a changed mode, owner, ACL or xattr on such a file in place:
 * on the one inode every earlier snapshot shares, rewriting history. So before rsync runs again,
 * every entry that is not a directory and has more than one link is unlinked: rsync then links it
 * afresh when it is unchanged, or copies it. What the interrupted run copied itself (one link each,
 * rsync's partial files among them) stays: that is what resuming saves. Symlinks are never followed.
 */
export async function detachSharedInodes(dataPath: string): Promise<number> {
  let detached = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if ((await lstat(path)).nlink > 1) {
        await unlink(path);
        detached += 1;
      }
    }
  };
  await walk(dataPath);
  return detached;
}

/**
 * Makes a resumed tree hold only what the current sources cover: an earlier attempt may have
 * copied a source that is no longer configured, and the snapshot must match its meta.json.
 * Returns what it removed, as source paths.
 */
export async function pruneToSources(dataPath: string, sources: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string, path: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = path === '/' ? `/${entry.name}` : `${path}/${entry.name}`;
      if (sources.some((source) => isWithin(child, source))) continue;
      if (entry.isDirectory() && sources.some((source) => isWithin(source, child))) await walk(join(dir, entry.name), child);
      else {
        await rm(join(dir, entry.name), { recursive: true, force: true });
        removed.push(child);
      }
    }
  };
  await walk(dataPath, '/');
  return removed;
}

/** Deletes unfinished trees a finished run superseded (they live in `.incomplete/`, never snapshots). */
export async function removeWorkTrees(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (!path.includes(`/${INCOMPLETE_DIR}/`)) throw new Error(`refusing to delete ${path}: not an unfinished tree`);
    await rm(path, { recursive: true, force: true });
  }
}

/**
 * An empty `dumps/` in a work tree: dumps a resumed tree holds from an earlier attempt are
 * stale, and a dump no longer configured must not reach the new snapshot.
 */
export async function prepareDumpDir(work: WorkDir, needed: boolean): Promise<string> {
  const path = join(work.path, DUMPS_DIR);
  await rm(path, { recursive: true, force: true });
  if (needed) await mkdir(path, { mode: 0o700 });
  return path;
}

/**
 * Moves a finished work tree to `<host>/<name>`, where name comes from the run's start time.
 * A name already used on disk or in the catalogue (`isTaken`) gets the next suffix, so two
 * snapshots never collide even when runs end within one second.
 */
export async function finalizeSnapshot(
  work: WorkDir,
  backupRoot: string,
  meta: Omit<SnapshotMeta, 'name' | 'format'>,
  time: Date,
  isTaken: (name: string) => boolean,
): Promise<{ name: string; path: string }> {
  // Every file rsync wrote must be on disk before the rename makes the tree a snapshot: after a
  // power loss, a renamed tree could otherwise hold empty files (delayed allocation).
  await syncFilesystemOf(work.path);
  for (let sequence = 1; sequence < 1000; sequence += 1) {
    const name = snapshotName(time, sequence);
    if (isTaken(name)) continue;
    await writeDurably(join(work.path, META_FILE), `${JSON.stringify({ format: 1, ...meta, name }, null, 2)}\n`);
    faultPoint('after-meta');
    const target = snapshotDir(backupRoot, meta.host, name);
    try {
      await rename(work.path, target);
    } catch (error) {
      // rename(2) refuses to replace a non-empty directory: someone has this name, try the next.
      if (isErrno(error, 'ENOTEMPTY') || isErrno(error, 'EEXIST')) continue;
      throw error;
    }
    await syncDirectory(hostDir(backupRoot, meta.host));
    return { name, path: target };
  }
  throw new Error(`no free snapshot name for ${meta.host} at ${time.toISOString()}`);
}

/** Writes or removes the protection marker of a snapshot, durably (the file and its directory). */
export async function markProtected(snapshotPath: string, value: boolean, time = new Date()): Promise<void> {
  const marker = join(snapshotPath, PROTECTED_FILE);
  if (value) {
    await writeDurably(marker, `${JSON.stringify({ protectedAt: time.toISOString() })}\n`);
  } else {
    await rm(marker, { force: true });
  }
  await syncDirectory(snapshotPath);
}

export function isProtectedOnDisk(snapshotPath: string): boolean {
  return existsSync(join(snapshotPath, PROTECTED_FILE));
}

export async function readMeta(snapshotPath: string): Promise<SnapshotMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(snapshotPath, META_FILE), 'utf8')) as SnapshotMeta;
    return meta && typeof meta === 'object' && typeof meta.name === 'string' ? meta : undefined;
  } catch {
    return undefined;
  }
}

export interface ScannedSnapshot {
  name: string;
  path: string;
  meta: SnapshotMeta;
}

export interface ScanProblem {
  path: string;
  reason: string;
}

/**
 * Every finished snapshot of one host on disk, and what was there that is not one. Directories
 * named in `known` (snapshots the catalogue already records) are only counted: their meta.json
 * was read when they were recorded, and a backup start need not read hundreds again.
 */
export async function scanHostDir(
  backupRoot: string,
  host: string,
  known: ReadonlySet<string> = new Set(),
): Promise<{ snapshots: ScannedSnapshot[]; problems: ScanProblem[]; knownPresent: number }> {
  const dir = hostDir(backupRoot, host);
  const snapshots: ScannedSnapshot[] = [];
  const problems: ScanProblem[] = [];
  let knownPresent = 0;
  let entries: Dirent[];
  try {
    // Snapshots found in a directory someone else controls are not pobsync's to vouch for.
    await secureSnapshotPath(backupRoot, dir);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { snapshots, problems, knownPresent };
    if (error instanceof OperationError) return { snapshots, problems: [{ path: dir, reason: error.message }], knownPresent };
    throw error;
  }
  const me = process.geteuid?.();
  const names = new Set([host, ...(await readFormerNames(backupRoot, host))]);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if ([INCOMPLETE_DIR, DELETING_DIR, IMPORTING_DIR, FORMER_NAMES_FILE].includes(entry.name)) continue;
    if (known.has(entry.name) && entry.isDirectory()) {
      knownPresent += 1;
      continue;
    }
    const path = join(dir, entry.name);
    const owner = (await lstat(path)).uid;
    if (!entry.isDirectory()) {
      problems.push({ path, reason: 'not a directory' });
    } else if (!isSnapshotName(entry.name)) {
      problems.push({ path, reason: 'not a snapshot name' });
    } else if (me !== undefined && owner !== me) {
      problems.push({ path, reason: `it belongs to uid ${owner}, not to pobsync's user (uid ${me}): left alone` });
    } else {
      const meta = await readMeta(path);
      if (!meta) problems.push({ path, reason: 'no readable meta.json' });
      else if (meta.name !== entry.name || !names.has(meta.host))
        problems.push({ path, reason: `meta.json describes ${meta.host}/${meta.name}` });
      else snapshots.push({ name: entry.name, path, meta });
    }
  }
  return { snapshots, problems, knownPresent };
}

/** The names a host had before it was renamed, oldest first. */
export async function readFormerNames(backupRoot: string, host: string): Promise<string[]> {
  try {
    const text = await readFile(join(hostDir(backupRoot, host), FORMER_NAMES_FILE), 'utf8');
    return text
      .split('\n')
      .map((line) => line.split(/\s+/)[0] ?? '')
      .filter((name) => name !== '');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/**
 * Renames a host's directory to the new name in one rename(2), after noting the old name in it
 * (its snapshots' meta.json keep naming it). Returns false when the host has no directory yet.
 * Refuses a target that exists: rename(2) would replace an empty directory without a word.
 */
export async function renameHostDir(backupRoot: string, from: string, to: string, at: Date): Promise<boolean> {
  const source = hostDir(backupRoot, from);
  const target = hostDir(backupRoot, to);
  if (!existsSync(source)) return false;
  if (existsSync(target)) throw new Error(`${target} exists already`);
  const former = join(source, FORMER_NAMES_FILE);
  const earlier = existsSync(former) ? await readFile(former, 'utf8') : '';
  await writeDurably(former, `${earlier}${from} ${at.toISOString()}\n`);
  await rename(source, target);
  await syncDirectory(backupRoot);
  return true;
}

/** Undoes renameHostDir's rename when the catalogue could not follow (the note of the old name stays, harmless). */
export async function renameHostDirBack(backupRoot: string, from: string, to: string): Promise<void> {
  await rename(hostDir(backupRoot, to), hostDir(backupRoot, from));
}

/**
 * What a removed host leaves in its directory once its snapshots are deleted: unfinished trees
 * (.incomplete) and interrupted deletions go; then, if nothing else is in it, the former-names
 * note and the directory. Returns the paths left behind (not pobsync's to delete).
 */
export async function removeHostLeftovers(backupRoot: string, host: string): Promise<{ removed: string[]; left: string[] }> {
  const dir = hostDir(backupRoot, host);
  if (host.includes('/') || host.startsWith('.')) throw new Error(`refusing to clean ${dir}: not a host directory`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { removed: [], left: [] };
    throw error;
  }
  const removed: string[] = [];
  const incomplete = join(dir, INCOMPLETE_DIR);
  if (entries.includes(INCOMPLETE_DIR)) {
    const trees = (await readdir(incomplete)).map((name) => join(incomplete, name));
    await removeWorkTrees(trees);
    await rmdirIfEmpty(incomplete);
    removed.push(...trees);
  }
  if (entries.includes(DELETING_DIR)) {
    await emptyDeletingDir(backupRoot, host);
    await rmdirIfEmpty(join(dir, DELETING_DIR));
  }
  const left = (await readdir(dir)).filter((name) => name !== FORMER_NAMES_FILE).map((name) => join(dir, name));
  if (left.length === 0) {
    await rm(join(dir, FORMER_NAMES_FILE), { force: true });
    await rmdirIfEmpty(dir);
  }
  return { removed, left };
}

async function rmdirIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT') && !isErrno(error, 'ENOTEMPTY')) throw error;
  }
}

/**
 * The snapshot directory `<backup_root>/<host>/<name>` as it may be deleted: a real directory
 * (not a symlink) directly inside the host's directory, after resolving symlinks above it.
 * Undefined when it is already gone; throws when it is something else.
 */
export async function deletableSnapshotDir(backupRoot: string, host: string, name: string): Promise<string | undefined> {
  const path = snapshotDir(backupRoot, host, name);
  if (!isSnapshotName(name) || host.includes('/')) throw new Error(`refusing to delete ${path}: not a snapshot name`);
  let stat: Stats;
  try {
    stat = await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  const root = await realpath(hostDir(backupRoot, host));
  const real = await realpath(path);
  if (stat.isSymbolicLink() || !stat.isDirectory() || real !== join(root, name)) {
    throw new Error(`refusing to delete ${path}: it is not a snapshot directory inside ${root}/`);
  }
  return real;
}

/**
 * The one way a snapshot tree is deleted, by its name (nothing else can be named). The tree is
 * first renamed into `.deleting/`, so a crash in the middle never leaves half a tree under a
 * snapshot's name. A tree that is already gone is fine.
 */
export async function safeDelete(backupRoot: string, host: string, name: string): Promise<void> {
  const doomed = await retireSnapshotDir(backupRoot, host, name);
  if (doomed) await rm(doomed, { recursive: true, force: true });
}

/**
 * The first step of safeDelete: the tree leaves its snapshot name for `.deleting/<name>` in one
 * rename(2). Returns where it is now (for its removal: rm, or engine/purge.ts), or undefined when
 * it was already gone.
 */
export async function retireSnapshotDir(backupRoot: string, host: string, name: string): Promise<string | undefined> {
  const real = await deletableSnapshotDir(backupRoot, host, name);
  if (!real) return undefined;
  const deleting = join(dirname(real), DELETING_DIR);
  const doomed = join(deleting, name);
  await mkdir(deleting, { recursive: true, mode: 0o700 });
  await rm(doomed, { recursive: true, force: true });
  try {
    await rename(real, doomed);
  } catch (error) {
    // Another process (discovery finishing a deletion) moved it first.
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  return doomed;
}

export async function markBackupRoot(backupRoot: string): Promise<void> {
  await mkdir(backupRoot, { recursive: true, mode: 0o700 });
  const marker = join(backupRoot, BACKUP_ROOT_MARKER);
  if (!existsSync(marker)) await writeFile(marker, 'This directory holds pobsync snapshots. Do not delete this file.\n', { mode: 0o600 });
}

export function isMarkedBackupRoot(backupRoot: string): boolean {
  return existsSync(join(backupRoot, BACKUP_ROOT_MARKER));
}

/**
 * Removes what `.deleting/` still holds: deletions a crash cut short. Returns the names it
 * removed. `skip` names trees another removal in this process is busy with.
 */
export async function emptyDeletingDir(backupRoot: string, host: string, skip?: (path: string) => boolean): Promise<string[]> {
  const deleting = join(hostDir(backupRoot, host), DELETING_DIR);
  let names: string[];
  try {
    names = await readdir(deleting);
  } catch {
    return [];
  }
  const removed = names.filter((name) => !skip?.(join(deleting, name)));
  for (const name of removed) await rm(join(deleting, name), { recursive: true, force: true });
  return removed;
}

/** `sync -f` (syncfs(2) of the filesystem `path` is on), started directly: a shell around it cost more than it did. */
async function syncFilesystemOf(path: string): Promise<void> {
  const syncing = new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('sync', ['-f', path], { env: { ...process.env, LC_ALL: 'C.UTF-8' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr: error && !stderr ? error.message : stderr }),
    );
  });
  faultPoint('during-sync');
  const result = await syncing;
  if (result.code !== 0) throw new Error(`sync -f ${path} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
}

/**
 * Writes a new file and renames it over `path`: never through what is there (a tree another
 * server sent could hold a symlink by that name), and never half-written.
 */
async function writeDurably(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  const file = await open(temporary, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/** What a snapshot directory holds at its top, and of which type: what pobsync writes there. */
const SNAPSHOT_TOP: Readonly<Record<string, 'directory' | 'file'>> = {
  [DATA_DIR]: 'directory',
  [DUMPS_DIR]: 'directory',
  [META_FILE]: 'file',
  [MANIFEST_FILE]: 'file',
  [PROTECTED_FILE]: 'file',
};

/**
 * Why a tree that came from elsewhere (a peer server's snapshot) is not shaped like a snapshot:
 * an entry pobsync does not write at its top, or one of another type (a symlink where meta.json
 * belongs would have the next write go outside the tree). Undefined when it is.
 */
export async function unexpectedTopEntry(path: string): Promise<string | undefined> {
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const expected = SNAPSHOT_TOP[entry.name];
    if (expected === undefined) return `${entry.name}: not part of a snapshot`;
    if (expected === 'directory' ? !entry.isDirectory() : !entry.isFile()) return `${entry.name}: not a ${expected}`;
  }
  return undefined;
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Where a path inside a snapshot is, or why it cannot be read there. */
export type Located = { found: true; path: string; stats: Stats } | { found: false; reason: string };

/**
 * Finds `components` (below `root`, one name each) with lstat, one step at a time: a symlink
 * on the way is never followed, so nothing outside the snapshot is ever read. The last
 * component may itself be a symlink; it is then reported as one.
 */
export async function locate(root: string, components: readonly string[]): Promise<Located> {
  const missing: Located = { found: false, reason: 'it is not in the snapshot' };
  const rootStats = await lstatOrUndefined(root);
  if (!rootStats?.isDirectory()) return missing;
  let path = root;
  let stats: Stats = rootStats;
  for (const [index, component] of components.entries()) {
    if (component === '' || component === '.' || component === '..' || component.includes('/')) {
      return { found: false, reason: `"${component}" is not a file name` };
    }
    if (stats.isSymbolicLink()) {
      const shown = `/${components.slice(0, index).join('/')}`;
      return {
        found: false,
        reason: `${shown} is a symlink in the snapshot (to ${await readlink(path)}), and pobsync does not follow links`,
      };
    }
    if (!stats.isDirectory()) return missing;
    path = join(path, component);
    const next = await lstatOrUndefined(path);
    if (!next) return missing;
    stats = next;
  }
  return { found: true, path, stats };
}

/** A source path under the snapshot's data/, or a dump under its dumps/. */
export function locateInSnapshot(snapshotPath: string, path: SnapshotPath): Promise<Located> {
  return path.area === 'dumps'
    ? locate(snapshotPath, [DUMPS_DIR, path.name])
    : locate(join(snapshotPath, DATA_DIR), pathComponents(path.path));
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw error;
  }
}

export interface DirectoryEntry {
  name: string;
  stats: Stats;
  /** where a symlink points, as written in the link */
  linkTarget: string | null;
}

/** The entries of one directory, by lstat: links are described, never followed. */
export async function readDirectory(path: string): Promise<DirectoryEntry[]> {
  const names = (await readdir(path)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const entries: DirectoryEntry[] = [];
  for (const name of names) {
    const entryPath = join(path, name);
    const stats = await lstat(entryPath);
    entries.push({ name, stats, linkTarget: stats.isSymbolicLink() ? await readlink(entryPath) : null });
  }
  return entries;
}
