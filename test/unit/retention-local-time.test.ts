/**
 * The calendar retention buckets by: the wall clock of an IANA zone, learned from Intl once per
 * UTC day. Held against Intl itself, instant by instant, where it matters most: across DST
 * changes, half-hour and 45-minute offsets, and zones that change twice in a few weeks.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import { firstDayOfMonth, localTime, monthOfDay, wallWeek, ZoneCalendar, zoneCalendar } from '../../source/domain/local-time.js';
import { random } from '../helpers/random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The fields as Intl reports them, the slow and sure way. */
const formats = new Map<string, Intl.DateTimeFormat>();

function intlFields(timeZone: string, epochMs: number) {
  const format =
    formats.get(timeZone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
  formats.set(timeZone, format);
  const parts = Object.fromEntries(format.formatToParts(epochMs).map((part) => [part.type, part.value]));
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1,
    offsetSeconds: (wall - Math.floor(epochMs / SECOND) * SECOND) / SECOND,
  };
}

/** Each zone's 2026 changes, as Intl reports them (UTC instant, offset before -> after). */
const CHANGES_2026: Record<string, string[]> = {
  'Europe/Berlin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'Pacific/Chatham': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
  'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'],
  'Africa/Casablanca': ['2026-02-15T02:00:00Z', '2026-03-22T02:00:00Z'],
  'America/St_Johns': ['2026-03-08T05:30:00Z', '2026-11-01T04:30:00Z'],
};

describe('local time in a zone', () => {
  for (const [timeZone, changes] of Object.entries(CHANGES_2026)) {
    it(`matches Intl every minute of the days ${timeZone} changes its offset`, () => {
      const calendar = new ZoneCalendar(timeZone);
      for (const change of changes) {
        const at = Date.parse(change);
        expect(calendar.offsetAt(at - SECOND), `${timeZone} just before ${change}`).toBe(
          intlFields(timeZone, at - SECOND).offsetSeconds * SECOND,
        );
        expect(calendar.offsetAt(at), `${timeZone} at ${change}`).toBe(intlFields(timeZone, at).offsetSeconds * SECOND);
        expect(calendar.offsetAt(at - SECOND)).not.toBe(calendar.offsetAt(at));
        for (let instant = at - 30 * HOUR; instant < at + 30 * HOUR; instant += MINUTE) {
          const { isoYear: _, isoWeek: __, ...plain } = calendar.localTime(instant);
          expect(plain, `${timeZone} ${new Date(instant).toISOString()}`).toEqual(intlFields(timeZone, instant));
        }
      }
    });
  }

  it('matches Intl at random instants from 1971 to 2045, asked in no order', () => {
    const next = random(7);
    for (const timeZone of ['UTC', ...Object.keys(CHANGES_2026), 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Tehran', 'Europe/Dublin']) {
      const calendar = new ZoneCalendar(timeZone);
      for (let index = 0; index < 400; index += 1) {
        const instant = Date.UTC(1971, 0, 1) + Math.floor((next() * (Date.UTC(2045, 0, 1) - Date.UTC(1971, 0, 1))) / SECOND) * SECOND;
        const { isoYear: _, isoWeek: __, ...plain } = calendar.localTime(instant);
        expect(plain, `${timeZone} ${new Date(instant).toISOString()}`).toEqual(intlFields(timeZone, instant));
      }
    }
  });

  it('puts both 02:30s of the night Berlin falls back in one local hour, and 23 hours in the day it springs forward', () => {
    const first = localTime(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin');
    const second = localTime(new Date('2026-10-25T01:30:00Z'), 'Europe/Berlin');
    expect([first.hour, first.minute, first.offsetSeconds]).toEqual([2, 30, 7200]);
    expect([second.hour, second.minute, second.offsetSeconds]).toEqual([2, 30, 3600]);
    const calendar = zoneCalendar('Europe/Berlin');
    const wallOf = (iso: string) => calendar.wallClock(Date.parse(iso));
    expect(wallOf('2026-03-29T22:00:00Z') - wallOf('2026-03-28T23:00:00Z')).toBe(DAY);
    expect(Date.parse('2026-03-29T22:00:00Z') - Date.parse('2026-03-28T23:00:00Z')).toBe(23 * HOUR);
  });

  it('numbers ISO weeks as strftime %G-%V does, across New Year', () => {
    // From Python's strftime('%G-%V %a') for each date.
    const expected: [string, string][] = [
      ['2020-12-31', '2020-53 Thu'],
      ['2021-01-03', '2020-53 Sun'],
      ['2021-01-04', '2021-01 Mon'],
      ['2024-12-29', '2024-52 Sun'],
      ['2024-12-30', '2025-01 Mon'],
      ['2025-12-28', '2025-52 Sun'],
      ['2025-12-29', '2026-01 Mon'],
      ['2026-01-01', '2026-01 Thu'],
      ['2026-01-04', '2026-01 Sun'],
      ['2026-01-05', '2026-02 Mon'],
      ['2026-12-27', '2026-52 Sun'],
      ['2026-12-28', '2026-53 Mon'],
      ['2027-01-01', '2026-53 Fri'],
      ['2027-01-03', '2026-53 Sun'],
      ['2027-01-04', '2027-01 Mon'],
    ];
    const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    for (const [date, week] of expected) {
      const local = localTime(new Date(`${date}T12:00:00Z`), 'UTC');
      expect(`${local.isoYear}-${String(local.isoWeek).padStart(2, '0')} ${names[local.weekday - 1]}`, date).toBe(week);
    }
  });

  it('gives two days the same week bucket exactly when their ISO year and week are equal', () => {
    let previous = localTime(Date.UTC(1970, 0, 1, 12), 'UTC');
    for (let day = 1; day < 366 * 130; day += 1) {
      const instant = Date.UTC(1970, 0, 1, 12) + day * DAY;
      const local = localTime(instant, 'UTC');
      const sameIsoWeek = local.isoYear === previous.isoYear && local.isoWeek === previous.isoWeek;
      expect(wallWeek(instant) === wallWeek(instant - DAY), new Date(instant).toISOString()).toBe(sameIsoWeek);
      previous = local;
    }
  });

  it('turns day numbers into months and back as Date does, from 1600 to 2400', () => {
    for (let year = 1600; year <= 2400; year += 1) {
      for (let month = 0; month < 12; month += 1) {
        const first = new Date(0);
        first.setUTCFullYear(year, month, 1);
        const day = first.getTime() / DAY;
        expect(firstDayOfMonth(year * 12 + month), `${year}-${month + 1}`).toBe(day);
        expect(monthOfDay(day)).toBe(year * 12 + month);
        expect(monthOfDay(day - 1)).toBe(year * 12 + month - 1);
      }
    }
  });

  it('refuses a name that is not an IANA zone, as the CLI says it', () => {
    expect(() => zoneCalendar('Mars/Olympus_Mons')).toThrow(UserError);
    expect(() => zoneCalendar('Mars/Olympus_Mons')).toThrow(
      'time zone "Mars/Olympus_Mons" is not allowed: use an IANA name like Europe/Berlin or UTC',
    );
  });
});
