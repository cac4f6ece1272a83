/**
 * `import rsnapshot`: an rsnapshot configuration becomes pobsync hosts (applied as `config
 * apply` applies a file: the same validators, one transaction), with a schedule and retention
 * suggestion; and, with `snapshots`, rsnapshot's trees (`<snapshot_root>/<level>.<N>/`) become
 * snapshots of those hosts. A tree is moved, never copied: each backup point's directory is
 * renamed into `<backup_root>/<host>/<name>/data/<source path>`, so the files keep their inodes
 * and the next pobsync backup hard-links against the newest tree.
 */
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readFile, rename, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HostSchema, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import type { ConfigEntry, ConfigPath, ConfigSource } from '../../domain/config-document.js';
import { OperationError, UserError } from '../../domain/errors.js';
import {
  type ConfLine,
  filesToRead,
  type RsnapshotHost,
  type RsnapshotIssue,
  type RsnapshotTranslation,
  rsnapshotCrontab,
  type ScheduleSuggestion,
  splitRsnapshotConf,
  suggestSchedule,
  translateRsnapshot,
} from '../../domain/rsnapshot-conf.js';
import { snapshotName } from '../../domain/snapshot-name.js';
import { isWithin, pathComponents } from '../../domain/snapshot-path.js';
import { DATA_DIR, hostDir, IMPORTING_DIR, META_FILE, type SnapshotMeta, snapshotDir } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { discoverHost } from '../snapshots/discovery.js';
import { applyConfig, type ConfigDiff } from './apply.js';

/** Where rsnapshot's cron jobs usually are: read for the schedule suggestion when readable. */
const CRONTABS = ['/etc/cron.d/rsnapshot', '/etc/crontab'];

export interface RsnapshotTree {
  /** `alpha.0` */
  tree: string;
  host: string;
  /** the pobsync snapshot it becomes */
  name: string;
  startedAt: string;
  sources: string[];
  /** where it is now (after the import: the snapshot's directory) */
  path: string;
}

export interface RsnapshotImport {
  config: string;
  /** every file read: the config, its include_conf files, exclude files, scripts */
  files: string[];
  hosts: RsnapshotHost[];
  /** hosts of the config that pobsync has already: left as they are */
  existingHosts: string[];
  diff: ConfigDiff;
  snapshots: RsnapshotTree[];
  /** what had no pobsync equivalent, and why */
  untranslated: RsnapshotIssue[];
  notes: string[];
  suggestion: (ScheduleSuggestion & { commands: string[] }) | null;
  applied: boolean;
}

export async function importRsnapshot(
  app: App,
  configPath: string,
  options: { dryRun?: boolean | undefined; snapshots?: boolean | undefined } = {},
): Promise<RsnapshotImport> {
  const config = resolve(configPath);
  const read = await readRsnapshotConf(config);
  const texts = new Map<string, string | null>();
  for (const file of filesToRead(read.lines)) {
    texts.set(file, await readFile(file, 'utf8').catch(() => null));
    if (texts.get(file) !== null) read.files.push(file);
  }
  const translation = translateRsnapshot(read.lines, texts);
  const untranslated = [...read.issues, ...translation.untranslated];
  const em = app.catalogue.em();
  const existing = new Set((await em.find(HostSchema, {}, { fields: ['name'] })).map((host) => host.name));
  const existingHosts = translation.hosts.filter((host) => existing.has(host.name)).map((host) => host.name);
  const notes = [...translation.notes, ...existingHosts.map((name) => `host ${name} exists already: its settings are left as they are`)];

  // Everything is checked before anything changes: the trees can be taken over, the hosts are valid.
  const plan = options.snapshots ? await planTakeover(app, translation) : { trees: [], left: [] };
  notes.push(...plan.left);
  if (translation.scriptDests.length > 0) {
    notes.push(`what backup_script wrote (${translation.scriptDests.map((dest) => `${dest}/`).join(', ')}) stays in rsnapshot's trees`);
  }
  const outcome = await applyConfig(app, hostsSource(config, translation, existing), { dryRun: options.dryRun });
  // The other hosts of the catalogue have nothing to do with this configuration.
  outcome.diff.notInFile = [];

  const crontab = new Map<string, string>();
  for (const file of CRONTABS) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const [level, cron] of rsnapshotCrontab(text, config)) crontab.set(level, cron);
  }
  const suggested = suggestSchedule(translation.intervals, crontab);
  const suggestion = suggested && {
    ...suggested,
    commands: [
      ...translation.hosts.map((host) => `pobsync schedule ${host.name} --cron "${suggested.cron}"`),
      `pobsync retention --global ${suggested.retentionFlags.join(' ')} --save`,
    ],
  };

  const result: RsnapshotImport = {
    config,
    files: read.files,
    hosts: translation.hosts,
    existingHosts,
    diff: outcome.diff,
    snapshots: plan.trees,
    untranslated,
    notes,
    suggestion,
    applied: outcome.applied,
  };
  if (options.dryRun || !options.snapshots) return result;
  await takeOver(app, plan.trees, translation);
  return result;
}

/** The configuration with its include_conf files read in place, recursively (a loop is refused). */
async function readRsnapshotConf(
  file: string,
  seen: string[] = [],
): Promise<{ lines: ConfLine[]; issues: RsnapshotIssue[]; files: string[] }> {
  if (seen.includes(file)) throw new UserError(`${seen.at(-1)}: include_conf includes ${file} again (a loop)`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const where = seen.length > 0 ? `${seen.at(-1)}: include_conf ` : '';
    throw new UserError(`${where}cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const split = splitRsnapshotConf(text, file);
  const result = { lines: [] as ConfLine[], issues: split.issues, files: [file] };
  for (const line of split.lines) {
    if (line.fields[0] !== 'include_conf') {
      result.lines.push(line);
      continue;
    }
    const value = line.fields[1]!.trim();
    if (value.startsWith('`')) {
      result.issues.push({ where: line.where, text: value, reason: 'pobsync does not run commands to read its configuration' });
      continue;
    }
    const included = await readRsnapshotConf(resolve(dirname(file), value), [...seen, file]);
    result.lines.push(...included.lines);
    result.issues.push(...included.issues);
    result.files.push(...included.files);
  }
  return result;
}

/** The new hosts as a document's hosts section; messages point at their first backup line. */
function hostsSource(config: string, translation: RsnapshotTranslation, existing: ReadonlySet<string>): ConfigSource {
  const hosts: Record<string, ConfigEntry> = {};
  const places = new Map<string, string>();
  for (const host of translation.hosts) {
    if (existing.has(host.name)) continue;
    places.set(host.name, host.where);
    hosts[host.name] = {
      address: host.address,
      user: host.user,
      port: host.port,
      sources: host.sources,
      excludes: host.excludes,
      rsync_args: host.rsyncArgs,
      dumps: host.dumps,
    };
  }
  return {
    sections: { hosts },
    locate: (path: ConfigPath) => `${places.get(path[1] ?? '') ?? config}: host ${path[1] ?? ''}${path[2] ? ` ${path[2]}` : ''}`,
  };
}

interface Takeover {
  trees: RsnapshotTree[];
  /** what stays in rsnapshot's root, for the admin */
  left: string[];
}

/** Which trees become which snapshots. Refuses (nothing changed) what cannot be done by rename alone. */
async function planTakeover(app: App, translation: RsnapshotTranslation): Promise<Takeover> {
  const root = translation.snapshotRoot;
  if (!root) throw new UserError('the configuration has no snapshot_root: --snapshots needs it to find the trees');
  const em = app.catalogue.em();
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const [rootStat, backupStat] = await Promise.all([stat(root).catch(() => undefined), stat(backupRoot)]);
  if (!rootStat?.isDirectory()) throw new UserError(`snapshot_root ${root} is not a directory`);
  if (rootStat.dev !== backupStat.dev) {
    throw new UserError(
      `snapshot_root ${root} is on another filesystem than the backup root ${backupRoot}: pobsync takes trees over by renaming ` +
        'them and never copies their data; make the backup root a directory on that filesystem, or import without --snapshots',
    );
  }
  for (const host of translation.hosts) {
    const dests = host.points.filter((point) => !point.relative).map((point) => point.dest);
    if (new Set(dests).size < dests.length) {
      throw new UserError(
        `host ${host.name}: backup points without --relative share a destination, so their trees cannot be told apart: ` +
          'import without --snapshots',
      );
    }
  }
  const entries = await readdir(root, { withFileTypes: true });
  const levels = translation.intervals.map((interval) => interval.name);
  const trees = entries
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const match = /^(.+)\.(\d+)$/.exec(entry.name);
      const level = match ? levels.indexOf(match[1]!) : -1;
      return match && level >= 0 ? [{ tree: entry.name, level, number: Number(match[2]) }] : [];
    });
  const left = entries
    .filter((entry) => !trees.some((tree) => tree.tree === entry.name))
    .map((entry) => `left in place: ${join(root, entry.name)} (not a tree of a retain level)`);

  // Oldest first: by the time rsnapshot touched each tree, then by its place in the rotation.
  const timed = await Promise.all(trees.map(async (tree) => ({ ...tree, mtime: (await stat(join(root, tree.tree))).mtimeMs })));
  timed.sort((a, b) => a.mtime - b.mtime || b.level - a.level || b.number - a.number);
  const planned: RsnapshotTree[] = [];
  for (const host of translation.hosts) {
    const taken = new Set(
      (await em.find(SnapshotRecordSchema, { host: { name: host.name } }, { fields: ['name'] })).map((record) => record.name),
    );
    for (const tree of timed) {
      const sources = [];
      for (const point of host.points) if (existsSync(pointPath(root, tree.tree, point))) sources.push(point.source);
      if (sources.length === 0) continue;
      const time = new Date(Math.floor(tree.mtime));
      let name = snapshotName(time);
      for (let sequence = 2; taken.has(name) || existsSync(snapshotDir(backupRoot, host.name, name)); sequence += 1) {
        name = snapshotName(time, sequence);
      }
      taken.add(name);
      planned.push({
        tree: tree.tree,
        host: host.name,
        name,
        startedAt: time.toISOString(),
        sources: [...new Set(sources)],
        path: join(root, tree.tree),
      });
    }
  }
  return { trees: planned, left };
}

/** Where a backup point's files are in a tree: `<tree>/<dest>/<source>` with --relative, else `<tree>/<dest>`. */
function pointPath(root: string, tree: string, point: RsnapshotHost['points'][number]): string {
  return point.relative ? join(root, tree, point.dest, ...pathComponents(point.source)) : join(root, tree, point.dest);
}

/**
 * Moves each planned tree into place: the backup points' directories are renamed into a
 * staging tree (`<host>/.importing/<name>/data/...`), meta.json is written, and the staging
 * tree is renamed to `<host>/<name>` in one step and recorded. A failure puts back what the
 * current tree had moved and stops; trees already done stay done.
 */
async function takeOver(app: App, trees: readonly RsnapshotTree[], translation: RsnapshotTranslation): Promise<void> {
  const em = app.catalogue.em();
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const root = translation.snapshotRoot!;
  for (const tree of trees) {
    const host = translation.hosts.find((candidate) => candidate.name === tree.host)!;
    const staging = join(hostDir(backupRoot, host.name), IMPORTING_DIR, tree.name);
    const data = join(staging, DATA_DIR);
    await mkdir(data, { recursive: true, mode: 0o700 });
    const moved: { from: string; to: string }[] = [];
    const implied = new Map<string, string>();
    try {
      // A source inside another source of the host came along with it.
      const points = host.points.filter(
        (point) =>
          tree.sources.includes(point.source) &&
          !host.points.some((other) => other !== point && other.source !== point.source && isWithin(point.source, other.source)),
      );
      for (const point of points) {
        const from = pointPath(root, tree.tree, point);
        const components = pathComponents(point.source);
        const to = join(data, ...components);
        // The directories above a source get the attributes they had in the tree (the host's).
        for (let depth = 0; depth < components.length; depth += 1) {
          const dir = join(data, ...components.slice(0, depth));
          await mkdir(dir, { recursive: true, mode: 0o700 });
          if (point.relative) implied.set(dir, join(root, tree.tree, point.dest, ...components.slice(0, depth)));
        }
        await rename(from, to);
        moved.push({ from, to });
      }
      for (const [dir, original] of [...implied].sort((a, b) => b[0].length - a[0].length)) await copyAttributes(original, dir);
      const meta: SnapshotMeta = {
        format: 1,
        host: host.name,
        name: tree.name,
        kind: 'scheduled',
        status: 'complete',
        startedAt: tree.startedAt,
        finishedAt: tree.startedAt,
        base: null,
        sources: tree.sources,
        excludes: host.excludes,
        runId: null,
        rsyncExitCode: null,
        stats: null,
        dumps: [],
        dumpCommands: host.dumps,
        importedFrom: `rsnapshot:${join(root, tree.tree)}`,
      };
      await writeFile(join(staging, META_FILE), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
      await rename(staging, snapshotDir(backupRoot, host.name, tree.name));
    } catch (error) {
      for (const { from, to } of moved.reverse()) await rename(to, from).catch(() => undefined);
      const reason =
        (error as NodeJS.ErrnoException).code === 'EXDEV' ? 'it is on another filesystem (pobsync never copies)' : String(error);
      throw new OperationError(
        `taking over ${join(root, tree.tree)} for ${host.name} failed: ${reason}; its files are back where they were` +
          `${trees.indexOf(tree) > 0 ? ', and the trees before it are pobsync snapshots now' : ''}`,
      );
    }
    const record = await app.catalogue.em().findOneOrFail(HostSchema, { name: host.name });
    await discoverHost(app.catalogue.em(), backupRoot, record);
    tree.path = snapshotDir(backupRoot, host.name, tree.name);
  }
  for (const host of new Set(trees.map((tree) => tree.host))) {
    await rmdir(join(hostDir(backupRoot, host), IMPORTING_DIR)).catch(() => undefined);
  }
}

async function copyAttributes(from: string, to: string): Promise<void> {
  const source = await lstat(from).catch(() => undefined);
  if (!source?.isDirectory()) return;
  await chmod(to, source.mode & 0o7777);
  await chown(to, source.uid, source.gid).catch(() => undefined);
  await utimes(to, source.atime, source.mtime);
}
