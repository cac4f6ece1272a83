/**
 * A retention plan for one host, read from the catalogue: what a preview shows and an apply
 * (retention.ts) deletes. Kept apart from the apply so that a preview loads no ORM.
 */
import type { Host } from '../../catalogue/entities/index.js';
import { activeRunsOf, type CatalogueReads, planInputs } from '../../catalogue/reads.js';
import {
  DEFAULT_POLICY,
  type PlanInput,
  type PolicyInput,
  planRetention,
  type RetentionPolicy,
  validatePolicy,
} from '../../domain/retention.js';
import type { SnapshotKind, SnapshotStatus } from '../../domain/types.js';
import { serverName } from '../../engine/server-name.js';
import type { ReadApp } from '../app.js';
import { requireHost } from '../hosts/host-view.js';
import { configuredBackupRoot, readSettings, settingsView } from '../settings-view.js';

/** What deleting the trees at `paths` would free, measured on disk (loaded only to measure). */
async function bytesFreed(paths: string[]): Promise<number> {
  const { bytesFreedByDeleting } = await import('../../engine/disk-usage.js');
  return bytesFreedByDeleting(paths);
}

/** Where the policy of a plan came from. */
export type PolicySource = 'host' | 'global' | 'what-if';

export interface RetentionEntryView {
  name: string;
  kind: SnapshotKind;
  status: SnapshotStatus;
  startedAt: string;
  protected: boolean;
  action: 'keep' | 'remove';
  /** why it is kept; empty for a removed one */
  reasons: string[];
  /** a removed one: what each rule of the policy did not reach ("past daily 7", "older than 7d") */
  removedBecause?: string[];
}

/** What a plan's WHY column says: why it is kept, or what the rules did not reach. */
export function whyOf(entry: RetentionEntryView): string[] {
  return entry.action === 'keep' ? entry.reasons : (entry.removedBecause ?? []);
}

export interface RetentionView {
  host: string;
  policy: RetentionPolicy;
  policySource: PolicySource;
  /** where the host's saved policy comes from (a what-if preview starts from it) */
  savedSource?: PolicySource;
  /** the zone whose days, weeks and months the periods are */
  timeZone: string;
  now: string;
  /** every snapshot, newest first */
  entries: RetentionEntryView[];
  kept: number;
  removed: number;
  /** what deleting the removed snapshots frees, when measured (`measure`); else null */
  bytesFreed: number | null;
}

export function policyOf(host: Host, globalPolicy: RetentionPolicy | null | undefined): { policy: RetentionPolicy; source: PolicySource } {
  if (host.retention) return { policy: host.retention, source: 'host' };
  return { policy: globalPolicy ?? DEFAULT_POLICY, source: 'global' };
}

/** The paths of the given snapshots, for the few that are measured. */
async function pathsOf(reads: CatalogueReads, snapshots: readonly PlanInput[]): Promise<string[]> {
  const paths: string[] = [];
  for (let offset = 0; offset < snapshots.length; offset += 500) {
    const ids = snapshots.slice(offset, offset + 500).map((snapshot) => snapshot.id);
    const rows = await reads.execute<{ path: string }[]>(`select path from snapshot where id in (${ids.map(() => '?').join(', ')})`, ids);
    paths.push(...rows.map((row) => row.path));
  }
  return paths;
}

/**
 * Snapshot id -> run id, for snapshots a queued or running run needs: a running run's recorded
 * base (a restore's is the snapshot it reads); for a queued backup, the newest snapshot, which
 * it will link against when it starts (safety snapshots are never a base).
 */
async function activeBases(reads: CatalogueReads, host: Host, snapshots: PlanInput[]): Promise<Map<number, number>> {
  const runs = await activeRunsOf(reads, host.id);
  const newest = snapshots
    .filter((snapshot) => snapshot.kind !== 'safety')
    .reduce<PlanInput | undefined>((best, snapshot) => (!best || snapshot.startedAt > best.startedAt ? snapshot : best), undefined);
  const bases = new Map<number, number>();
  for (const run of runs) {
    // A run that has not picked its base yet will pick the newest.
    const base = run.status === 'running' && run.base_id != null ? run.base_id : newest?.id;
    if (base != null && !bases.has(base)) bases.set(base, run.id);
  }
  return bases;
}

export interface PlanContext {
  backupRoot: string;
  view: RetentionView;
  removals: PlanInput[];
}

/** The plan for a host, with what applying it needs. */
export async function planRetentionOf(
  app: ReadApp,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean; deleting?: boolean },
): Promise<PlanContext> {
  const reads = app.catalogue.reads();
  const host = await requireHost(reads, hostName);
  const config = await readSettings(reads);
  // A preview reads the catalogue only; measuring or deleting needs the backup root mounted.
  const backupRoot =
    options.measure || options.deleting ? (await import('../settings.js')).requireBackupRoot(config) : configuredBackupRoot(config);
  const stored = policyOf(host, config.retention);
  const whatIf = options.whatIf && Object.values(options.whatIf).some((value) => value !== undefined);
  const policy = whatIf ? validatePolicy(options.whatIf!, stored.policy) : stored.policy;
  const timeZone = settingsView(config).timeZone;
  const now = options.now ?? new Date();
  // This server's snapshots: another server's root is not here to measure or delete from.
  const snapshots = await planInputs(reads, host.id, serverName());
  const result = planRetention(snapshots, policy, { now, timeZone, activeBases: await activeBases(reads, host, snapshots) });
  const removals = result.entries.filter((entry) => entry.action === 'remove').map((entry) => entry.snapshot);
  const view: RetentionView = {
    host: host.name,
    policy,
    policySource: whatIf ? 'what-if' : stored.source,
    savedSource: stored.source,
    timeZone,
    now: now.toISOString(),
    entries: result.entries.map(({ snapshot, action, reasons, removedBecause }) => {
      const entry: RetentionEntryView = {
        name: snapshot.name,
        kind: snapshot.kind,
        status: snapshot.status,
        startedAt: snapshot.startedAt.toISOString(),
        protected: snapshot.protected,
        action,
        reasons,
      };
      if (removedBecause) entry.removedBecause = removedBecause;
      return entry;
    }),
    kept: result.kept,
    removed: result.removed,
    bytesFreed: options.measure ? await bytesFreed(await pathsOf(reads, removals)) : null,
  };
  return { backupRoot, view, removals };
}

/** The plan for a host, from the catalogue; `whatIf` overrides the stored policy for this preview only. */
export async function previewRetention(
  app: ReadApp,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean } = {},
): Promise<RetentionView> {
  return (await planRetentionOf(app, hostName, options)).view;
}
