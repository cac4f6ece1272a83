/**
 * A retention plan for one host, read from the catalogue: what a preview shows and an apply
 * (retention.ts) deletes. Kept apart from the apply so that a preview loads no ORM.
 */
import type { Host } from '../../catalogue/entities/index.js';
import { activeRunsOf, type CatalogueReads, planInputs } from '../../catalogue/reads.js';
import {
  type ColumnPlan,
  DEFAULT_POLICY,
  nameAt,
  type PlanColumns,
  type PlanInput,
  type PolicyInput,
  planColumns,
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
async function pathsOf(reads: CatalogueReads, ids: readonly number[]): Promise<string[]> {
  const paths: string[] = [];
  for (let offset = 0; offset < ids.length; offset += 500) {
    const slice = ids.slice(offset, offset + 500);
    const rows = await reads.execute<{ path: string }[]>(
      `select path from snapshot where id in (${slice.map(() => '?').join(', ')})`,
      slice,
    );
    paths.push(...rows.map((row) => row.path));
  }
  return paths;
}

/**
 * Snapshot id -> run id, for snapshots a queued or running run needs: a running run's recorded
 * base (a restore's is the snapshot it reads); for a queued backup, the newest snapshot, which
 * it will link against when it starts (safety snapshots are never a base).
 */
async function activeBases(reads: CatalogueReads, host: Host, snapshots: PlanColumns): Promise<Map<number, number>> {
  const runs = await activeRunsOf(reads, host.id);
  let newest: number | undefined;
  for (let index = 0; index < snapshots.length; index += 1) {
    if (snapshots.kinds[index] !== 'safety' && (newest === undefined || snapshots.times[index]! > snapshots.times[newest]!)) newest = index;
  }
  const bases = new Map<number, number>();
  for (const run of runs) {
    // A run that has not picked its base yet will pick the newest.
    const base = run.status === 'running' && run.base_id != null ? run.base_id : newest === undefined ? undefined : snapshots.ids[newest];
    if (base != null && !bases.has(base)) bases.set(base, run.id);
  }
  return bases;
}

/** A plan for a host as the planner made it: its snapshots and decisions as columns, and the view's other fields. */
export interface PlannedRetention {
  backupRoot: string;
  /** the view but its entries */
  summary: Omit<RetentionView, 'entries'>;
  snapshots: PlanColumns;
  plan: ColumnPlan;
}

/** The plan for a host, with what applying it needs. */
export async function planRetentionOf(
  app: ReadApp,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean; deleting?: boolean },
): Promise<PlannedRetention> {
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
  const plan = planColumns(snapshots, policy, { now, timeZone, activeBases: await activeBases(reads, host, snapshots) });
  const summary: PlannedRetention['summary'] = {
    host: host.name,
    policy,
    policySource: whatIf ? 'what-if' : stored.source,
    savedSource: stored.source,
    timeZone,
    now: now.toISOString(),
    kept: plan.kept,
    removed: plan.removed,
    bytesFreed: null,
  };
  const planned = { backupRoot, summary, snapshots, plan };
  if (options.measure)
    summary.bytesFreed = await bytesFreed(
      await pathsOf(
        reads,
        removalsOf(planned).map((removal) => removal.id),
      ),
    );
  return planned;
}

/** The snapshots a plan removes, newest first. */
export function removalsOf({ snapshots, plan }: PlannedRetention): PlanInput[] {
  return plan.order
    .filter((index) => plan.reasons[index] === null)
    .map((index) => ({
      id: snapshots.ids[index]!,
      name: nameAt(snapshots.names, index),
      kind: snapshots.kinds[index]!,
      status: snapshots.statuses[index]!,
      startedAt: new Date(snapshots.times[index]!),
      protected: snapshots.protect[index] === 1,
    }));
}

const NO_REASONS = Object.freeze([]) as unknown as string[];

/** A plan as a view: an entry per snapshot, newest first. */
export function viewOf({ summary, snapshots, plan }: PlannedRetention): RetentionView {
  const { host, policy, policySource, savedSource, timeZone, now, kept, removed, bytesFreed } = summary;
  const entries = plan.order.map((index) => {
    const reasons = plan.reasons[index];
    const entry: RetentionEntryView = {
      name: nameAt(snapshots.names, index),
      kind: snapshots.kinds[index]!,
      status: snapshots.statuses[index]!,
      startedAt: new Date(snapshots.times[index]!).toISOString(),
      protected: snapshots.protect[index] === 1,
      action: reasons ? 'keep' : 'remove',
      // Most of a long history is removed: its entries share one empty list of reasons.
      reasons: reasons ?? NO_REASONS,
    };
    if (!reasons) entry.removedBecause = plan.removedBecause(index);
    return entry;
  });
  return { host, policy, policySource, savedSource, timeZone, now, entries, kept, removed, bytesFreed };
}

/** The plan for a host, from the catalogue; `whatIf` overrides the stored policy for this preview only. */
export async function previewRetention(
  app: ReadApp,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean } = {},
): Promise<RetentionView> {
  return viewOf(await planRetentionOf(app, hostName, options));
}
