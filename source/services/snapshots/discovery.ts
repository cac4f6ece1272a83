/**
 * Discovery: record snapshots that are on disk but not in the catalogue (a catalogue rebuilt
 * from scratch, or a run killed between its rename and its INSERT). It only adds records;
 * directories it does not understand are reported and left alone.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, HostSchema, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { UserError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { type DumpCommand, SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from '../../domain/types.js';
import { validateAddress, validateDumps, validateExcludes, validateHostName, validateSources } from '../../domain/validation.js';
import { BACKUP_ROOT_MARKER, isProtectedOnDisk, type ScanProblem, scanHostDir, snapshotDir } from '../../engine/snapshot-store.js';
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
  problems: ScanProblem[];
}

export async function discoverSnapshots(app: App, options: { host?: string | undefined } = {}): Promise<DiscoveryReport> {
  const em = app.catalogue.em();
  const backupRoot = requireBackupRoot(await loadSettings(em));
  const hosts =
    options.host === undefined ? await em.find(HostSchema, {}, { orderBy: { name: 'asc' } }) : [await findHost(em, options.host)];
  const report: DiscoveryReport = { backupRoot, recorded: [], known: 0, problems: [] };
  for (const host of hosts) {
    const found = await discoverHost(em, backupRoot, host);
    report.recorded.push(...found.recorded);
    report.known += found.known;
    report.problems.push(...found.problems);
  }
  if (options.host === undefined) report.problems.push(...(await unknownHostDirs(backupRoot, hosts)));
  return report;
}

/** Records the host's unrecorded snapshots, each linked to its base when meta.json names one. */
export async function discoverHost(
  em: EntityManager,
  backupRoot: string,
  host: Host,
): Promise<{ recorded: SnapshotView[]; known: number; problems: ScanProblem[] }> {
  const deletions = await finishInterruptedDeletions(em, backupRoot, host);
  const { snapshots, problems } = await scanHostDir(backupRoot, host.name);
  for (const { name, reason } of deletions.failed)
    problems.push({ path: snapshotDir(backupRoot, host.name, name), reason: `an interrupted deletion could not be finished: ${reason}` });
  const existing = await em.find(SnapshotRecordSchema, { host: host.id });
  const byName = new Map(existing.map((record) => [record.name, record]));
  const created: { record: SnapshotRecord; base: string | null }[] = [];
  let known = 0;
  for (const { name, path, meta } of snapshots) {
    if (byName.has(name)) {
      known += 1;
      continue;
    }
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
    problems,
  };
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
 * disabled, with the sources, excludes and dump commands its newest snapshot's meta.json names
 * (its address is its name, a guess; user root, port 22), and every snapshot is recorded. The
 * catalogue must have no hosts: this never merges into one that has.
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
  const report: RebuildReport = { backupRoot, hosts: [], recorded: [], known: 0, problems: [] };
  const entries = (await readdir(backupRoot, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const created: Host[] = [];
  for (const entry of entries) {
    if (entry.name === BACKUP_ROOT_MARKER || entry.name.startsWith('.')) continue;
    const path = join(backupRoot, entry.name);
    const problem = (reason: string) => report.problems.push({ path, reason });
    if (!entry.isDirectory()) {
      problem('not a host directory');
      continue;
    }
    let name: string;
    try {
      name = validateAddress(validateHostName(entry.name));
    } catch {
      problem('not a host name pobsync would give: no host recreated for it');
      continue;
    }
    const scanned = await scanHostDir(backupRoot, name);
    const newest = scanned.snapshots.filter((snapshot) => snapshot.meta.kind !== 'safety').at(-1) ?? scanned.snapshots.at(-1);
    if (!newest) {
      problem('no snapshot with a readable meta.json: no host recreated for it');
      continue;
    }
    const from = (what: string) => `${what} of ${newest.path}/meta.json`;
    let sources: string[];
    try {
      sources = validateSources(Array.isArray(newest.meta.sources) ? newest.meta.sources : []);
    } catch (error) {
      problem(`${from('the sources')} are not usable (${error instanceof Error ? error.message : String(error)}): no host recreated`);
      continue;
    }
    const excludes = tryOr(() => validateExcludes(Array.isArray(newest.meta.excludes) ? newest.meta.excludes : []), []);
    const commands = (Array.isArray(newest.meta.dumpCommands) ? newest.meta.dumpCommands : []).filter(
      (dump) => typeof dump?.name === 'string' && typeof dump.command === 'string',
    );
    const dumps = tryOr(() => validateDumps(commands.map((dump) => `${dump.name}=${dump.command}`)), []);
    const taken = (newest.meta.dumps ?? []).map((dump) => dump.name).filter((dump) => !dumps.some((known) => known.name === dump));
    if (taken.length > 0) {
      problem(
        `dumps ${taken.join(', ')} are in its snapshots, but ${from('no command')} is given for them: add them with configure-host --dump`,
      );
    }
    const host = em.create(HostSchema, {
      name,
      address: name,
      user: 'root',
      port: 22,
      sources,
      excludes,
      rsyncArgs: [],
      dumps,
      enabled: false,
    });
    created.push(host);
    report.hosts.push({ name, address: name, sources, excludes, dumps, from: newest.name });
  }
  await em.flush();
  for (const host of created) {
    const found = await discoverHost(em, backupRoot, host);
    report.recorded.push(...found.recorded);
    report.known += found.known;
    report.problems.push(...found.problems);
  }
  return report;
}

function tryOr<T>(check: () => T, fallback: T): T {
  try {
    return check();
  } catch {
    return fallback;
  }
}

async function unknownHostDirs(backupRoot: string, hosts: Host[]): Promise<ScanProblem[]> {
  const names = new Set([...hosts.map((host) => host.name), BACKUP_ROOT_MARKER]);
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
