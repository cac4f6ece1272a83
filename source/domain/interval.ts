/**
 * Intervals for alerting and retries: a max age of "36h", a retry delay of "5min". Seconds,
 * minutes, hours, days and weeks, as systemd spells them. A bare "m" is refused: in retention's
 * keep-within (borg's units) it means a month, and here it would mean a minute.
 */
import { UserError } from './errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, min: 60, h: 3600, d: 86_400, w: 604_800 };
const INTERVAL = /^(\d+)\s*(s|min|h|d|w)?$/;

/** Seconds in "90s", "5min", "36h", "2d", "1w", or a plain number of seconds. */
export function parseInterval(field: string, text: string | undefined, limits: { min?: number; max?: number } = {}): number {
  const match = typeof text === 'string' ? INTERVAL.exec(text.trim()) : null;
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']! : Number.NaN;
  const min = limits.min ?? 1;
  const max = limits.max ?? 365 * 86_400;
  if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) {
    const tip = /^\s*\d+\s*m\s*$/.test(text ?? '') ? ' ("m" could mean minutes or months: write min, or d/w)' : '';
    throw new UserError(
      `${field} ${JSON.stringify(text ?? '')} is not allowed${tip}: use a number and a unit s, min, h, d or w, like 90s, 5min, 36h ` +
        `or 2d (from ${formatInterval(min)} to ${formatInterval(max)})`,
    );
  }
  return seconds;
}

/** The largest unit that divides it exactly: 172800 -> "2d", 5400 -> "90min", 45 -> "45s". */
export function formatInterval(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'min'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
