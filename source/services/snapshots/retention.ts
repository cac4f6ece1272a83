/**
 * Retention for one host: the policy (the host's own, or the global default), the plan the
 * planner makes of the catalogue's snapshots, saving a policy, and applying a plan through the
 * one deletion path (services/deletion.ts).
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { UserError } from '../../domain/errors.js';
import {
  DEFAULT_POLICY,
  isPolicyOff,
  type PlanInput,
  type PolicyInput,
  type RetentionPolicy,
  validatePolicy,
} from '../../domain/retention.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { loadSettings } from '../settings.js';
import { finishInterruptedDeletions, removeSnapshot } from './deletion.js';
import { type PolicySource, planRetentionOf, policyOf, type RetentionView, removalsOf, viewOf } from './retention-plan.js';

export {
  type PolicySource,
  policyOf,
  previewRetention,
  type RetentionEntryView,
  type RetentionView,
  whyOf,
} from './retention-plan.js';

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

/** The records of the given snapshots, for the few that are deleted. */
async function records(em: EntityManager, snapshots: readonly PlanInput[]): Promise<SnapshotRecord[]> {
  const found: SnapshotRecord[] = [];
  for (let offset = 0; offset < snapshots.length; offset += 500) {
    found.push(
      ...(await em.find(SnapshotRecordSchema, { id: { $in: snapshots.slice(offset, offset + 500).map((snapshot) => snapshot.id) } })),
    );
  }
  return found;
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
  const planned = await planRetentionOf(app, hostName, { ...options, deleting: true });
  const view = viewOf(planned);
  const planRemovals = removalsOf(planned);
  const em = app.catalogue.em();
  const host = await findHost(em, view.host);
  const confirmed = options.confirmed ? new Set(options.confirmed) : undefined;
  const removals = confirmed ? planRemovals.filter((snapshot) => confirmed.has(snapshot.name)) : planRemovals;
  const unconfirmed = confirmed ? planRemovals.filter((snapshot) => !confirmed.has(snapshot.name)).map((snapshot) => snapshot.name) : [];
  if (isPolicyOff(view.policy) || removals.length === 0) return { plan: view, deleted: [], leftForLater: 0, unconfirmed };
  await finishInterruptedDeletions(em, planned.backupRoot, host);
  const oldestFirst = [...removals].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.name.localeCompare(b.name));
  const batch = oldestFirst.slice(0, options.maxDelete ?? oldestFirst.length);
  const byId = new Map((await records(em, batch)).map((record) => [record.id, record]));
  const deleted: string[] = [];
  for (const candidate of batch) {
    options.onProgress?.(deleted.length, batch.length, candidate.name);
    const record = byId.get(candidate.id);
    if (!record) continue;
    await removeSnapshot(em, planned.backupRoot, host, record, { inBackground: options.inBackground === true });
    deleted.push(candidate.name);
  }
  options.onProgress?.(deleted.length, batch.length, '');
  return { plan: view, deleted, leftForLater: oldestFirst.length - batch.length, unconfirmed };
}
