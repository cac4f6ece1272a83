/**
 * Wall-clock calendar fields of instants in an IANA time zone, for retention buckets: a local
 * day is a date on the wall clock, 23 or 25 hours long across a DST change, never 24-hour
 * arithmetic.
 *
 * Intl is exact but costs about 8 µs a call, too slow to ask once per snapshot when planning
 * 100,000 of them. A zone's UTC offset changes a few times a year at most, so each calendar asks
 * Intl for the offset at UTC midnights only, remembers it per UTC day, and on the rare day whose
 * offset differs from the next day's searches for the second it changes. That assumes at most
 * one change per UTC day; every zone Node knows agreed with Intl at four instants a day from
 * 1970 to 2037 when this was written.
 */
import { validateTimeZone } from './validation.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

export interface LocalTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday .. 7 = Sunday, as ISO 8601 counts */
  weekday: number;
  /** ISO 8601 week-numbering year and week: strftime's %G and %V */
  isoYear: number;
  isoWeek: number;
  /** Offset from UTC in seconds, east positive: 3600 for CET, -14400 for EDT. */
  offsetSeconds: number;
}

/** An offset per UTC day: `before` until the instant `changeAt`, `after` from then on. */
interface DayOffsets {
  before: number;
  after: number;
  changeAt: number;
}

export class ZoneCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly days = new Map<number, DayOffsets>();
  private readonly midnightOffsets = new Map<number, number>();
  /** Snapshots come in runs on one day: the day looked up last, to skip the map for the next. */
  private lastDay = NaN;
  private lastOffsets: DayOffsets | undefined;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset from UTC in milliseconds at an instant (milliseconds since the epoch). */
  offsetAt(epochMs: number): number {
    const utcDay = Math.floor(epochMs / DAY);
    let offsets = this.lastOffsets;
    if (utcDay !== this.lastDay || !offsets) {
      offsets = this.days.get(utcDay) ?? this.measureDay(utcDay);
      this.lastDay = utcDay;
      this.lastOffsets = offsets;
    }
    return epochMs < offsets.changeAt ? offsets.before : offsets.after;
  }

  /**
   * The wall-clock reading at an instant, as milliseconds since 1970-01-01 00:00 on that wall
   * clock: feed it to wallDay, wallHour or wallMonth to bucket instants by local period.
   */
  wallClock(epochMs: number): number {
    return epochMs + this.offsetAt(epochMs);
  }

  localTime(instant: Date | number): LocalTime {
    const epochMs = typeof instant === 'number' ? instant : instant.getTime();
    const offset = this.offsetAt(epochMs);
    const wall = epochMs + offset;
    const day = wallDay(wall);
    const month = monthOfDay(day);
    const week = wallWeek(wall);
    // An ISO week belongs to the year of its Thursday.
    const thursday = week * 7;
    const isoYear = Math.floor(monthOfDay(thursday) / 12);
    const msOfDay = wall - day * DAY;
    return {
      year: Math.floor(month / 12),
      month: (month % 12) + 1,
      day: day - firstDayOfMonth(month) + 1,
      hour: Math.floor(msOfDay / HOUR),
      minute: Math.floor((msOfDay % HOUR) / 60_000),
      second: Math.floor((msOfDay % 60_000) / SECOND),
      weekday: day - (thursday - 3) + 1,
      isoYear,
      isoWeek: Math.floor((thursday - firstDayOfMonth(isoYear * 12)) / 7) + 1,
      offsetSeconds: offset / SECOND,
    };
  }

  private measureDay(utcDay: number): DayOffsets {
    const start = utcDay * DAY;
    const end = start + DAY;
    const before = this.midnightOffset(utcDay);
    const after = this.midnightOffset(utcDay + 1);
    let changeAt = Infinity;
    if (before !== after) {
      // Offsets change on whole seconds: narrow (low, high] down to the first second of `after`.
      let low = start;
      let high = end;
      while (high - low > SECOND) {
        const middle = low + Math.floor((high - low) / 2 / SECOND) * SECOND;
        if (this.askIntl(middle) === before) low = middle;
        else high = middle;
      }
      changeAt = high;
    }
    const offsets = { before, after, changeAt };
    this.days.set(utcDay, offsets);
    return offsets;
  }

  private midnightOffset(utcDay: number): number {
    let offset = this.midnightOffsets.get(utcDay);
    if (offset === undefined) {
      offset = this.askIntl(utcDay * DAY);
      this.midnightOffsets.set(utcDay, offset);
    }
    return offset;
  }

  /** The exact offset at a whole second, from Intl: the wall clock it shows, minus the instant. */
  private askIntl(epochMs: number): number {
    const field: Record<string, number> = {};
    for (const part of this.format.formatToParts(epochMs)) {
      if (part.type !== 'literal') field[part.type] = Number(part.value);
    }
    const month = field.year! * 12 + field.month! - 1;
    const wall = (firstDayOfMonth(month) + field.day! - 1) * DAY + field.hour! * HOUR + field.minute! * 60_000 + field.second! * SECOND;
    return wall - epochMs;
  }
}

// Buckets of wall-clock readings (see ZoneCalendar.wallClock). Each is a plain number that two
// readings share exactly when they fall in the same local hour, date, ISO week or month.

/** Local hours since 1970-01-01 00:00. */
export function wallHour(wall: number): number {
  return Math.floor(wall / HOUR);
}

/** Local dates as days since 1970-01-01. */
export function wallDay(wall: number): number {
  return Math.floor(wall / DAY);
}

/** Weeks from Monday to Sunday, counted from the week of 1970-01-01 (a Thursday): ISO weeks, the same exactly when %G-%V is. */
export function wallWeek(wall: number): number {
  return Math.floor((wallDay(wall) + 3) / 7);
}

/** year * 12 + month - 1 of a day number, after Howard Hinnant's civil_from_days. */
export function monthOfDay(day: number): number {
  const shifted = day + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  // Hinnant's years start in March, so February's leap day comes last.
  const marchMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = marchMonth < 10 ? marchMonth + 2 : marchMonth - 10;
  const year = yearOfEra + era * 400 + (month < 2 ? 1 : 0);
  return year * 12 + month;
}

/** The day number of the first of a month given as year * 12 + month - 1, after Hinnant's days_from_civil. */
export function firstDayOfMonth(month: number): number {
  const monthOfYear = ((month % 12) + 12) % 12;
  const year = Math.floor(month / 12) - (monthOfYear < 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (monthOfYear < 2 ? monthOfYear + 10 : monthOfYear - 2) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

const calendars = new Map<string, ZoneCalendar>();

/**
 * The calendar of a zone, shared by every caller so the offsets it has learned are reused: a
 * TUI that re-plans on every refresh asks Intl only for days it has not seen. Throws a
 * UserError for a name that is not an IANA time zone.
 */
export function zoneCalendar(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = new ZoneCalendar(validateTimeZone(timeZone));
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/** The wall-clock fields of an instant in a zone. */
export function localTime(instant: Date | number, timeZone: string): LocalTime {
  return zoneCalendar(timeZone).localTime(instant);
}
