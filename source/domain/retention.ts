/**
 * The retention planner: which snapshots a policy keeps, and why.
 *
 * It decides as borg 1.2's `prune` does, so an admin who knows borg can predict it and a test
 * can hold it against the real borg. One difference: keep-last counts snapshots, where borg's
 * counts seconds (it is keep-secondly there). pobsync adds guards on top that borg does not need:
 * protected snapshots and other kinds are left out of the rules, the newest complete snapshot is
 * never removed (it is the base of the next backup and the one a restore reaches for), nor is a
 * snapshot a queued or running backup hard-links against.
 *
 * Pure: the caller passes the clock and the time zone; buckets are days, weeks and so on of the
 * wall clock in that zone.
 */
import { normalizeDuration, parseDuration } from './duration.js';
import { UserError } from './errors.js';
import { monthOfDay, wallDay, wallHour, wallWeek, zoneCalendar } from './local-time.js';
import type { SnapshotKind, SnapshotStatus } from './types.js';
import { describe } from './validation.js';

export { parseDuration } from './duration.js';

/**
 * Which snapshot kinds a policy applies to; `all` includes safety snapshots (which only keep-within
 * keeps: they fill no slot of a backup). Replicas (copies of
 * another server's backups) count as scheduled: on the server that holds them, they are its backups.
 */
export const RETENTION_SCOPES = ['scheduled', 'manual', 'all'] as const;
export type RetentionScope = (typeof RETENTION_SCOPES)[number];

export function isInScope(scope: RetentionScope, kind: SnapshotKind): boolean {
  return scope === 'all' || kind === scope || (scope === 'scheduled' && kind === 'replica');
}

export interface RetentionPolicy {
  /** A duration like '36h', '7d', '2w', '6m' or '1y': every snapshot younger than that is kept. null = off. */
  keepWithin: string | null;
  /** How many of the newest snapshots, or of the newest periods, to keep; 0 = off. */
  keepLast: number;
  keepHourly: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  keepYearly: number;
  scope: RetentionScope;
}

export const DEFAULT_POLICY: RetentionPolicy = Object.freeze({
  keepWithin: null,
  keepLast: 0,
  keepHourly: 0,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
  keepYearly: 0,
  scope: 'scheduled',
});

export interface PlanInput {
  id: number;
  name: string;
  kind: SnapshotKind;
  status: SnapshotStatus;
  startedAt: Date;
  protected: boolean;
  /** bytes that only this snapshot holds, when known */
  uniqueBytes?: number | null;
}

/**
 * Snapshots as columns, index i one snapshot: how the catalogue hands over 100,000 of them
 * without an object (and a Date) each, which the planner and the JSON writer read in place.
 */
export interface PlanColumns {
  length: number;
  ids: ArrayLike<number>;
  names: NameColumn;
  kinds: readonly SnapshotKind[];
  statuses: readonly SnapshotStatus[];
  /** startedAt in milliseconds since the epoch */
  times: ArrayLike<number>;
  /** 1 for a protected snapshot */
  protect: ArrayLike<number>;
  uniqueBytes?: readonly (number | null | undefined)[];
}

/**
 * The names: an array, or, as the catalogue hands 100,000 over, one after another in one text,
 * the i-th from `starts[i]` up to `starts[i + 1]` (one string, not 100,000 to make and collect).
 */
export type NameColumn = readonly string[] | NamesInText;

export interface NamesInText {
  text: string;
  /** length + 1 offsets into `text` */
  starts: ArrayLike<number>;
}

export function nameAt(names: NameColumn, index: number): string {
  return 'text' in names ? names.text.slice(names.starts[index], names.starts[index + 1]) : names[index]!;
}

/** The columns of `snapshots`, made in one pass. */
export function columnsOf(snapshots: readonly PlanInput[]): PlanColumns {
  const count = snapshots.length;
  const ids = new Float64Array(count);
  const names = new Array<string>(count);
  const kinds = new Array<SnapshotKind>(count);
  const statuses = new Array<SnapshotStatus>(count);
  const times = new Float64Array(count);
  const protect = new Uint8Array(count);
  const uniqueBytes = new Array<number | null | undefined>(count);
  for (let index = 0; index < count; index += 1) {
    const snapshot = snapshots[index]!;
    ids[index] = snapshot.id;
    names[index] = snapshot.name;
    kinds[index] = snapshot.kind;
    statuses[index] = snapshot.status;
    times[index] = snapshot.startedAt.getTime();
    protect[index] = snapshot.protected ? 1 : 0;
    uniqueBytes[index] = snapshot.uniqueBytes;
  }
  return { length: count, ids, names, kinds, statuses, times, protect, uniqueBytes };
}

export interface PlanOptions {
  now: Date;
  /** IANA name; periods are days, weeks, months of the wall clock there */
  timeZone: string;
  /** snapshot id -> id of a queued or running run that hard-links against it */
  activeBases?: ReadonlyMap<number, number>;
}

export interface PlanEntry<S extends PlanInput = PlanInput> {
  snapshot: S;
  action: 'keep' | 'remove';
  /** why a snapshot is kept, e.g. ['daily #3', 'latest']; empty for a removed one */
  reasons: string[];
  /** why a removed one is not kept: what each rule of the policy did not reach, e.g. ['older than 7d', 'past last 10'] */
  removedBecause?: string[];
}

export interface RetentionPlan<S extends PlanInput = PlanInput> {
  /** every input snapshot exactly once, newest first */
  entries: PlanEntry<S>[];
  kept: number;
  removed: number;
  /** sum of uniqueBytes of removed snapshots; null when any removed one is unknown */
  bytesFreed: number | null;
}

type CountField = 'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly';

interface PeriodRule {
  name: string;
  field: CountField;
  /** the CLI flag, for messages */
  flag: string;
  /**
   * The period of a wall-clock reading: two snapshots in a row with the same one are in the same
   * period. null: every snapshot is a period of its own.
   */
  period: ((wall: number) => number) | null;
  /** the period in words: "not the newest of its day" */
  unit: string;
}

/** borg 1.2's rules in borg's order; each keeps the newest snapshot of its newest periods. */
const PERIOD_RULES: readonly PeriodRule[] = [
  // borg 1.2 makes keep-last a keep-secondly; here each snapshot is its own period, so two
  // snapshots in one second (name suffix -2) count as two.
  { name: 'last', field: 'keepLast', flag: 'keep-last', period: null, unit: 'snapshot' },
  { name: 'hourly', field: 'keepHourly', flag: 'keep-hourly', period: wallHour, unit: 'hour' },
  { name: 'daily', field: 'keepDaily', flag: 'keep-daily', period: wallDay, unit: 'day' },
  { name: 'weekly', field: 'keepWeekly', flag: 'keep-weekly', period: wallWeek, unit: 'week' },
  { name: 'monthly', field: 'keepMonthly', flag: 'keep-monthly', period: (wall) => monthOfDay(wallDay(wall)), unit: 'month' },
  { name: 'yearly', field: 'keepYearly', flag: 'keep-yearly', period: (wall) => Math.floor(monthOfDay(wallDay(wall)) / 12), unit: 'year' },
];

/** One line an admin reads: `daily 7, weekly 4; kinds: scheduled`. */
export function describePolicy(policy: RetentionPolicy): string {
  const rules = [
    policy.keepWithin ? `within ${policy.keepWithin}` : '',
    ...PERIOD_RULES.map((rule) => (policy[rule.field] > 0 ? `${rule.name} ${policy[rule.field]}` : '')),
  ].filter(Boolean);
  return `${rules.length > 0 ? rules.join(', ') : 'no rule (keeps everything)'}; kinds: ${policy.scope}`;
}

export function isPolicyOff(policy: RetentionPolicy): boolean {
  return policy.keepWithin === null && PERIOD_RULES.every((rule) => policy[rule.field] === 0);
}

export interface PolicyInput {
  keepWithin?: unknown;
  keepLast?: unknown;
  keepHourly?: unknown;
  keepDaily?: unknown;
  keepWeekly?: unknown;
  keepMonthly?: unknown;
  keepYearly?: unknown;
  scope?: unknown;
}

/**
 * The fields given in `input` over `base`. Counts may be numbers or digit strings, as CLI flags
 * arrive; null turns a rule off, and so does a keep-within of '' or '0'.
 */
export function validatePolicy(input: PolicyInput, base: RetentionPolicy = DEFAULT_POLICY): RetentionPolicy {
  const policy: RetentionPolicy = { ...base };
  if (input.keepWithin !== undefined) policy.keepWithin = validateKeepWithin(input.keepWithin);
  for (const rule of PERIOD_RULES) {
    const value = input[rule.field];
    if (value !== undefined) policy[rule.field] = validateCount(rule.flag, value);
  }
  if (input.scope !== undefined) {
    if (!RETENTION_SCOPES.includes(input.scope as RetentionScope)) {
      throw new UserError(
        `kind ${describe(input.scope)} is not allowed: use ${RETENTION_SCOPES.slice(0, -1).join(', ')} or ${RETENTION_SCOPES.at(-1)}`,
      );
    }
    policy.scope = input.scope as RetentionScope;
  }
  return policy;
}

function validateKeepWithin(value: unknown): string | null {
  if (value === null || value === '' || value === '0' || value === 0) return null;
  return normalizeDuration(typeof value === 'string' ? value : String(value));
}

function validateCount(flag: string, value: unknown): number {
  if (value === null) return 0;
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new UserError(`${flag} ${describe(value)} is not allowed: use a whole number, or 0 to turn the rule off`);
  }
  return count;
}

const NO_REASONS = Object.freeze([]) as unknown as string[];

/** A plan over columns: decisions by index, without an object per snapshot. */
export interface ColumnPlan {
  /** indexes into the columns, newest first */
  order: readonly number[];
  /** per index: why the snapshot is kept, or null when it is removed */
  reasons: readonly (string[] | null)[];
  /** why a removed snapshot is not kept; the few distinct lists are shared and frozen */
  removedBecause: (index: number) => string[];
  kept: number;
  removed: number;
  /** sum of uniqueBytes of removed snapshots; null when any removed one is unknown */
  bytesFreed: number | null;
}

export function planRetention<S extends PlanInput>(
  snapshots: readonly S[],
  policy: RetentionPolicy,
  options: PlanOptions,
): RetentionPlan<S> {
  const plan = planColumns(columnsOf(snapshots), policy, options);
  const entries = plan.order.map((index): PlanEntry<S> => {
    const snapshot = snapshots[index]!;
    const reasons = plan.reasons[index];
    // Most of a long history is removed: its entries share one empty list of reasons.
    if (!reasons) return { snapshot, action: 'remove', reasons: NO_REASONS, removedBecause: plan.removedBecause(index) };
    return { snapshot, action: 'keep', reasons };
  });
  return { entries, kept: plan.kept, removed: plan.removed, bytesFreed: plan.bytesFreed };
}

/** planRetention over columns: what a listing of 100,000 snapshots plans without an object each. */
export function planColumns(snapshots: PlanColumns, policy: RetentionPolicy, options: PlanOptions): ColumnPlan {
  const checked = validatePolicy(policy);
  const { kinds, protect, statuses, times } = snapshots;
  const order = newestFirst(snapshots);
  const policyOff = isPolicyOff(checked);
  const walked = policyOff ? [] : order.filter((index) => isInScope(checked.scope, kinds[index]!) && protect[index] !== 1);
  // A safety snapshot holds only the paths a restore overwrote, not the host: it never fills a
  // last or period slot a backup would have kept. Only keep-within keeps one (scope all).
  const backups = walked.filter((index) => kinds[index] !== 'safety');
  const { keptBy, missed } = applyRules(backups, times, checked, options);
  const safetyMissed = Object.freeze([
    ...(checked.keepWithin !== null ? [`older than ${checked.keepWithin}`] : []),
    'a safety snapshot: no rule but keep-within keeps one',
  ]) as string[];
  if (backups.length < walked.length && checked.keepWithin !== null) {
    const cutoff = options.now.getTime() - parseDuration(checked.keepWithin) * 1000;
    for (const index of walked) if (kinds[index] === 'safety' && times[index]! > cutoff) keptBy.set(index, `within ${checked.keepWithin}`);
  }

  // Guards come after the rules and never count for them: a snapshot they save from removal
  // does not use up a period, so the plan is the one borg would make, minus some removals.
  // A safety snapshot holds only the paths a restore overwrote: it is never the latest backup.
  const latest = order.find((index) => statuses[index] === 'complete' && kinds[index] !== 'safety');
  let removed = 0;
  let bytesFreed: number | null = 0;
  const reasons = new Array<string[] | null>(snapshots.length).fill(null);
  for (const index of order) {
    const kind = kinds[index]!;
    if (!isInScope(checked.scope, kind)) {
      reasons[index] = [`out of scope (${kind})`];
      continue;
    }
    const isProtected = protect[index] === 1;
    const rule = keptBy.get(index);
    const run = options.activeBases?.get(snapshots.ids[index]!);
    if (!isProtected && !policyOff && rule === undefined && index !== latest && run === undefined) {
      removed += 1;
      const bytes = snapshots.uniqueBytes?.[index];
      bytesFreed = typeof bytes === 'number' && bytesFreed !== null ? bytesFreed + bytes : null;
      continue;
    }
    const why: string[] = [];
    if (isProtected) why.push('protected');
    else if (policyOff) why.push('no policy');
    if (rule !== undefined) why.push(rule);
    if (index === latest) why.push('latest');
    if (run !== undefined) why.push(`base of run #${run}`);
    reasons[index] = why;
  }
  const removedBecause = (index: number) => (kinds[index] === 'safety' ? safetyMissed : missed(index));
  return { order, reasons, removedBecause, kept: snapshots.length - removed, removed, bytesFreed };
}

/** Indexes of snapshots newest first; snapshots started in the same millisecond by name, the later name first. */
function newestFirst({ times, names }: PlanColumns): number[] {
  const indexes = new Array<number>(times.length);
  for (let index = 0; index < times.length; index += 1) indexes[index] = index;
  // The catalogue hands snapshots over in time order, one way or the other: no need to sort then.
  let ascending = true;
  let descending = true;
  for (let index = 1; index < times.length && (ascending || descending); index += 1) {
    if (!(times[index]! > times[index - 1]!)) ascending = false;
    if (!(times[index]! < times[index - 1]!)) descending = false;
  }
  if (ascending) return indexes.reverse();
  if (descending) return indexes;
  return indexes.sort((a, b) => {
    if (times[a] !== times[b]) return times[b]! - times[a]!;
    const nameA = nameAt(names, a);
    const nameB = nameAt(names, b);
    return nameA < nameB ? 1 : nameA > nameB ? -1 : 0;
  });
}

/**
 * borg 1.2's prune_within, then prune_split for each rule, over `walked`: the indexes of the
 * snapshots the rules apply to, newest first. Returns index -> the one rule that keeps it: borg
 * counts a snapshot for one rule at most.
 */
function applyRules(
  walked: readonly number[],
  times: ArrayLike<number>,
  policy: RetentionPolicy,
  options: PlanOptions,
): { keptBy: Map<number, string>; missed: (index: number) => string[] } {
  const keptBy = new Map<number, string>();
  // Per period rule, the position in `walked` where it had kept all it keeps (Infinity: it ran out of snapshots first).
  const reached: { rule: PeriodRule; count: number; stop: number }[] = [];
  let positions: Int32Array | undefined;
  // The few texts a removal can have, made once each and shared (frozen): 100,000 removals share them.
  const texts = new Map<number, string[]>();
  const missed = (index: number): string[] => {
    if (!positions) {
      positions = new Int32Array(times.length).fill(-1);
      for (let position = 0; position < walked.length; position += 1) positions[walked[position]!] = position;
    }
    const position = positions[index]!;
    if (position < 0) return [];
    // Bit r set: past the periods rule r reached.
    let past = 0;
    for (let rule = 0; rule < reached.length; rule += 1) if (position > reached[rule]!.stop) past |= 1 << rule;
    let why = texts.get(past);
    if (!why) {
      why = policy.keepWithin !== null ? [`older than ${policy.keepWithin}`] : [];
      for (const { rule, count, stop } of reached) {
        // Within the periods a rule reached, only the newest of each is kept (or one an earlier rule keeps).
        why.push(position > stop ? `past ${rule.name} ${count}` : `${rule.name}: not the newest of its ${rule.unit}`);
      }
      texts.set(past, Object.freeze(why) as string[]);
    }
    return why;
  };
  if (walked.length === 0) return { keptBy, missed };
  if (policy.keepWithin !== null) {
    const cutoff = options.now.getTime() - parseDuration(policy.keepWithin) * 1000;
    for (const index of walked) {
      if (times[index]! > cutoff) keptBy.set(index, `within ${policy.keepWithin}`);
    }
  }
  // Wall-clock readings as the walks reach them: a walk that stops after three years of a
  // ten-year history never asks the calendar about the seven years before.
  const calendar = zoneCalendar(options.timeZone);
  const walls = new Float64Array(walked.length).fill(NaN);
  const wallAt = (position: number) => {
    if (Number.isNaN(walls[position])) walls[position] = calendar.wallClock(times[walked[position]!]!);
    return walls[position]!;
  };
  for (const rule of PERIOD_RULES) {
    const count = policy[rule.field];
    if (count > 0) reached.push({ rule, count, stop: keepNewestOfPeriods(walked, rule, count, wallAt, keptBy) });
  }
  return { keptBy, missed };
}

/**
 * Walks newest first. A snapshot whose period differs from the one before it is the newest of
 * its period: kept and counted, unless an earlier rule already keeps it, which uses the period
 * up without counting. A rule that runs out of periods before its count keeps the oldest
 * snapshot too, so a young history still reaches back as far as it can.
 */
/** Returns the position where the rule had kept `count` (Infinity when it ran out of snapshots first). */
function keepNewestOfPeriods(
  walked: readonly number[],
  rule: PeriodRule,
  count: number,
  wallAt: (position: number) => number,
  keptBy: Map<number, string>,
): number {
  let previous: number | undefined;
  let kept = 0;
  for (let position = 0; position < walked.length; position += 1) {
    const period = rule.period ? rule.period(wallAt(position)) : position;
    if (period === previous) continue;
    previous = period;
    if (keptBy.has(walked[position]!)) continue;
    kept += 1;
    keptBy.set(walked[position]!, `${rule.name} #${kept}`);
    if (kept === count) return position;
  }
  const oldest = walked[walked.length - 1]!;
  if (!keptBy.has(oldest)) keptBy.set(oldest, `${rule.name} [oldest]`);
  return Number.POSITIVE_INFINITY;
}
