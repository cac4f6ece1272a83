/**
 * Discovery: the catalogue and the disk reconciled. Records snapshots that are on disk but not in
 * the catalogue (a catalogue rebuilt from scratch, a run killed between its rename and its
 * INSERT, a backup root adopted from another catalogue), and marks the records whose directories
 * are gone as missing (and clears the mark when they are back). It never deletes anything;
 * directories it does not understand are reported and left alone.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, HostSchema, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { clearMissing, markMissing } from '../../catalogue/snapshots.js';
import { UserError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { type DumpCommand, SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from '../../domain/types.js';
import { validateAddress, validateDumps, validateExcludes, validateHostName, validateSources } from '../../domain/validation.js';
import { ARCHIVES_DIR, BACKUP_ROOT_MARKER } from '../../engine/backup-root.js';
import { serverName } from '../../engine/server-name.js';
import { isProtectedOnDisk, type ScanProblem, scanHostDir, snapshotDir } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { finishInterruptedDeletions } from './deletion.js';
import { type SnapshotView, snapshotView } from './snapshots.js';

export interface DiscoveryReport {
  backupRoot: string;
  recorded: SnapshotView[];
  /** snapshots on disk that the catalogue already had */
  known: number;
  /** recorded snapshots whose directories are gone, marked missing now */
  missing: SnapshotView[];
  /** snapshots marked missing before whose directories are back */
  back: SnapshotView[];
  /** hosts made (disabled) for snapshots an adopted backup root holds */
  createdHosts: string[];
  problems: ScanProblem[];
}

export interface HostDiscovery {
  recorded: SnapshotView[];
  known: number;
  missing: SnapshotView[];
  back: SnapshotView[];
  problems: ScanProblem[];
}

/**
 * Reconciles every host (or one) with the backup root. With `adopt`, a host directory of a host
 * this catalogue does not know becomes a new, disabled host (from its newest meta.json), and its
 * snapshots are recorded: a backup root taken over from another catalogue.
 */
export async function discoverSnapshots(app: App, options: { host?: string | undefined; adopt?: boolean } = {}): Promise<DiscoveryReport> {
  const em = app.catalogue.em();
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const createdHosts: string[] = [];
  const adoptProblems: ScanProblem[] = [];
  if (options.adopt && options.host === undefined) {
    for (const name of await unknownHostNames(backupRoot, await em.find(HostSchema, {}))) {
      const made = await recreateHost(em, backupRoot, name);
      if ('problem' in made) adoptProblems.push({ path: join(backupRoot, name), reason: made.problem });
      else createdHosts.push(name);
      adoptProblems.push(...(made.notes ?? []).map((reason) => ({ path: join(backupRoot, name), reason })));
    }
    await em.flush();
  }
  const hosts =
    options.host === undefined ? await em.find(HostSchema, {}, { orderBy: { name: 'asc' } }) : [await findHost(em, options.host)];
  const report: DiscoveryReport = { backupRoot, recorded: [], known: 0, missing: [], back: [], createdHosts, problems: adoptProblems };
  for (const host of hosts) {
    const found = await discoverHost(em, backupRoot, host);
    report.recorded.push(...found.recorded);
    report.known += found.known;
    report.missing.push(...found.missing);
    report.back.push(...found.back);
    report.problems.push(...found.problems);
  }
  if (options.host === undefined) {
    // A directory adopting already found wanting is reported once.
    const reported = new Set(report.problems.map((problem) => problem.path));
    report.problems.push(...(await unknownHostDirs(backupRoot, hosts)).filter((problem) => !reported.has(problem.path)));
  }
  return report;
}

/**
 * Records the snapshots of a backup root taken over from another (lost) catalogue. A catalogue
 * without hosts is rebuilt (each host directory a host again, see rebuildCatalogue); one with
 * hosts gets the hosts it lacks.
 */
export async function adoptBackupRoot(app: App): Promise<DiscoveryReport> {
  const hosts = await app.catalogue.em().count(HostSchema, {});
  return hosts === 0 ? rebuildCatalogue(app) : discoverSnapshots(app, { adopt: true });
}

/**
 * Records the host's unrecorded snapshots, each linked to its base when meta.json names one, and
 * marks the records whose directories are gone as missing (clearing the mark of those back).
 */
export async function discoverHost(em: EntityManager, backupRoot: string, host: Host): Promise<HostDiscovery> {
  const deletions = await finishInterruptedDeletions(em, backupRoot, host);
  const existing = await em.find(SnapshotRecordSchema, { host: host.id });
  // Another server's snapshots are on its disk, not missing from this one; its names are its own.
  const self = serverName();
  const held = existing.filter((record) => !record.server || record.server === self);
  const byName = new Map(held.map((record) => [record.name, record]));
  const scanned = await scanHostDir(backupRoot, host.name, new Set(byName.keys()));
  const { snapshots, problems } = scanned;
  for (const { name, reason } of deletions.failed)
    problems.push({ path: snapshotDir(backupRoot, host.name, name), reason: `an interrupted deletion could not be finished: ${reason}` });
  const presence = await reconcilePresence(em, host, held);
  const created: { record: SnapshotRecord; base: string | null }[] = [];
  const known = scanned.knownPresent;
  for (const { name, path, meta } of snapshots) {
    if (
      !SNAPSHOT_KINDS.includes(meta.kind) ||
      !SNAPSHOT_STATUSES.includes(meta.status) ||
      !validDate(meta.startedAt) ||
      !validDate(meta.finishedAt)
    ) {
      problems.push({ path, reason: 'meta.json lacks a valid kind, status or times' });
      continue;
    }
    const record = em.create(SnapshotRecordSchema, {
      host,
      name,
      kind: meta.kind,
      status: meta.status,
      path,
      startedAt: new Date(meta.startedAt),
      finishedAt: new Date(meta.finishedAt),
      stats: meta.stats ?? null,
      protected: isProtectedOnDisk(path),
      dumps: Array.isArray(meta.dumps) ? meta.dumps : [],
      origin: typeof meta.origin?.peer === 'string' && typeof meta.origin.snapshot === 'string' ? meta.origin : null,
      server: self,
    });
    byName.set(name, record);
    created.push({ record, base: meta.base });
  }
  for (const { record, base } of created) {
    if (base) record.base = byName.get(base) ?? null;
  }
  await em.flush();
  return {
    recorded: created.map(({ record }) => snapshotView(record, host.name)),
    known,
    missing: presence.missing,
    back: presence.back,
    problems,
  };
}

/**
 * Marks the records whose directories are gone as missing, and clears the mark of those whose
 * directories are back. A record being deleted is the deletion's business, not this.
 */
export async function reconcilePresence(
  em: EntityManager,
  host: Host,
  records: SnapshotRecord[],
  now = new Date(),
): Promise<{ missing: SnapshotView[]; back: SnapshotView[] }> {
  const live = records.filter((record) => !record.deletingAt);
  const gone = live.filter((record) => !record.missingSince && !existsSync(record.path));
  const back = live.filter((record) => record.missingSince && existsSync(record.path));
  await markMissing(
    em,
    gone.map((record) => record.id),
    now,
  );
  await clearMissing(
    em,
    back.map((record) => record.id),
  );
  for (const record of gone) record.missingSince = now;
  for (const record of back) record.missingSince = null;
  return { missing: gone.map((record) => snapshotView(record, host.name)), back: back.map((record) => snapshotView(record, host.name)) };
}

export interface RebuiltHost {
  name: string;
  /** a guess: the host's name; check it before enabling the host */
  address: string;
  sources: string[];
  excludes: string[];
  dumps: DumpCommand[];
  /** the snapshot whose meta.json these come from */
  from: string;
}

export interface RebuildReport extends DiscoveryReport {
  hosts: RebuiltHost[];
}

/**
 * A lost catalogue, rebuilt from the backup root: each host directory becomes a host again,
 * disabled (see recreateHost), and every snapshot is recorded. The catalogue must have no hosts:
 * this never merges into one that has.
 */
export async function rebuildCatalogue(app: App): Promise<RebuildReport> {
  const em = app.catalogue.em();
  const existing = await em.count(HostSchema, {});
  if (existing > 0) {
    throw new UserError(
      `--rebuild recreates the hosts of an empty catalogue, and this one has ${formatCount(existing, 'host')}: ` +
        'run discover-snapshots without --rebuild to record what is missing',
    );
  }
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const hosts: RebuiltHost[] = [];
  const problems: ScanProblem[] = [];
  const entries = (await readdir(backupRoot, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name === BACKUP_ROOT_MARKER || entry.name.startsWith('.')) continue;
    const path = join(backupRoot, entry.name);
    if (!entry.isDirectory()) {
      problems.push({ path, reason: 'not a host directory' });
      continue;
    }
    const made = await recreateHost(em, backupRoot, entry.name);
    if ('problem' in made) problems.push({ path, reason: made.problem });
    else hosts.push(made.host);
    problems.push(...(made.notes ?? []).map((reason) => ({ path, reason })));
  }
  await em.flush();
  const report = await discoverSnapshots(app);
  const reported = new Set(problems.map((problem) => problem.path));
  return {
    ...report,
    hosts,
    createdHosts: hosts.map((host) => host.name),
    problems: [...problems, ...report.problems.filter((problem) => !reported.has(problem.path))],
  };
}

/**
 * A host made again from its directory in the backup root, disabled, with the sources, excludes
 * and dump commands its newest snapshot's meta.json names; its address is its name (a guess),
 * user root, port 22. Added to `em`, not flushed. Values that do not pass today's checks are left
 * out and said in `notes`; a directory that cannot be a host gives a `problem` instead.
 */
async function recreateHost(
  em: EntityManager,
  backupRoot: string,
  entryName: string,
): Promise<{ host: RebuiltHost; notes?: string[] } | { problem: string; notes?: string[] }> {
  let name: string;
  try {
    name = validateAddress(validateHostName(entryName));
  } catch {
    return { problem: 'not a host name pobsync would give: no host recreated for it' };
  }
  const scanned = await scanHostDir(backupRoot, name);
  const newest = scanned.snapshots.filter((snapshot) => snapshot.meta.kind !== 'safety').at(-1) ?? scanned.snapshots.at(-1);
  if (!newest) return { problem: 'no snapshot with a readable meta.json: no host recreated for it' };
  const from = (what: string) => `${what} of ${newest.path}/meta.json`;
  let sources: string[];
  try {
    const named = Array.isArray(newest.meta.sources) ? newest.meta.sources : [];
    sources = named.length > 0 ? validateSources(named) : [];
  } catch (error) {
    return {
      problem: `${from('the sources')} are not usable (${error instanceof Error ? error.message : String(error)}): no host recreated`,
    };
  }
  const excludes = tryOr(() => validateExcludes(Array.isArray(newest.meta.excludes) ? newest.meta.excludes : []), []);
  const commands = (Array.isArray(newest.meta.dumpCommands) ? newest.meta.dumpCommands : []).filter(
    (dump) => typeof dump?.name === 'string' && typeof dump.command === 'string',
  );
  const dumps = tryOr(() => validateDumps(commands.map((dump) => `${dump.name}=${dump.command}`)), []);
  const untold = (newest.meta.dumps ?? []).map((dump) => dump.name).filter((dump) => !dumps.some((known) => known.name === dump));
  const notes =
    untold.length > 0
      ? [
          `dumps ${untold.join(', ')} are in its snapshots, but ${from('no command')} is given for them: ` +
            'add them with configure-host --dump',
        ]
      : [];
  const server = serverName();
  em.create(HostSchema, { name, address: name, user: 'root', port: 22, sources, excludes, rsyncArgs: [], dumps, enabled: false, server });
  return { host: { name, address: name, sources, excludes, dumps, from: newest.name }, notes };
}

function tryOr<T>(check: () => T, fallback: T): T {
  try {
    return check();
  } catch {
    return fallback;
  }
}

/** Directories of the backup root that belong to no configured host (pobsync's own dot-directories aside). */
async function unknownHostNames(backupRoot: string, hosts: Host[]): Promise<string[]> {
  const names = new Set(hosts.map((host) => host.name));
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !names.has(entry.name)).map((entry) => entry.name);
}

async function unknownHostDirs(backupRoot: string, hosts: Host[]): Promise<ScanProblem[]> {
  const names = new Set([...hosts.map((host) => host.name), BACKUP_ROOT_MARKER, ARCHIVES_DIR]);
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => !names.has(entry.name))
    .map((entry) => ({
      path: join(backupRoot, entry.name),
      reason: entry.isDirectory()
        ? `no host named "${entry.name}" is configured; add it with configure-host, then discover again (or, on an empty ` +
          'catalogue, recreate every host with --rebuild)'
        : 'not a host directory',
    }));
}

function validDate(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}
