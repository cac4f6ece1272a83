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
import { isSnapshotName } from '../../domain/snapshot-name.js';
import { SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from '../../domain/types.js';
import { ARCHIVES_DIR } from '../../engine/archive.js';
import { BACKUP_ROOT_MARKER, readMeta, type ScanProblem, scanHostDir, snapshotDir } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { createHostFromSnapshot, findHost } from '../hosts/hosts.js';
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
  if (options.adopt && options.host === undefined) {
    for (const name of await unknownHostNames(backupRoot, await em.find(HostSchema, {}))) {
      const meta = await newestMeta(backupRoot, name);
      if (meta && (await createHostFromSnapshot(em, name, meta))) createdHosts.push(name);
    }
  }
  const hosts =
    options.host === undefined ? await em.find(HostSchema, {}, { orderBy: { name: 'asc' } }) : [await findHost(em, options.host)];
  const report: DiscoveryReport = { backupRoot, recorded: [], known: 0, missing: [], back: [], createdHosts, problems: [] };
  for (const host of hosts) {
    const found = await discoverHost(em, backupRoot, host);
    report.recorded.push(...found.recorded);
    report.known += found.known;
    report.missing.push(...found.missing);
    report.back.push(...found.back);
    report.problems.push(...found.problems);
  }
  if (options.host === undefined) report.problems.push(...(await unknownHostDirs(backupRoot, hosts)));
  return report;
}

/**
 * Records the host's unrecorded snapshots, each linked to its base when meta.json names one, and
 * marks the records whose directories are gone as missing (clearing the mark of those back).
 */
export async function discoverHost(em: EntityManager, backupRoot: string, host: Host): Promise<HostDiscovery> {
  const deletions = await finishInterruptedDeletions(em, backupRoot, host);
  const { snapshots, problems } = await scanHostDir(backupRoot, host.name);
  for (const { name, reason } of deletions.failed)
    problems.push({ path: snapshotDir(backupRoot, host.name, name), reason: `an interrupted deletion could not be finished: ${reason}` });
  const existing = await em.find(SnapshotRecordSchema, { host: host.id });
  const presence = await reconcilePresence(em, host, existing);
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
      protected: false,
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

/** Directories of the backup root that belong to no configured host (pobsync's own dot-directories aside). */
async function unknownHostNames(backupRoot: string, hosts: Host[]): Promise<string[]> {
  const names = new Set(hosts.map((host) => host.name));
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !names.has(entry.name)).map((entry) => entry.name);
}

/** The meta.json of a host directory's newest snapshot, which says what the host backed up. */
async function newestMeta(backupRoot: string, host: string) {
  const names = (await readdir(snapshotDir(backupRoot, host, '')).catch(() => [] as string[])).filter(isSnapshotName).sort().reverse();
  for (const name of names) {
    const meta = await readMeta(snapshotDir(backupRoot, host, name));
    if (meta?.host === host) return meta;
  }
  return undefined;
}

async function unknownHostDirs(backupRoot: string, hosts: Host[]): Promise<ScanProblem[]> {
  const names = new Set([...hosts.map((host) => host.name), BACKUP_ROOT_MARKER, ARCHIVES_DIR]);
  const entries = await readdir(backupRoot, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => !names.has(entry.name))
    .map((entry) => ({
      path: join(backupRoot, entry.name),
      reason: entry.isDirectory()
        ? `no host named "${entry.name}" is configured; add it with configure-host, then discover again`
        : 'not a host directory',
    }));
}

function validDate(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}
