/**
 * The pure rules of running unattended: health and the Nagios verdict, max ages from schedules,
 * intervals, retry backoff, exit codes, alert settings and the installer's environment file.
 */
import { describe, expect, it } from 'vitest';
import {
  effectiveHooks,
  retryDelaySeconds,
  validateHookCommand,
  validateMailAddress,
  validateRetries,
} from '../../source/domain/alerting.js';
import { parseEnvironmentFile } from '../../source/domain/env-file.js';
import { EXIT, runExitCode } from '../../source/domain/exit-codes.js';
import { checkResult, defaultMaxAge, type HealthFacts, hostHealth, scheduleInterval } from '../../source/domain/health.js';
import { formatInterval, parseInterval } from '../../source/domain/interval.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3600_000);

function facts(overrides: Partial<HealthFacts>): HealthFacts {
  return {
    host: 'web1',
    newestSnapshot: { name: 'n', status: 'complete', at: hoursAgo(1) },
    lastResult: { id: 1, status: 'succeeded', at: hoursAgo(1), error: null },
    maxAgeSeconds: 48 * 3600,
    createdAt: hoursAgo(1000),
    ...overrides,
  };
}

describe('host health', () => {
  it('is ok, warning when stale or partial, critical when failed or never backed up', () => {
    expect(hostHealth(facts({}), now)).toMatchObject({ state: 'ok', stale: false, reasons: [] });
    const stale = hostHealth(facts({ newestSnapshot: { name: 'n', status: 'complete', at: hoursAgo(49) } }), now);
    expect(stale).toMatchObject({ state: 'warning', stale: true, ageSeconds: 49 * 3600 });
    expect(stale.reasons).toEqual(['stale: newest snapshot 2d old, max age 2d']);
    expect(hostHealth(facts({ newestSnapshot: { name: 'n', status: 'partial', at: hoursAgo(1) } }), now).state).toBe('warning');
    const failed = hostHealth(facts({ lastResult: { id: 7, status: 'failed', at: hoursAgo(1), error: 'x' } }), now);
    expect(failed).toMatchObject({ state: 'critical', reasons: ['last backup (run #7) failed'] });
    expect(hostHealth(facts({ newestSnapshot: null, lastResult: null }), now)).toMatchObject({ state: 'critical', stale: true });
    // Never backed up, but added only an hour ago: critical, not yet stale.
    expect(hostHealth(facts({ newestSnapshot: null, lastResult: null, createdAt: hoursAgo(1) }), now).stale).toBe(false);
    // No schedule and no max age: never stale, however old.
    expect(
      hostHealth(facts({ maxAgeSeconds: null, newestSnapshot: { name: 'n', status: 'complete', at: hoursAgo(9999) } }), now).state,
    ).toBe('ok');
  });

  it('takes twice the longest gap of the most frequent schedule as the default max age', () => {
    expect(scheduleInterval('15 2 * * *', 'UTC', now)).toBe(86_400);
    // Weekdays only: the weekend gap counts, so Monday morning is not stale.
    expect(scheduleInterval('0 2 * * 1-5', 'UTC', now)).toBe(3 * 86_400);
    expect(defaultMaxAge([86_400, 3600])).toBe(7200);
    expect(defaultMaxAge([null])).toBeNull();
    expect(defaultMaxAge([])).toBeNull();
  });

  it('sums up every host in one Nagios line with its exit code', () => {
    const ok = hostHealth(facts({ host: 'a' }), now);
    const stale = hostHealth(facts({ host: 'b', newestSnapshot: { name: 'n', status: 'complete', at: hoursAgo(50) } }), now);
    const failed = hostHealth(facts({ host: 'c', lastResult: { id: 3, status: 'failed', at: now, error: null } }), now);
    const live = { needed: true, live: true };
    expect(checkResult([ok], live)).toEqual({
      state: 'OK',
      exitCode: 0,
      line: 'POBSYNC OK - 1 of 1 hosts backed up | hosts=1 ok=1 warning=0 critical=0',
    });
    expect(checkResult([ok, stale], live)).toMatchObject({ state: 'WARNING', exitCode: 1 });
    expect(checkResult([ok, stale, failed], live).line).toBe(
      'POBSYNC CRITICAL - c: last backup (run #3) failed; b: stale: newest snapshot 2d old, max age 2d | hosts=3 ok=1 warning=1 critical=1',
    );
    expect(checkResult([ok], { needed: true, live: false })).toMatchObject({ state: 'WARNING', exitCode: 1 });
    expect(checkResult([ok], { needed: false, live: false }).exitCode).toBe(0);
    expect(checkResult([], live)).toMatchObject({ state: 'UNKNOWN', exitCode: 3 });
  });
});

describe('intervals, retries and exit codes', () => {
  it('reads s, min, h, d and w, and refuses a bare m', () => {
    expect(parseInterval('max age', '36h')).toBe(36 * 3600);
    expect(parseInterval('max age', '5min')).toBe(300);
    expect(parseInterval('max age', '90')).toBe(90);
    expect(parseInterval('max age', '2w')).toBe(14 * 86_400);
    expect(() => parseInterval('max age', '5m')).toThrow('max age "5m" is not allowed ("m" could mean minutes or months');
    expect(() => parseInterval('max age', '0s')).toThrow(/not allowed/);
    expect(() => parseInterval('retry delay', '2d', { max: 86_400 })).toThrow(/from 1s to 1d/);
    expect(formatInterval(172_800)).toBe('2d');
    expect(formatInterval(5400)).toBe('90min');
    expect(formatInterval(45)).toBe('45s');
  });

  it('doubles the retry delay for each retry', () => {
    expect([2, 3, 4].map((attempt) => retryDelaySeconds(300, attempt))).toEqual([300, 600, 1200]);
    expect(validateRetries('0')).toBe(0);
    expect(() => validateRetries('11')).toThrow('retries "11" is not allowed: use a whole number from 0 to 10');
  });

  it('maps how a foreground run ended to the documented exit code', () => {
    expect(runExitCode('succeeded')).toBe(0);
    expect(runExitCode('partial')).toBe(3);
    expect(runExitCode('failed')).toBe(1);
    expect(runExitCode('cancelled', 'SIGINT')).toBe(130);
    expect(runExitCode('interrupted', 'SIGTERM')).toBe(143);
    // Cancelled from another shell: not a signal to this process.
    expect(runExitCode('cancelled')).toBe(EXIT.failed);
  });
});

describe('alert settings and the environment file', () => {
  it('checks hooks and mail addresses, and lets a host override the global hooks field by field', () => {
    expect(validateHookCommand('on-failure command', ' /usr/local/bin/page ops ')).toBe('/usr/local/bin/page ops');
    expect(validateHookCommand('on-failure command', '')).toBeUndefined();
    expect(() => validateHookCommand('on-failure command', 'a\nb')).toThrow(/one command on one line/);
    expect(validateMailAddress('root@example.com')).toBe('root@example.com');
    expect(() => validateMailAddress('-oQ/tmp@x')).toThrow(/not allowed/);
    expect(() => validateMailAddress('a@b\nBcc: x@y')).toThrow(/not allowed/);
    expect(effectiveHooks({ onFailure: 'g', notifyMail: 'a@b.c' }, { onFailure: 'h' })).toEqual({ onFailure: 'h', notifyMail: 'a@b.c' });
  });

  it('reads NAME=value lines as systemd does', () => {
    expect(parseEnvironmentFile('# c\n; c\nPOBSYNC_HOME=/var/lib/pobsync\n A = "b c" \nX=\'y\'\nbad line\n')).toEqual({
      POBSYNC_HOME: '/var/lib/pobsync',
      A: 'b c',
      X: 'y',
    });
  });
});
