/**
 * Keep-within durations, with the units of borg 1.2's `--keep-within`: a month is 31 days and a
 * year 365, so "1m" always reaches back at least one calendar month. borg 1.2 only takes a
 * capital H for hours; pobsync takes both, because a lowercase h is what admins type.
 */
import { UserError } from './errors.js';
import { describe } from './validation.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const UNIT_SECONDS: Readonly<Record<string, number>> = { h: HOUR, d: DAY, w: 7 * DAY, m: 31 * DAY, y: 365 * DAY };
const DURATION = /^(\d+)([hHdwmy])$/;

/** Seconds in a duration like "36h", "7d", "2w", "6m" or "1y". */
export function parseDuration(text: string): number {
  const { count, unit } = durationParts(text);
  return count * UNIT_SECONDS[unit]!;
}

/** The one spelling of a duration ("36H" and "036h" are "36h"), as plans and listings show it. */
export function normalizeDuration(text: string): string {
  const { count, unit } = durationParts(text);
  return `${count}${unit}`;
}

function durationParts(text: string): { count: number; unit: string } {
  const match = typeof text === 'string' ? DURATION.exec(text.trim()) : null;
  const count = match ? Number(match[1]) : 0;
  if (!match || count < 1 || !Number.isSafeInteger(count)) {
    throw new UserError(`keep-within ${describe(text)} is not allowed: use a number and a unit h, d, w, m or y, like 36h or 7d`);
  }
  return { count, unit: match[2]!.toLowerCase() };
}
