/**
 * What must hold for any history and any policy, checked over random ones from a seeded PRNG:
 * a failure names the case, and the seed reproduces it.
 */
import { describe, expect, it } from 'vitest';
import {
  isPolicyOff,
  type PlanInput,
  type PlanOptions,
  planRetention,
  type RetentionPlan,
  type RetentionPolicy,
  validatePolicy,
} from '../../source/domain/retention.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { SNAPSHOT_KINDS } from '../../source/domain/types.js';
import { random } from '../helpers/random.js';

const SEED = 424242;
const CASES = 400;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const COUNTS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

interface Case {
  index: number;
  snapshots: PlanInput[];
  policy: RetentionPolicy;
  options: PlanOptions;
}

function randomCase(next: () => number, index: number): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const now = Date.UTC(2026, 0, 1) + Math.floor(next() * 365) * DAY + Math.floor(next() * DAY);
  // Gaps from none (same-second snapshots) to months, so periods are sometimes crowded, sometimes empty.
  const gaps = [0, MINUTE, 20 * MINUTE, HOUR, 6 * HOUR, DAY, 9 * DAY, 40 * DAY, 400 * DAY];
  const length = Math.floor(next() * 60);
  const snapshots: PlanInput[] = [];
  const sequences = new Map<string, number>();
  let time = now - Math.floor(next() * 3 * DAY);
  for (let id = 1; id <= length; id += 1) {
    const startedAt = new Date(Math.floor(time / 1000) * 1000);
    const stamp = snapshotName(startedAt);
    const sequence = (sequences.get(stamp) ?? 0) + 1;
    sequences.set(stamp, sequence);
    snapshots.push({
      id,
      name: snapshotName(startedAt, sequence),
      kind: next() < 0.6 ? 'scheduled' : pick(SNAPSHOT_KINDS),
      status: next() < 0.2 ? 'partial' : 'complete',
      startedAt,
      protected: next() < 0.1,
      uniqueBytes: next() < 0.1 ? null : Math.floor(next() * 1e6),
    });
    time -= Math.floor(next() * 2 * pick(gaps));
  }
  // The planner must not depend on the order it is given.
  snapshots.sort(() => next() - 0.5);
  const count = () => (next() < 0.5 ? 0 : 1 + Math.floor(next() * 6));
  const policy = validatePolicy({
    keepWithin: next() < 0.3 ? `${1 + Math.floor(next() * 10)}${pick(['h', 'd', 'w', 'm', 'y'])}` : null,
    keepLast: count(),
    keepHourly: count(),
    keepDaily: count(),
    keepWeekly: count(),
    keepMonthly: count(),
    keepYearly: count(),
    scope: pick(['scheduled', 'manual', 'all']),
  });
  const activeBases = new Map<number, number>();
  for (const snapshot of snapshots) if (next() < 0.05) activeBases.set(snapshot.id, 100 + snapshot.id);
  return { index, snapshots, policy, options: { now: new Date(now), timeZone: pick(ZONES), activeBases } };
}

const cases: Case[] = (() => {
  const next = random(SEED);
  return Array.from({ length: CASES }, (_, index) => randomCase(next, index));
})();

function kept(plan: RetentionPlan): Set<PlanInput> {
  return new Set(plan.entries.filter((entry) => entry.action === 'keep').map((entry) => entry.snapshot));
}

function label({ index, policy, options }: Case): string {
  return `case ${index} (seed ${SEED}), ${options.timeZone}, ${JSON.stringify(policy)}`;
}

describe('retention plans, for any history and policy', () => {
  it('list every snapshot exactly once, newest first, and add up', () => {
    for (const entry of cases) {
      const plan = planRetention(entry.snapshots, entry.policy, entry.options);
      expect(new Set(plan.entries.map((planned) => planned.snapshot)), label(entry)).toEqual(new Set(entry.snapshots));
      expect(plan.entries).toHaveLength(entry.snapshots.length);
      for (let position = 1; position < plan.entries.length; position += 1) {
        const [newer, older] = [plan.entries[position - 1]!.snapshot, plan.entries[position]!.snapshot];
        const inOrder =
          newer.startedAt > older.startedAt || (newer.startedAt.getTime() === older.startedAt.getTime() && newer.name > older.name);
        expect(inOrder, `${label(entry)}: ${newer.name} before ${older.name}`).toBe(true);
      }
      const removed = plan.entries.filter((planned) => planned.action === 'remove');
      expect(plan.kept + plan.removed).toBe(plan.entries.length);
      expect(plan.removed).toBe(removed.length);
      for (const planned of plan.entries) expect(planned.action === 'keep', label(entry)).toBe(planned.reasons.length > 0);
      // A removal says why: what each rule of the policy did not reach.
      for (const planned of removed) expect(planned.removedBecause?.length ?? 0, label(entry)).toBeGreaterThan(0);
      const sizes = removed.map((planned) => planned.snapshot.uniqueBytes);
      expect(plan.bytesFreed).toBe(
        sizes.every((size) => typeof size === 'number') ? sizes.reduce<number>((sum, size) => sum + size!, 0) : null,
      );
    }
  });

  it('always keep the newest complete snapshot (safety ones aside), protected ones, bases of active runs, and other kinds', () => {
    for (const entry of cases) {
      const plan = planRetention(entry.snapshots, entry.policy, entry.options);
      const newestComplete = plan.entries.find((planned) => planned.snapshot.status === 'complete' && planned.snapshot.kind !== 'safety');
      for (const planned of plan.entries) {
        const { snapshot, action, reasons } = planned;
        const why = `${label(entry)}: ${snapshot.name} ${reasons.join(', ')}`;
        // Replicas are the backups of the server that holds them: the default kind covers them.
        const inScope =
          entry.policy.scope === 'all' ||
          snapshot.kind === entry.policy.scope ||
          (entry.policy.scope === 'scheduled' && snapshot.kind === 'replica');
        if (planned === newestComplete) expect(action, why).toBe('keep');
        if (snapshot.protected) expect(action, why).toBe('keep');
        if (entry.options.activeBases?.has(snapshot.id)) expect(action, why).toBe('keep');
        if (!inScope) expect(reasons, why).toEqual([`out of scope (${snapshot.kind})`]);
        if (inScope && planned === newestComplete) expect(reasons, why).toContain('latest');
      }
    }
  });

  it('remove nothing more when planned again after applying the plan, and give the same reasons', () => {
    for (const entry of cases) {
      const plan = planRetention(entry.snapshots, entry.policy, entry.options);
      const survivors = [...kept(plan)];
      const again = planRetention(survivors, entry.policy, entry.options);
      expect(again.removed, label(entry)).toBe(0);
      const before = new Map(plan.entries.map((planned) => [planned.snapshot, planned.reasons]));
      for (const planned of again.entries)
        expect(planned.reasons, `${label(entry)}: ${planned.snapshot.name}`).toEqual(before.get(planned.snapshot));
    }
  });

  it('never remove a snapshot it kept when any one count is raised or keep-within lengthened', () => {
    let compared = 0;
    for (const entry of cases) {
      // The one exception, by design: from no rule at all ("no policy" keeps everything) to one rule.
      if (isPolicyOff(entry.policy)) continue;
      const before = kept(planRetention(entry.snapshots, entry.policy, entry.options));
      const raised: RetentionPolicy[] = COUNTS.map((field) => ({ ...entry.policy, [field]: entry.policy[field] + 1 + (entry.index % 3) }));
      const within = entry.policy.keepWithin;
      raised.push({
        ...entry.policy,
        keepWithin: within === null ? `${1 + (entry.index % 5)}d` : `${Number(within.slice(0, -1)) * 2}${within.at(-1)}`,
      });
      for (const policy of raised) {
        const after = kept(planRetention(entry.snapshots, policy, entry.options));
        for (const snapshot of before)
          expect(after.has(snapshot), `${label(entry)} -> ${JSON.stringify(policy)}: ${snapshot.name}`).toBe(true);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(CASES * 6);
  });

  it('are made of cases that exercise every rule, guard and kind of reason', () => {
    const reasons = new Set(
      cases.flatMap((entry) =>
        planRetention(entry.snapshots, entry.policy, entry.options).entries.flatMap((planned) =>
          planned.reasons.map((reason) => reason.replace(/ #\d+$| \d+\w$| \(\w+\)$/, '')),
        ),
      ),
    );
    expect([...reasons].sort()).toEqual(
      [
        'base of run',
        'daily',
        'daily [oldest]',
        'hourly',
        'last',
        'latest',
        'monthly',
        'monthly [oldest]',
        'no policy',
        'out of scope',
        'protected',
        'weekly',
        'weekly [oldest]',
        'within',
        'yearly',
        'yearly [oldest]',
        'hourly [oldest]',
      ].sort(),
    );
    expect(cases.filter((entry) => planRetention(entry.snapshots, entry.policy, entry.options).removed > 0).length).toBeGreaterThan(
      CASES / 3,
    );
  });
});
