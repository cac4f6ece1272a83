/**
 * Cron schedules, as pure functions of time: when a schedule fires next, and whether a fire is
 * due now. croner does the calendar work, in the schedule's IANA time zone, across DST.
 */
import { Cron } from 'croner';
import { UserError } from './errors.js';
import { describe } from './validation.js';

const SCHEDULE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function validateScheduleName(value: string | undefined): string {
  if (value === undefined || !SCHEDULE_NAME.test(value)) {
    throw new UserError(`schedule name ${describe(value)} is not allowed: use 1-32 lowercase letters, digits, _ and -, like nightly`);
  }
  return value;
}

function cron(expression: string, timeZone: string): Cron {
  return new Cron(expression, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
}

const FIELDS = 'use 5 fields (minute hour day-of-month month day-of-week, like "15 2 * * *"), or 6 with seconds first';

interface FieldRange {
  name: string;
  low: number;
  high: number;
}

/** Each field's values; `H` in the day of the month stays within 1-28, which every month has (as Jenkins does). */
const FIVE_FIELDS: FieldRange[] = [
  { name: 'minute', low: 0, high: 59 },
  { name: 'hour', low: 0, high: 23 },
  { name: 'day-of-month', low: 1, high: 28 },
  { name: 'month', low: 1, high: 12 },
  { name: 'day-of-week', low: 0, high: 6 },
];
const SECOND: FieldRange = { name: 'second', low: 0, high: 59 };

const H_FORM = /^H(?:\((\d+)-(\d+)\))?(?:\/(\d+))?$/;
const H_FORMS = 'use H, H(low-high), H/step or H(low-high)/step as the whole field, like "H 2 * * *" or "H(0-29) 2 * * *"';

/** FNV-1a with a final avalanche (murmur3's), so names that differ in one letter land far apart. */
function hostHash(host: string, field: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${host}\u0000${field}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** One `H` field as croner's: a value (or, with a step, a list) picked by the host's hash; throws why not. */
function resolveHField(text: string, range: FieldRange, host: string): string {
  const form = H_FORM.exec(text);
  if (!form) throw new Error(`${range.name} field "${text}": ${H_FORMS}`);
  const low = form[1] === undefined ? range.low : Number(form[1]);
  const high = form[2] === undefined ? range.high : Number(form[2]);
  if (low < range.low || high > range.high || low > high) {
    throw new Error(`${range.name} field "${text}": the range must run from low to high within ${range.low}-${range.high}`);
  }
  const hash = hostHash(host, range.name);
  if (form[3] === undefined) return String(low + (hash % (high - low + 1)));
  const step = Number(form[3]);
  if (step < 1 || step > high - low + 1) {
    throw new Error(`${range.name} field "${text}": the step must be 1 to ${high - low + 1}`);
  }
  const values: number[] = [];
  for (let value = low + (hash % step); value <= high; value += step) values.push(value);
  return values.join(',');
}

function normalise(value: string | undefined): string {
  return value?.trim().replace(/\s+/g, ' ') ?? '';
}

/**
 * The expression croner runs for `host`: each `H` field (Jenkins style) becomes a value picked by
 * a stable hash of the host name, so `H 2 * * *` is 02:37 for one host and 02:11 for the next, and
 * a thousand nightly hosts do not fire in one second. Anything without `H` comes back as it is.
 * Throws a plain Error naming the field when an `H` form is bad.
 */
export function resolveCron(expression: string, host: string): string {
  const fields = normalise(expression).split(' ');
  if (!fields.some((field) => field.includes('H'))) return normalise(expression);
  const ranges = fields.length === 6 ? [SECOND, ...FIVE_FIELDS] : fields.length === 5 ? FIVE_FIELDS : undefined;
  if (!ranges) return normalise(expression);
  return fields.map((field, index) => (field.includes('H') ? resolveHField(field, ranges[index]!, host) : field)).join(' ');
}

/** How a schedule reads to an admin: `H 2 * * * (→ 37 2 * * *)` for a hashed one, else the expression; `quote` wraps each. */
export function describeCron(expression: string, host: string, quote = ''): string {
  const resolved = resolveCron(expression, host);
  const quoted = `${quote}${expression}${quote}`;
  return resolved === expression ? quoted : `${quoted} (→ ${quote}${resolved}${quote})`;
}

/** Each field of a 6-field expression: its name and the values it takes. */
const FIELD_RANGES: [string, string][] = [
  ['second', '0-59'],
  ['minute', '0-59'],
  ['hour', '0-23'],
  ['day of month', '1-31'],
  ['month', '1-12 or jan-dec'],
  ['day of week', '0-7 or sun-sat (0 and 7 are Sunday)'],
];

const FIELD_SYNTAX = 'a field is *, a number, a list (1,15), a range (1-5) or a step (*/15)';

/** The first field croner refuses on its own, as what to type instead; undefined when each is fine alone. */
function wrongField(expression: string, timeZone: string): string | undefined {
  const fields = expression.split(' ');
  if (fields.length !== 5 && fields.length !== 6) return undefined;
  const six = fields.length === 6 ? fields : ['0', ...fields];
  for (let index = fields.length === 6 ? 0 : 1; index < 6; index += 1) {
    const probe = six.map((field, at) => (at === index ? field : at === 0 ? '0' : '*'));
    try {
      cron(probe.join(' '), timeZone);
    } catch {
      const [name, range] = FIELD_RANGES[index]!;
      return `${name} "${six[index]}" must be ${range}; ${FIELD_SYNTAX}`;
    }
  }
  return undefined;
}

/**
 * The expression, if croner accepts it as 5 fields (or 6, with seconds first) and it ever fires;
 * else why not, in pobsync's words where croner's would puzzle an admin. `H` fields are checked
 * here and resolved for `host` (any host when none is given: every host's resolution is valid
 * alike); the expression is kept as written, `H` and all.
 */
export function validateCron(value: string | undefined, timeZone: string, host = ''): string {
  const expression = normalise(value);
  let job: Cron;
  // Set once the H fields are resolved: a field croner then refuses is named by wrongField.
  let resolved: string | undefined;
  try {
    if (expression === '') throw new Error('it is empty');
    resolved = resolveCron(expression, host);
    job = cron(resolved, timeZone);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    const fieldCount = expression === '' ? 0 : expression.split(' ').length;
    const said =
      fieldCount > 0 && (fieldCount < 5 || fieldCount > 6)
        ? `it has ${fieldCount} fields; ${FIELDS}`
        : ((resolved === undefined ? undefined : wrongField(resolved, timeZone)) ??
          reason.replace(/^configuration entry/, 'field').replace(/^Invalid/, 'invalid'));
    throw new UserError(`cron expression ${describe(value)} is not allowed: ${said}`);
  }
  // A date that never comes (30 February) is accepted by the parser and never fires.
  if (job.nextRun() === null) {
    throw new UserError(`cron expression ${describe(value)} is not allowed: it never fires (no such date in any year)`);
  }
  return expression;
}

/** The next `count` fire times strictly after `from`. */
export function nextFires(expression: string, timeZone: string, from: Date, count: number): Date[] {
  return cron(expression, timeZone).nextRuns(count, from);
}

export interface DueFire {
  /** the fire time to run now: the most recent one that has passed */
  at: Date;
  /** how many fire times passed since the last handled one (1 = on time, more = caught up) */
  missed: number;
}

/**
 * The fire a schedule owes at `now`, if any: the most recent fire time after `since` (its last
 * handled fire, or its creation). A scheduler that was down owes one fire, not one per missed
 * fire time; `missed` says how many it covers.
 */
export function dueFire(expression: string, timeZone: string, since: Date, now: Date, countLimit = 1000): DueFire | undefined {
  const job = cron(expression, timeZone);
  // previousRuns leaves out a fire at exactly `now`; nextRun from just before it finds one.
  const atNow = job.nextRun(new Date(now.getTime() - 1));
  const latest = atNow && atNow.getTime() <= now.getTime() ? atNow : job.previousRuns(1, now)[0];
  if (!latest || latest.getTime() <= since.getTime()) return undefined;
  let missed = 0;
  let cursor: Date | null = since;
  while (cursor && cursor.getTime() < latest.getTime() && missed < countLimit) {
    cursor = job.nextRun(cursor);
    if (cursor && cursor.getTime() <= latest.getTime()) missed += 1;
  }
  return { at: latest, missed: Math.max(missed, 1) };
}
