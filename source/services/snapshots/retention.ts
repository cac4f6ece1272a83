/**
 * Retention for one host: the policy (the host's own, or the global default), the plan the
 * planner makes of the catalogue's snapshots, saving a policy, and applying a plan through the
 * one deletion path (services/deletion.ts).
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { activeRunsOf } from '../../catalogue/runs.js';
import { planInputs } from '../../catalogue/snapshots.js';
import { UserError } from '../../domain/errors.js';
import {
  DEFAULT_POLICY,
  isPolicyOff,
  type PlanInput,
  type PolicyInput,
  planRetention,
  type RetentionPolicy,
  validatePolicy,
} from '../../domain/retention.js';
import type { SnapshotKind, SnapshotStatus } from '../../domain/types.js';
import { bytesFreedByDeleting } from '../../engine/disk-usage.js';
import { serverName } from '../../engine/server-name.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { configuredBackupRoot, loadSettings, requireBackupRoot, settingsView } from '../settings.js';
import { finishInterruptedDeletions, removeSnapshot } from './deletion.js';

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

/** The records of the given snapshots, for the few that are measured or deleted. */
async function records(em: EntityManager, snapshots: readonly PlanInput[]): Promise<SnapshotRecord[]> {
  const found: SnapshotRecord[] = [];
  for (let offset = 0; offset < snapshots.length; offset += 500) {
    found.push(
      ...(await em.find(SnapshotRecordSchema, { id: { $in: snapshots.slice(offset, offset + 500).map((snapshot) => snapshot.id) } })),
    );
  }
  return found;
}

/**
 * Snapshot id -> run id, for snapshots a queued or running run needs: a running run's recorded
 * base (a restore's is the snapshot it reads); for a queued backup, the newest snapshot, which
 * it will link against when it starts (safety snapshots are never a base).
 */
async function activeBases(em: EntityManager, host: Host, snapshots: PlanInput[]): Promise<Map<number, number>> {
  const runs = await activeRunsOf(em, host.id);
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

interface PlanContext {
  host: Host;
  backupRoot: string;
  view: RetentionView;
  removals: PlanInput[];
}

async function plan(
  app: App,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean; deleting?: boolean },
): Promise<PlanContext & { em: EntityManager }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const config = await loadSettings(em);
  // A preview reads the catalogue only; measuring or deleting needs the backup root mounted.
  const backupRoot = options.measure || options.deleting ? requireBackupRoot(config) : configuredBackupRoot(config);
  const stored = policyOf(host, config.retention);
  const whatIf = options.whatIf && Object.values(options.whatIf).some((value) => value !== undefined);
  const policy = whatIf ? validatePolicy(options.whatIf!, stored.policy) : stored.policy;
  const timeZone = settingsView(config).timeZone;
  const now = options.now ?? new Date();
  const snapshots = await planInputs(em, host.id, serverName());
  const result = planRetention(snapshots, policy, { now, timeZone, activeBases: await activeBases(em, host, snapshots) });
  const removals = result.entries.filter((entry) => entry.action === 'remove').map((entry) => entry.snapshot);
  const view: RetentionView = {
    host: host.name,
    policy,
    policySource: whatIf ? 'what-if' : stored.source,
    savedSource: stored.source,
    timeZone,
    now: now.toISOString(),
    entries: result.entries.map(({ snapshot, action, reasons, removedBecause }) => ({
      name: snapshot.name,
      kind: snapshot.kind,
      status: snapshot.status,
      startedAt: snapshot.startedAt.toISOString(),
      protected: snapshot.protected,
      action,
      reasons,
      ...(removedBecause ? { removedBecause } : {}),
    })),
    kept: result.kept,
    removed: result.removed,
    bytesFreed: options.measure ? await bytesFreedByDeleting((await records(em, removals)).map((snapshot) => snapshot.path)) : null,
  };
  return { em, host, backupRoot, view, removals };
}

/** The plan for a host, from the catalogue; `whatIf` overrides the stored policy for this preview only. */
export async function previewRetention(
  app: App,
  hostName: string | undefined,
  options: { whatIf?: PolicyInput; now?: Date; measure?: boolean } = {},
): Promise<RetentionView> {
  return (await plan(app, hostName, options)).view;
}

export interface PolicyView {
  /** null for the global default */
  host: string | null;
  policy: RetentionPolicy;
  source: PolicySource | 'default';
}

/** The stored policy of a host (or, with hostName null, the global default). */
export async function getPolicy(app: App, hostName: string | null): Promise<PolicyView> {
  const em = app.catalogue.em();
  const config = await loadSettings(em);
  if (hostName === null) return { host: null, policy: config.retention ?? DEFAULT_POLICY, source: config.retention ? 'global' : 'default' };
  const host = await findHost(em, hostName);
  const { policy, source } = policyOf(host, config.retention);
  return { host: host.name, policy, source };
}

/**
 * Stores `changes` over the current policy: on the host (its own from then on), or with
 * hostName null as the global default. `useGlobal` drops the host's own policy instead.
 */
export async function savePolicy(
  app: App,
  hostName: string | null,
  changes: PolicyInput,
  options: { useGlobal?: boolean } = {},
): Promise<PolicyView> {
  const em = app.catalogue.em();
  const config = await loadSettings(em);
  if (hostName === null) {
    if (options.useGlobal) throw new UserError("--use-global is for a host: it drops the host's own policy");
    config.retention = validatePolicy(changes, config.retention ?? DEFAULT_POLICY);
    await em.flush();
    return { host: null, policy: config.retention, source: 'global' };
  }
  const host = await findHost(em, hostName);
  host.retention = options.useGlobal ? null : validatePolicy(changes, policyOf(host, config.retention).policy);
  await em.flush();
  const { policy, source } = policyOf(host, config.retention);
  return { host: host.name, policy, source };
}

export interface ApplyResult {
  plan: RetentionView;
  deleted: string[];
  /** planned removals not deleted because of `maxDelete` */
  leftForLater: number;
  /**
   * Removals of the fresh plan the admin did not confirm (a new policy, an unprotect, a new
   * snapshot since the preview): not deleted, the next apply shows them.
   */
  unconfirmed: string[];
}

/**
 * Deletes what the plan removes, oldest first, at most `maxDelete`. The plan is made again at
 * apply time; with `confirmed` (the removals the admin saw and confirmed), only those it still
 * removes are deleted, never one it now keeps or one nobody saw. Each deletion marks the record,
 * deletes the tree, then the record, so an interrupted apply leaves nothing that looks like a
 * good snapshot; the next apply (or backup) finishes it.
 */
export async function applyRetention(
  app: App,
  hostName: string | undefined,
  options: {
    whatIf?: PolicyInput;
    maxDelete?: number;
    now?: Date;
    measure?: boolean;
    confirmed?: readonly string[];
    onProgress?: (done: number, total: number, name: string) => void;
    /** remove the trees in the background at idle I/O priority (a prune after a backup) */
    inBackground?: boolean;
  } = {},
): Promise<ApplyResult> {
  const context = await plan(app, hostName, { ...options, deleting: true });
  const { em, host, backupRoot, view } = context;
  const confirmed = options.confirmed ? new Set(options.confirmed) : undefined;
  const removals = confirmed ? context.removals.filter((snapshot) => confirmed.has(snapshot.name)) : context.removals;
  const unconfirmed = confirmed
    ? context.removals.filter((snapshot) => !confirmed.has(snapshot.name)).map((snapshot) => snapshot.name)
    : [];
  if (isPolicyOff(view.policy) || removals.length === 0) return { plan: view, deleted: [], leftForLater: 0, unconfirmed };
  await finishInterruptedDeletions(em, backupRoot, host);
  const oldestFirst = [...removals].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.name.localeCompare(b.name));
  const batch = oldestFirst.slice(0, options.maxDelete ?? oldestFirst.length);
  const byId = new Map((await records(em, batch)).map((record) => [record.id, record]));
  const deleted: string[] = [];
  for (const candidate of batch) {
    options.onProgress?.(deleted.length, batch.length, candidate.name);
    const record = byId.get(candidate.id);
    if (!record) continue;
    await removeSnapshot(em, backupRoot, host, record, { inBackground: options.inBackground === true });
    deleted.push(candidate.name);
  }
  options.onProgress?.(deleted.length, batch.length, '');
  return { plan: view, deleted, leftForLater: oldestFirst.length - batch.length, unconfirmed };
}
