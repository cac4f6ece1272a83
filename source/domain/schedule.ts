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
 * else why not, in pobsync's words where croner's would puzzle an admin.
 */
export function validateCron(value: string | undefined, timeZone: string): string {
  const expression = value?.trim().replace(/\s+/g, ' ') ?? '';
  let job: Cron;
  try {
    if (expression === '') throw new Error('it is empty');
    job = cron(expression, timeZone);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    const fieldCount = expression === '' ? 0 : expression.split(' ').length;
    const said =
      fieldCount > 0 && (fieldCount < 5 || fieldCount > 6)
        ? `it has ${fieldCount} fields; ${FIELDS}`
        : (wrongField(expression, timeZone) ?? reason.replace(/^configuration entry/, 'field').replace(/^Invalid/, 'invalid'));
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
