/**
 * The planner against the real borg 1.2: same snapshots, same policy, same time zone, and the
 * same decision for every one of them, rule and number included.
 *
 * Guards are pobsync's own, so every snapshot here is scheduled, complete and unprotected, and
 * only the reason a rule gives is compared: the newest snapshot's "latest" is left aside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlanInput, type PolicyInput, planRetention, type RetentionPolicy, validatePolicy } from '../../source/domain/retention.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { type BorgRepository, borgPruneFlags, borgRepository, borgRuleDecisions, borgVersion } from '../helpers/borg.js';
import { random } from '../helpers/random.js';

const GUARDS = /^(latest|base of run #\d+)$/;

function scheduled(times: readonly Date[]): PlanInput[] {
  return times.map((startedAt, index) => ({
    id: index + 1,
    name: snapshotName(startedAt),
    kind: 'scheduled',
    status: 'complete',
    startedAt,
    protected: false,
  }));
}

/** snapshot name -> the rule that keeps it ('daily #3'), or 'prune': what borg can be asked. */
function ruleDecisions(snapshots: readonly PlanInput[], policy: RetentionPolicy, timeZone: string, now: Date): Map<string, string> {
  const plan = planRetention(snapshots, policy, { now, timeZone });
  return new Map(plan.entries.map((entry) => [entry.snapshot.name, entry.reasons.find((reason) => !GUARDS.test(reason)) ?? 'prune']));
}

const utc = (text: string) => new Date(`${text}Z`);

/**
 * Few enough to create one by one (borg takes about 0.7 s an archive), placed where zones
 * disagree: the four DST changes of 2026 in Berlin and New York, days and years that start at
 * different instants, an ISO week that spans New Year, several snapshots in an hour.
 */
const ARCHIVE_TIMES = [
  // years and months, for monthly, yearly and [oldest]
  '2023-06-15T12:00:00',
  '2023-12-31T23:30:00',
  '2024-02-29T12:00:00',
  '2024-07-01T03:30:00',
  '2025-01-15T12:00:00',
  '2025-05-31T22:30:00',
  '2025-09-10T12:00:00',
  '2026-01-01T00:30:00',
  '2026-02-14T12:00:00',
  // New York springs forward at 07:00Z on 2026-03-08
  '2026-03-08T04:30:00',
  '2026-03-08T05:30:00',
  '2026-03-08T06:30:00',
  '2026-03-08T07:30:00',
  '2026-03-09T03:30:00',
  '2026-03-09T04:30:00',
  // Berlin springs forward at 01:00Z on 2026-03-29
  '2026-03-28T22:30:00',
  '2026-03-28T23:30:00',
  '2026-03-29T00:30:00',
  '2026-03-29T01:30:00',
  '2026-03-29T21:30:00',
  '2026-03-29T22:30:00',
  // Berlin falls back at 01:00Z on 2026-10-25: 00:10Z-01:50Z are all 02:xx in Berlin
  '2026-10-24T21:30:00',
  '2026-10-24T22:30:00',
  '2026-10-25T00:10:00',
  '2026-10-25T00:50:00',
  '2026-10-25T01:10:00',
  '2026-10-25T01:50:00',
  '2026-10-25T22:30:00',
  '2026-10-25T23:30:00',
  // New York falls back at 06:00Z on 2026-11-01: 05:10Z-06:50Z are all 01:xx in New York
  '2026-11-01T03:30:00',
  '2026-11-01T04:30:00',
  '2026-11-01T05:10:00',
  '2026-11-01T05:50:00',
  '2026-11-01T06:10:00',
  '2026-11-01T06:50:00',
  '2026-11-02T04:30:00',
  '2026-11-02T05:30:00',
  // ISO week 2026-53 runs from Monday 2026-12-28 to Sunday 2027-01-03
  '2026-12-27T12:00:00',
  '2026-12-28T12:00:00',
  '2026-12-31T23:30:00',
  '2027-01-03T22:30:00',
  '2027-01-03T23:30:00',
  '2027-01-04T04:30:00',
  // the newest: three in one hour
  '2027-02-01T12:05:00',
  '2027-02-01T12:40:00',
  '2027-02-01T13:00:00',
].map(utc);

const CLI_POLICIES: PolicyInput[] = [
  { keepHourly: 6, keepDaily: 5, keepWeekly: 4, keepMonthly: 6, keepYearly: 10 },
  // enough hours to reach back past both nights that repeat an hour
  { keepLast: 3, keepHourly: 40 },
  { keepDaily: 20 },
  { keepWeekly: 10, keepMonthly: 3 },
  { keepHourly: 2, keepMonthly: 30 },
];
const CLI_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York'];

describe(`borg prune --dry-run --list on a real repository`, () => {
  let repository: BorgRepository;
  const snapshots = scheduled(ARCHIVE_TIMES);

  beforeAll(() => {
    expect(borgVersion()).toMatch(/^borg 1\./);
    repository = borgRepository();
    repository.createMany(snapshots.map((snapshot) => ({ name: snapshot.name, time: snapshot.startedAt })));
  }, 180_000);
  afterAll(() => repository?.cleanup());

  it('is a test of the calendar: each zone buckets these archives into hours and days differently', () => {
    for (const input of [{ keepLast: 3, keepHourly: 40 }, { keepDaily: 20 }]) {
      const [inUtc, inBerlin, inNewYork] = CLI_ZONES.map((timeZone) =>
        ruleDecisions(snapshots, validatePolicy(input), timeZone, new Date()),
      );
      expect(inBerlin).not.toEqual(inUtc);
      expect(inNewYork).not.toEqual(inUtc);
      expect(inNewYork).not.toEqual(inBerlin);
    }
  });

  for (const timeZone of CLI_ZONES) {
    for (const input of CLI_POLICIES) {
      const policy = validatePolicy(input);
      it(`${borgPruneFlags(policy).join(' ')} in ${timeZone}`, () => {
        const borg = repository.prune(policy, timeZone);
        expect(borg.size).toBe(snapshots.length);
        // borg reads the real clock only for keep-within, which these policies leave off.
        expect(ruleDecisions(snapshots, policy, timeZone, new Date())).toEqual(borg);
      });
    }
  }
});

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
/** Zones with DST both ways, a half-hour offset, a half-hour DST change, and a 13:45 offset. */
const RULE_ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
];

/** A history going back from `now` in whole seconds, its gaps drawn from minutes to months. */
function randomHistory(next: () => number, now: number, length: number): Date[] {
  const scales = [SECOND, 60 * SECOND, 20 * 60 * SECOND, HOUR, 6 * HOUR, DAY, 7 * DAY, 40 * DAY];
  const times: Date[] = [];
  let time = now - Math.floor((next() * DAY) / SECOND) * SECOND;
  const scale = scales.slice(Math.floor(next() * 4), 5 + Math.floor(next() * 4));
  // Before 1971 the tz databases of ICU and of the system borg reads may tell different stories.
  for (let index = 0; index < length && time > Date.UTC(1971, 0, 1); index += 1) {
    times.push(new Date(time));
    const gap = scale[Math.floor(next() * scale.length)]!;
    time -= Math.max(SECOND, Math.round((next() * 2 * gap) / SECOND) * SECOND);
  }
  return times;
}

function randomPolicy(next: () => number): RetentionPolicy {
  const count = () => (next() < 0.45 ? 0 : 1 + Math.floor(next() * (next() < 0.3 ? 40 : 8)));
  const within = next() < 0.3 ? `${1 + Math.floor(next() * 30)}${'hdwmy'[Math.floor(next() * 5)]}` : null;
  const policy = validatePolicy({
    keepWithin: within,
    keepLast: next() < 0.3 ? count() : 0,
    keepHourly: count(),
    keepDaily: count(),
    keepWeekly: count(),
    keepMonthly: count(),
    keepYearly: count(),
  });
  return policy.keepWithin === null && policy.keepHourly + policy.keepDaily + policy.keepLast === 0 ? { ...policy, keepDaily: 3 } : policy;
}

describe("borg's own prune functions over long random histories", () => {
  it('decide every snapshot as the planner does, in seven zones, keep-within included', () => {
    const next = random(20261123);
    const now = Date.UTC(2026, 10, 23, 16, 0, 0);
    const cases = Array.from({ length: 300 }, (_, index) => {
      const timeZone = RULE_ZONES[index % RULE_ZONES.length]!;
      const length = index % 50 === 0 ? 3000 : 1 + Math.floor(next() * 200);
      const times = randomHistory(next, now, length);
      const policy = randomPolicy(next);
      // keep-within's edge: one snapshot exactly at the cutoff (borg keeps only younger ones)
      if (policy.keepWithin !== null && index % 3 === 0) {
        const cutoff =
          now -
          Number(policy.keepWithin.slice(0, -1)) * { h: HOUR, d: DAY, w: 7 * DAY, m: 31 * DAY, y: 365 * DAY }[policy.keepWithin.at(-1)!]!;
        if (!times.some((time) => time.getTime() === cutoff)) times.push(new Date(cutoff));
        times.sort((a, b) => b.getTime() - a.getTime());
      }
      return { times, policy, timeZone, now: new Date(now) };
    });

    const borg = borgRuleDecisions(cases.map((entry) => ({ ...entry, times: entry.times.map((time) => time.getTime()) })));

    // The comparison means something only if borg's answers used every rule, [oldest] and
    // keep-within's cutoff among them.
    const seen = new Set(borg.flat().map((decision) => (decision.endsWith('[oldest]') ? '[oldest]' : decision.split(' ')[0])));
    expect([...seen].sort()).toEqual(['[oldest]', 'daily', 'hourly', 'last', 'monthly', 'prune', 'weekly', 'within', 'yearly']);

    cases.forEach(({ times, policy, timeZone, now: clock }, index) => {
      const snapshots = scheduled(times);
      const ours = ruleDecisions(snapshots, policy, timeZone, clock);
      const theirs = new Map(snapshots.map((snapshot, position) => [snapshot.name, borg[index]![position]!]));
      expect(ours, `case ${index}: ${borgPruneFlags(policy).join(' ')} in ${timeZone}`).toEqual(theirs);
    });
  });
});
