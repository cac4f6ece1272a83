/**
 * The retention planner on fixed histories. Each golden file under fixtures/retention/ is the
 * whole plan as an admin would read it, one snapshot a line, with its wall-clock time in the
 * plan's zone; long runs of removed snapshots are cut to their first and last. To accept a
 * changed plan after reading the diff: UPDATE_GOLDEN=1 npx vitest run test/unit/retention.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import { formatTable } from '../../source/domain/format.js';
import { localTime } from '../../source/domain/local-time.js';
import {
  DEFAULT_POLICY,
  isPolicyOff,
  type PlanInput,
  type PlanOptions,
  type PolicyInput,
  parseDuration,
  planRetention,
  RETENTION_SCOPES,
  type RetentionPlan,
  type RetentionPolicy,
  validatePolicy,
} from '../../source/domain/retention.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'retention');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Spec {
  at: string | number;
  kind?: PlanInput['kind'];
  status?: PlanInput['status'];
  protected?: boolean;
  uniqueBytes?: number | null;
}

/** Snapshots with ids in the order given and names as pobsync gives them (a second one in the same second gets -2). */
function history(specs: readonly (Spec | string | number)[]): PlanInput[] {
  const seen = new Map<string, number>();
  return specs.map((input, index) => {
    const spec = typeof input === 'object' ? input : { at: input };
    const startedAt = new Date(spec.at);
    const stamp = snapshotName(startedAt);
    const sequence = (seen.get(stamp) ?? 0) + 1;
    seen.set(stamp, sequence);
    return {
      id: index + 1,
      name: snapshotName(startedAt, sequence),
      kind: spec.kind ?? 'scheduled',
      status: spec.status ?? 'complete',
      startedAt,
      protected: spec.protected ?? false,
      uniqueBytes: spec.uniqueBytes === undefined ? 1000 : spec.uniqueBytes,
    };
  });
}

function every(stepMs: number, from: string, to: string): number[] {
  const times: number[] = [];
  for (let time = Date.parse(from); time <= Date.parse(to); time += stepMs) times.push(time);
  return times;
}

function describePolicy(policy: RetentionPolicy): string {
  const parts = [
    policy.keepWithin !== null ? `keep-within ${policy.keepWithin}` : '',
    ...(['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const).map((field) =>
      policy[field] > 0 ? `${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} ${policy[field]}` : '',
    ),
  ].filter(Boolean);
  return `${parts.join(', ') || 'no rule'}; kind ${policy.scope}`;
}

function wallClock(time: Date, timeZone: string): string {
  const local = localTime(time, timeZone);
  const two = (value: number) => String(value).padStart(2, '0');
  const offset = Math.abs(local.offsetSeconds);
  const sign = local.offsetSeconds < 0 ? '-' : '+';
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][local.weekday - 1];
  return (
    `${day} ${local.year}-${two(local.month)}-${two(local.day)} ${two(local.hour)}:${two(local.minute)} ` +
    `${sign}${two(Math.floor(offset / 3600))}:${two((offset % 3600) / 60)} W${two(local.isoWeek)}`
  );
}

/** The plan as text: a header with the policy, then one line a snapshot, newest first. */
function render(title: string, plan: RetentionPlan, policy: RetentionPolicy, options: PlanOptions): string {
  const flagged = plan.entries.some(
    ({ snapshot }) => snapshot.kind !== 'scheduled' || snapshot.status !== 'complete' || snapshot.protected,
  );
  const rows = plan.entries.map(({ snapshot, action, reasons }) => [
    snapshot.name,
    wallClock(snapshot.startedAt, options.timeZone),
    ...(flagged ? [[snapshot.kind, snapshot.status, snapshot.protected ? 'protected' : ''].filter(Boolean).join(' ')] : []),
    action.toUpperCase(),
    reasons.join(', '),
  ]);
  // Runs of more than four removed snapshots keep their first and last line.
  const action = flagged ? 3 : 2;
  const shown: string[][] = [];
  for (let start = 0; start < rows.length; ) {
    let end = start;
    while (end < rows.length && rows[end]![action] === 'REMOVE') end += 1;
    if (end - start > 4) {
      shown.push(rows[start]!, ['...', '', ...(flagged ? [''] : []), 'REMOVE', `(${end - start - 2} more)`], rows[end - 1]!);
    } else {
      shown.push(...rows.slice(start, end));
    }
    if (end < rows.length) shown.push(rows[end]!);
    start = end + 1;
  }
  const bases = [...(options.activeBases ?? new Map())].map(([snapshot, run]) => `snapshot #${snapshot} is the base of run #${run}`);
  return [
    `# ${title}`,
    `# policy: ${describePolicy(policy)}`,
    `# time zone ${options.timeZone}, now ${options.now.toISOString()}${bases.length > 0 ? `; ${bases.join(', ')}` : ''}`,
    `# kept ${plan.kept}, removed ${plan.removed}, bytes freed ${plan.bytesFreed ?? 'unknown'}`,
    formatTable(['snapshot', 'wall clock', ...(flagged ? ['kind'] : []), 'action', 'reasons'], shown),
    '',
  ].join('\n');
}

function expectGolden(file: string, text: string): void {
  const path = join(FIXTURES, file);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, text);
  expect(existsSync(path), `${path} is missing: write it with UPDATE_GOLDEN=1 and read it before committing`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

interface GoldenCase {
  file: string;
  title: string;
  snapshots: PlanInput[];
  policy: PolicyInput;
  options: PlanOptions;
}

const TYPICAL: PolicyInput = { keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 };

const GOLDEN: GoldenCase[] = [
  {
    file: 'three-years-hourly-berlin.txt',
    title: 'a snapshot every hour for three years, with a typical policy',
    snapshots: history(every(HOUR, '2026-03-29T00:00:00Z', '2029-03-29T11:00:00Z')),
    policy: TYPICAL,
    options: { now: new Date('2029-03-29T11:20:00Z'), timeZone: 'Europe/Berlin' },
  },
  {
    file: 'irregular-gaps.txt',
    title: 'irregular gaps: several an hour, quiet days and weeks, a New Year that comes an hour early in Berlin',
    snapshots: history([
      '2026-11-23T10:40:00Z',
      '2026-11-23T10:15:00Z',
      '2026-11-23T10:00:00Z',
      '2026-11-23T09:05:00Z',
      '2026-11-22T23:55:00Z',
      '2026-11-20T03:00:00Z',
      '2026-11-19T22:00:00Z',
      '2026-11-19T21:00:00Z',
      '2026-11-08T12:00:00Z',
      '2026-10-31T12:00:00Z',
      '2026-10-01T12:00:00Z',
      '2026-06-15T12:00:00Z',
      '2025-12-31T23:59:00Z',
      '2025-07-01T12:00:00Z',
      '2024-02-29T12:00:00Z',
    ]),
    policy: { keepLast: 2, keepHourly: 3, keepDaily: 4, keepWeekly: 3, keepMonthly: 4, keepYearly: 2 },
    options: { now: new Date('2026-11-23T11:00:00Z'), timeZone: 'Europe/Berlin' },
  },
  {
    file: 'dst-europe-berlin.txt',
    title: 'every 30 minutes across both DST changes of 2026 in Berlin (01:00Z on 03-29 and 10-25)',
    snapshots: history([
      ...every(HOUR / 2, '2026-03-28T20:00:00Z', '2026-03-29T04:00:00Z'),
      ...every(HOUR / 2, '2026-10-24T20:00:00Z', '2026-10-25T04:00:00Z'),
    ]),
    policy: { keepHourly: 14, keepDaily: 10 },
    options: { now: new Date('2026-10-25T04:10:00Z'), timeZone: 'Europe/Berlin' },
  },
  {
    file: 'dst-america-new-york.txt',
    title: 'every 30 minutes across both DST changes of 2026 in New York (07:00Z on 03-08, 06:00Z on 11-01)',
    snapshots: history([
      ...every(HOUR / 2, '2026-03-08T02:00:00Z', '2026-03-08T10:00:00Z'),
      ...every(HOUR / 2, '2026-11-01T01:00:00Z', '2026-11-01T09:00:00Z'),
    ]),
    policy: { keepHourly: 14, keepDaily: 10 },
    options: { now: new Date('2026-11-01T09:10:00Z'), timeZone: 'America/New_York' },
  },
  {
    file: 'iso-week-new-year-utc.txt',
    title: 'daily at 23:30Z around New Year 2027: ISO week 2026-53 runs from 2026-12-28 to 2027-01-03',
    snapshots: history(every(DAY, '2026-12-18T23:30:00Z', '2027-01-12T23:30:00Z')),
    policy: { keepWeekly: 5 },
    options: { now: new Date('2027-01-13T00:00:00Z'), timeZone: 'UTC' },
  },
  {
    file: 'iso-week-new-year-berlin.txt',
    title: 'the same snapshots in Berlin, where 23:30Z is already the next day, so each week starts one snapshot earlier',
    snapshots: history(every(DAY, '2026-12-18T23:30:00Z', '2027-01-12T23:30:00Z')),
    policy: { keepWeekly: 5 },
    options: { now: new Date('2027-01-13T00:00:00Z'), timeZone: 'Europe/Berlin' },
  },
  {
    file: 'keep-within.txt',
    title: 'every 6 hours: keep-within keeps what is younger than 2 days, and the days it covers do not count for keep-daily',
    snapshots: history(every(6 * HOUR, '2026-11-13T00:00:00Z', '2026-11-23T12:00:00Z')),
    policy: { keepWithin: '2d', keepDaily: 3 },
    // 2026-11-21T12:00Z is exactly 2 days old: not younger, so not within.
    options: { now: new Date('2026-11-23T12:00:00Z'), timeZone: 'Europe/Berlin' },
  },
  {
    file: 'scope-and-guards.txt',
    title:
      'manual and safety snapshots are out of scope and protected ones are left alone, neither using up a day; ' +
      'the guards save the latest complete and a base',
    snapshots: history([
      { at: '2026-11-23T12:00:00Z', status: 'partial' },
      { at: '2026-11-23T06:00:00Z' },
      { at: '2026-11-23T00:00:00Z', kind: 'safety' },
      { at: '2026-11-22T20:00:00Z', kind: 'manual', status: 'partial' },
      { at: '2026-11-22T18:00:00Z', protected: true },
      { at: '2026-11-22T12:00:00Z', uniqueBytes: 5000 },
      { at: '2026-11-22T06:00:00Z', uniqueBytes: 7000 },
      { at: '2026-11-21T12:00:00Z', kind: 'manual', protected: true },
      { at: '2026-11-20T12:00:00Z' },
      { at: '2026-11-19T12:00:00Z', status: 'partial', uniqueBytes: 300 },
    ]),
    policy: { keepDaily: 2 },
    options: { now: new Date('2026-11-23T12:30:00Z'), timeZone: 'Europe/Berlin', activeBases: new Map([[9, 42]]) },
  },
  {
    file: 'young-history-oldest.txt',
    title: 'four days of history against keep-daily 7: the rule runs out of days and keeps the oldest snapshot too',
    snapshots: history(every(8 * HOUR, '2026-11-20T01:00:00Z', '2026-11-23T09:00:00Z')),
    policy: { keepDaily: 7, keepMonthly: 6 },
    options: { now: new Date('2026-11-23T10:00:00Z'), timeZone: 'Europe/Berlin' },
  },
];

describe('retention plans, golden', () => {
  for (const golden of GOLDEN) {
    it(`${golden.file}: ${golden.title}`, () => {
      const policy = validatePolicy(golden.policy);
      const plan = planRetention(golden.snapshots, policy, golden.options);
      expectGolden(golden.file, render(golden.title, plan, policy, golden.options));
    });
  }
});

/** name -> reasons joined, or 'remove': for small plans checked inline. */
function decisions(plan: RetentionPlan): Record<string, string> {
  return Object.fromEntries(
    plan.entries.map((entry) => [entry.snapshot.name, entry.action === 'keep' ? entry.reasons.join(', ') : 'remove']),
  );
}

const BERLIN = { now: new Date('2026-11-23T12:00:00Z'), timeZone: 'Europe/Berlin' };

describe('retention plans', () => {
  it('bucket by the wall clock: Berlin keeps 22:30Z as the last of 28 March, UTC keeps 23:30Z', () => {
    const snapshots = history(['2026-03-28T21:30:00Z', '2026-03-28T22:30:00Z', '2026-03-28T23:30:00Z', '2026-03-29T03:30:00Z']);
    const policy = validatePolicy({ keepDaily: 2 });
    expect(decisions(planRetention(snapshots, policy, { ...BERLIN, timeZone: 'Europe/Berlin' }))).toEqual({
      '2026-03-29T033000Z': 'daily #1, latest',
      '2026-03-28T233000Z': 'remove',
      '2026-03-28T223000Z': 'daily #2',
      '2026-03-28T213000Z': 'remove',
    });
    expect(decisions(planRetention(snapshots, policy, { ...BERLIN, timeZone: 'UTC' }))).toEqual({
      '2026-03-29T033000Z': 'daily #1, latest',
      '2026-03-28T233000Z': 'daily #2',
      '2026-03-28T223000Z': 'remove',
      '2026-03-28T213000Z': 'remove',
    });
  });

  it('count the hour New York repeats when it falls back as one hourly period', () => {
    // 05:10Z .. 06:50Z are all 01:xx in New York on 2026-11-01: EDT, then EST.
    const snapshots = history([
      '2026-11-01T06:50:00Z',
      '2026-11-01T06:10:00Z',
      '2026-11-01T05:50:00Z',
      '2026-11-01T05:10:00Z',
      '2026-11-01T04:50:00Z',
    ]);
    const plan = planRetention(snapshots, validatePolicy({ keepHourly: 3 }), { ...BERLIN, timeZone: 'America/New_York' });
    expect(decisions(plan)).toEqual({
      '2026-11-01T065000Z': 'hourly #1, latest',
      '2026-11-01T061000Z': 'remove',
      '2026-11-01T055000Z': 'remove',
      '2026-11-01T051000Z': 'remove',
      '2026-11-01T045000Z': 'hourly #2',
    });
  });

  it('list every snapshot once, newest first, and same-second snapshots by name', () => {
    const snapshots = history(['2026-11-20T12:00:00Z', '2026-11-23T12:00:00Z', '2026-11-23T12:00:00Z', '2026-11-21T12:00:00Z']);
    const plan = planRetention(snapshots, validatePolicy({ keepLast: 2 }), BERLIN);
    expect(plan.entries.map((entry) => entry.snapshot.name)).toEqual([
      '2026-11-23T120000Z-2',
      '2026-11-23T120000Z',
      '2026-11-21T120000Z',
      '2026-11-20T120000Z',
    ]);
    expect(decisions(plan)).toEqual({
      '2026-11-23T120000Z-2': 'last #1, latest',
      '2026-11-23T120000Z': 'last #2',
      '2026-11-21T120000Z': 'remove',
      '2026-11-20T120000Z': 'remove',
    });
    expect([plan.kept, plan.removed, plan.bytesFreed]).toEqual([2, 2, 2000]);
  });

  it('keep everything when no rule is on, and say so', () => {
    const snapshots = history([
      { at: '2026-11-23T06:00:00Z', status: 'partial' },
      '2026-11-22T06:00:00Z',
      { at: '2026-11-21T06:00:00Z', kind: 'manual' },
    ]);
    const plan = planRetention(snapshots, DEFAULT_POLICY, BERLIN);
    expect(decisions(plan)).toEqual({
      '2026-11-23T060000Z': 'no policy',
      '2026-11-22T060000Z': 'no policy, latest',
      '2026-11-21T060000Z': 'out of scope (manual)',
    });
    expect([plan.removed, plan.bytesFreed]).toEqual([0, 0]);
  });

  it('leave protected and out-of-scope snapshots out of the count: they use up no period', () => {
    const snapshots = history([
      { at: '2026-11-23T18:00:00Z', protected: true },
      { at: '2026-11-23T17:00:00Z', kind: 'manual' },
      '2026-11-23T06:00:00Z',
      '2026-11-22T06:00:00Z',
      '2026-11-21T06:00:00Z',
    ]);
    expect(decisions(planRetention(snapshots, validatePolicy({ keepDaily: 2 }), BERLIN))).toEqual({
      '2026-11-23T180000Z': 'protected, latest',
      '2026-11-23T170000Z': 'out of scope (manual)',
      '2026-11-23T060000Z': 'daily #1',
      '2026-11-22T060000Z': 'daily #2',
      '2026-11-21T060000Z': 'remove',
    });
  });

  it('count replicas as scheduled backups under the default kind, and leave them out under manual', () => {
    const snapshots = history([
      { at: '2026-11-23T06:00:00Z', kind: 'replica' },
      { at: '2026-11-22T06:00:00Z', kind: 'replica' },
      { at: '2026-11-21T06:00:00Z', kind: 'replica' },
    ]);
    expect(decisions(planRetention(snapshots, validatePolicy({ keepDaily: 2 }), BERLIN))).toEqual({
      '2026-11-23T060000Z': 'daily #1, latest',
      '2026-11-22T060000Z': 'daily #2',
      '2026-11-21T060000Z': 'remove',
    });
    expect(decisions(planRetention(snapshots, validatePolicy({ keepDaily: 1, scope: 'manual' }), BERLIN))).toEqual({
      '2026-11-23T060000Z': 'out of scope (replica)',
      '2026-11-22T060000Z': 'out of scope (replica)',
      '2026-11-21T060000Z': 'out of scope (replica)',
    });
  });

  it('say of each removed snapshot what every rule did not reach', () => {
    const snapshots = history([
      '2026-11-23T18:00:00Z',
      '2026-11-23T06:00:00Z',
      '2026-11-22T06:00:00Z',
      '2026-11-21T18:00:00Z',
      '2026-11-21T06:00:00Z',
      '2026-11-20T06:00:00Z',
    ]);
    const plan = planRetention(snapshots, validatePolicy({ keepWithin: '1d', keepLast: 1, keepDaily: 2 }), {
      ...BERLIN,
      now: new Date('2026-11-23T20:00:00Z'),
    });
    const removed = Object.fromEntries(
      plan.entries.filter((entry) => entry.action === 'remove').map((entry) => [entry.snapshot.name, entry.removedBecause]),
    );
    // 23 Nov: within 1d; 22 Nov: last #1 (and it uses up its day); 21 Nov 18:00: daily #1; 20 Nov: daily #2.
    expect(removed).toEqual({ '2026-11-21T060000Z': ['older than 1d', 'past last 1', 'daily: not the newest of its day'] });
    const kept = plan.entries.filter((entry) => entry.action === 'keep');
    expect(kept.every((entry) => entry.removedBecause === undefined)).toBe(true);

    const sameDay = planRetention(
      history(['2026-11-23T18:00:00Z', '2026-11-23T06:00:00Z', '2026-11-22T06:00:00Z']),
      validatePolicy({ keepDaily: 5 }),
      BERLIN,
    );
    expect(sameDay.entries.find((entry) => entry.action === 'remove')?.removedBecause).toEqual(['daily: not the newest of its day']);
    const pastCount = planRetention(history(['2026-11-23T06:00:00Z', '2026-11-22T06:00:00Z']), validatePolicy({ keepDaily: 1 }), BERLIN);
    expect(pastCount.entries.find((entry) => entry.action === 'remove')?.removedBecause).toEqual(['past daily 1']);
  });

  it('let a safety snapshot (scope all) fill no slot of a backup: only keep-within keeps one, and a removal says so', () => {
    const snapshots = history([
      { at: '2026-11-23T10:00:00Z', kind: 'safety' },
      { at: '2026-11-23T06:00:00Z', kind: 'manual' },
      '2026-11-22T06:00:00Z',
      '2026-11-21T06:00:00Z',
    ]);
    const plan = planRetention(snapshots, validatePolicy({ keepLast: 1, keepDaily: 2, scope: 'all' }), BERLIN);
    expect(decisions(plan)).toEqual({
      '2026-11-23T100000Z': 'remove',
      '2026-11-23T060000Z': 'last #1, latest',
      '2026-11-22T060000Z': 'daily #1',
      '2026-11-21T060000Z': 'daily #2',
    });
    expect(plan.entries[0]!.removedBecause).toEqual(['a safety snapshot: no rule but keep-within keeps one']);
    const within = planRetention(snapshots, validatePolicy({ keepWithin: '1d', keepDaily: 1, scope: 'all' }), BERLIN);
    expect(decisions(within)).toEqual({
      '2026-11-23T100000Z': 'within 1d',
      '2026-11-23T060000Z': 'within 1d, latest',
      '2026-11-22T060000Z': 'daily #1',
      '2026-11-21T060000Z': 'remove',
    });
  });

  it('never remove the newest complete snapshot, even when the policy would remove everything', () => {
    const snapshots = history(['2026-11-01T06:00:00Z', '2026-10-31T06:00:00Z']);
    const plan = planRetention(snapshots, validatePolicy({ keepWithin: '1h' }), BERLIN);
    expect(decisions(plan)).toEqual({ '2026-11-01T060000Z': 'latest', '2026-10-31T060000Z': 'remove' });
  });

  it('look for the newest complete snapshot among every kind but safety snapshots, which hold only a few paths', () => {
    const snapshots = history([{ at: '2026-11-23T06:00:00Z', kind: 'safety' }, '2026-11-22T06:00:00Z', '2026-11-21T06:00:00Z']);
    const plan = planRetention(snapshots, validatePolicy({ keepWithin: '1h' }), BERLIN);
    expect(decisions(plan)).toEqual({
      '2026-11-23T060000Z': 'out of scope (safety)',
      '2026-11-22T060000Z': 'latest',
      '2026-11-21T060000Z': 'remove',
    });
    expect(decisions(planRetention(snapshots, validatePolicy({ keepWithin: '1h', scope: 'all' }), BERLIN))).toEqual({
      '2026-11-23T060000Z': 'remove',
      '2026-11-22T060000Z': 'latest',
      '2026-11-21T060000Z': 'remove',
    });
    const manualNewest = history([{ at: '2026-11-23T06:00:00Z', kind: 'manual' }, '2026-11-22T06:00:00Z']);
    expect(decisions(planRetention(manualNewest, validatePolicy({ keepWithin: '1h' }), BERLIN))).toEqual({
      '2026-11-23T060000Z': 'out of scope (manual)',
      '2026-11-22T060000Z': 'remove',
    });
  });

  it('keep a snapshot a queued or running backup links against, naming the run', () => {
    const snapshots = history(['2026-11-23T06:00:00Z', '2026-11-22T06:00:00Z', '2026-11-21T06:00:00Z']);
    const plan = planRetention(snapshots, validatePolicy({ keepLast: 1 }), {
      ...BERLIN,
      activeBases: new Map([
        [1, 7],
        [3, 8],
      ]),
    });
    expect(decisions(plan)).toEqual({
      '2026-11-23T060000Z': 'last #1, latest, base of run #7',
      '2026-11-22T060000Z': 'remove',
      '2026-11-21T060000Z': 'base of run #8',
    });
  });

  it('say "unknown" bytes freed when any removed snapshot has no size, and 0 when nothing is removed', () => {
    const snapshots = history([
      '2026-11-23T06:00:00Z',
      { at: '2026-11-22T06:00:00Z', uniqueBytes: null },
      { at: '2026-11-21T06:00:00Z', uniqueBytes: 5 },
    ]);
    expect(planRetention(snapshots, validatePolicy({ keepLast: 1 }), BERLIN).bytesFreed).toBeNull();
    expect(planRetention(snapshots, validatePolicy({ keepLast: 2 }), BERLIN).bytesFreed).toBe(5);
    expect(planRetention(snapshots, validatePolicy({ keepLast: 3 }), BERLIN).bytesFreed).toBe(0);
    expect(planRetention([], validatePolicy({ keepLast: 3 }), BERLIN)).toEqual({ entries: [], kept: 0, removed: 0, bytesFreed: 0 });
  });

  it('turning on the first rule of a policy that was off removes snapshots: "no policy" keeps everything', () => {
    // The one exception to "a larger count never removes more": from no rule to one rule.
    const snapshots = history(['2026-11-23T06:00:00Z', '2026-11-22T06:00:00Z']);
    expect(planRetention(snapshots, DEFAULT_POLICY, BERLIN).removed).toBe(0);
    expect(planRetention(snapshots, validatePolicy({ keepLast: 1 }), BERLIN).removed).toBe(1);
  });

  it('refuse a time zone that is not one', () => {
    expect(() =>
      planRetention(history(['2026-11-23T06:00:00Z']), validatePolicy({ keepDaily: 1 }), { ...BERLIN, timeZone: 'Berlin' }),
    ).toThrow('time zone "Berlin" is not allowed: use an IANA name like Europe/Berlin or UTC');
  });
});

describe('keep-within durations', () => {
  it('use borg 1.2 units: an hour, a day, a week, 31 days, 365 days', () => {
    expect(parseDuration('36h')).toBe(36 * 3600);
    expect(parseDuration('36H')).toBe(36 * 3600);
    expect(parseDuration('7d')).toBe(7 * 86400);
    expect(parseDuration('2w')).toBe(14 * 86400);
    expect(parseDuration('6m')).toBe(6 * 31 * 86400);
    expect(parseDuration('1y')).toBe(365 * 86400);
  });

  it('refuse anything else, saying what is allowed', () => {
    for (const text of ['7x', '7', 'd', '0d', '-1d', '1.5d', '7D', '7M', '7 d', '']) {
      expect(() => parseDuration(text), text).toThrow(UserError);
    }
    expect(() => parseDuration('7x')).toThrow('keep-within "7x" is not allowed: use a number and a unit h, d, w, m or y, like 36h or 7d');
  });
});

describe('policies', () => {
  it('start with every rule off, scope scheduled', () => {
    expect(DEFAULT_POLICY).toEqual({
      keepWithin: null,
      keepLast: 0,
      keepHourly: 0,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
      keepYearly: 0,
      scope: 'scheduled',
    });
    expect(isPolicyOff(DEFAULT_POLICY)).toBe(true);
    expect(RETENTION_SCOPES).toEqual(['scheduled', 'manual', 'all']);
  });

  it('take counts as numbers or digit strings, merged over a base', () => {
    const base = validatePolicy({ keepDaily: 7, keepWithin: '36H', scope: 'all' });
    expect(base).toMatchObject({ keepDaily: 7, keepWithin: '36h', scope: 'all' });
    const policy = validatePolicy({ keepWeekly: '4', keepMonthly: 12 }, base);
    expect(policy).toEqual({ ...DEFAULT_POLICY, keepWithin: '36h', keepDaily: 7, keepWeekly: 4, keepMonthly: 12, scope: 'all' });
    expect(isPolicyOff(policy)).toBe(false);
  });

  it('turn keep-within off with "", "0" or null, and a count off with 0 or null', () => {
    const base = validatePolicy({ keepWithin: '7d', keepDaily: 3 });
    for (const off of ['', '0', null]) expect(validatePolicy({ keepWithin: off }, base).keepWithin).toBeNull();
    expect(validatePolicy({ keepDaily: null }, base).keepDaily).toBe(0);
    expect(isPolicyOff(validatePolicy({ keepWithin: '', keepDaily: '0' }, base))).toBe(true);
  });

  it('refuse bad values in one line that names the flag and what is allowed', () => {
    const refusals: [PolicyInput, string][] = [
      [{ keepDaily: -1 }, 'keep-daily "-1" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepHourly: '-1' }, 'keep-hourly "-1" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepWeekly: 2.5 }, 'keep-weekly "2.5" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepLast: 'three' }, 'keep-last "three" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepYearly: true }, 'keep-yearly "true" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepMonthly: '' }, 'keep-monthly "" is not allowed: use a whole number, or 0 to turn the rule off'],
      [{ keepWithin: '7x' }, 'keep-within "7x" is not allowed: use a number and a unit h, d, w, m or y, like 36h or 7d'],
      [{ keepWithin: 7 }, 'keep-within "7" is not allowed: use a number and a unit h, d, w, m or y, like 36h or 7d'],
      [{ scope: 'safety' }, 'kind "safety" is not allowed: use scheduled, manual or all'],
      [{ scope: null }, 'kind (missing) is not allowed: use scheduled, manual or all'],
    ];
    for (const [input, message] of refusals) {
      expect(() => validatePolicy(input), JSON.stringify(input)).toThrow(new UserError(message));
    }
  });

  it('are checked again by the planner, so a policy from anywhere cannot plan nonsense', () => {
    expect(() => planRetention([], { ...DEFAULT_POLICY, keepDaily: -1 }, BERLIN)).toThrow('keep-daily "-1" is not allowed');
  });
});
