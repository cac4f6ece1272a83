/**
 * Whether a host is backed up well enough, as pure functions of what the catalogue says and the
 * time: the Nagios/Icinga states of `status --check`, the stale alert, the metrics and the TUI
 * all read it from here, so they cannot disagree.
 */
import { formatInterval } from './interval.js';
import { nextFires } from './schedule.js';
import type { SnapshotStatus } from './types.js';

export type HealthState = 'ok' | 'warning' | 'critical';

export interface HealthFacts {
  host: string;
  /** the newest snapshot a backup made (not a safety snapshot, not being deleted) */
  newestSnapshot: { name: string; status: SnapshotStatus; at: Date } | null;
  /** the newest backup run that ended succeeded, partial or failed (cancelled and interrupted runs say nothing) */
  lastResult: { id: number; status: 'succeeded' | 'partial' | 'failed'; at: Date; error: string | null } | null;
  /** older than this, the newest snapshot is stale; null: never stale (no schedule, no max age) */
  maxAgeSeconds: number | null;
  /** when the host was added: one never backed up is stale once it is older than its max age */
  createdAt: Date;
}

export interface HostHealth {
  host: string;
  state: HealthState;
  stale: boolean;
  /** age of the newest snapshot */
  ageSeconds: number | null;
  maxAgeSeconds: number | null;
  /** why it is not ok, one short phrase each */
  reasons: string[];
}

export function hostHealth(facts: HealthFacts, now: Date): HostHealth {
  const reasons: string[] = [];
  let state: HealthState = 'ok';
  const raise = (to: HealthState, reason: string) => {
    reasons.push(reason);
    if (to === 'critical' || state === 'ok') state = to;
  };
  const ageSeconds = facts.newestSnapshot ? Math.max(0, Math.round((now.getTime() - facts.newestSnapshot.at.getTime()) / 1000)) : null;
  const waited = ageSeconds ?? Math.round((now.getTime() - facts.createdAt.getTime()) / 1000);
  const stale = facts.maxAgeSeconds !== null && waited > facts.maxAgeSeconds;
  if (facts.lastResult?.status === 'failed') raise('critical', `last backup (run #${facts.lastResult.id}) failed`);
  if (!facts.newestSnapshot) raise('critical', 'never backed up');
  if (stale && ageSeconds !== null) {
    raise('warning', `stale: newest snapshot ${formatAgeInterval(ageSeconds)} old, max age ${formatInterval(facts.maxAgeSeconds!)}`);
  }
  if (facts.newestSnapshot?.status === 'partial') raise('warning', `newest snapshot ${facts.newestSnapshot.name} is partial`);
  return { host: facts.host, state, stale, ageSeconds, maxAgeSeconds: facts.maxAgeSeconds, reasons };
}

/** An age in its largest whole unit, rounded down: 200000 s -> "2d". */
function formatAgeInterval(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
  ] as const) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * The longest pause between two of a schedule's next fires (a week of them for a daily one): a
 * schedule that skips weekends has a three-day gap on Mondays, and a host is not stale for it.
 */
export function scheduleInterval(cron: string, timeZone: string, now: Date, fires = 8): number | null {
  const times = nextFires(cron, timeZone, now, fires);
  let longest: number | null = null;
  for (let index = 1; index < times.length; index += 1) {
    const gap = Math.round((times[index]!.getTime() - times[index - 1]!.getTime()) / 1000);
    longest = Math.max(longest ?? 0, gap);
  }
  return longest;
}

/**
 * The max age of a host that sets none: twice the interval of its most frequent schedule, so one
 * missed or failed run is not yet stale, two are. Null without an enabled schedule.
 */
export function defaultMaxAge(scheduleIntervals: readonly (number | null)[]): number | null {
  const known = scheduleIntervals.filter((interval): interval is number => interval !== null);
  return known.length === 0 ? null : 2 * Math.min(...known);
}

/** The Nagios/Icinga plugin states and their exit codes. */
export const CHECK_STATES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type CheckState = keyof typeof CHECK_STATES;

export interface CheckResult {
  state: CheckState;
  exitCode: number;
  /** the one line a monitoring system shows, with performance data after "|" */
  line: string;
}

/**
 * One summary over every enabled host: CRITICAL when a host's last backup failed or it was never
 * backed up, WARNING when one is stale or partial or nothing runs the schedules, else OK;
 * UNKNOWN when there is nothing to check.
 */
export function checkResult(healths: readonly HostHealth[], scheduler: { needed: boolean; live: boolean }): CheckResult {
  const counts = { ok: 0, warning: 0, critical: 0 };
  for (const health of healths) counts[health.state] += 1;
  const perfdata = `| hosts=${healths.length} ok=${counts.ok} warning=${counts.warning} critical=${counts.critical}`;
  if (healths.length === 0)
    return { state: 'UNKNOWN', exitCode: CHECK_STATES.UNKNOWN, line: `POBSYNC UNKNOWN - no enabled hosts to check ${perfdata}` };
  const problems = (state: HealthState) =>
    healths.filter((health) => health.state === state).map((health) => `${health.host}: ${health.reasons.join(', ')}`);
  const parts = [...problems('critical'), ...problems('warning')];
  if (scheduler.needed && !scheduler.live) parts.push('no scheduler is running (start the pobsync service)');
  const state: CheckState = counts.critical > 0 ? 'CRITICAL' : parts.length > 0 ? 'WARNING' : 'OK';
  const shown = parts.length > 5 ? [...parts.slice(0, 5), `and ${parts.length - 5} more`] : parts;
  const text = state === 'OK' ? `${healths.length} of ${healths.length} hosts backed up` : shown.join('; ');
  return { state, exitCode: CHECK_STATES[state], line: `POBSYNC ${state} - ${text} ${perfdata}` };
}
