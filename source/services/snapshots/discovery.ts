/**
 * Discovery: record snapshots that are on disk but not in the catalogue (a catalogue rebuilt
 * from scratch, or a run killed between its rename and its INSERT). It only adds records;
 * directories it does not understand are reported and left alone.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, HostSchema, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from '../../domain/types.js';
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

async function unknownHostDirs(backupRoot: string, hosts: Host[]): Promise<ScanProblem[]> {
  const names = new Set([...hosts.map((host) => host.name), BACKUP_ROOT_MARKER]);
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
