/**
 * Running unattended, at the service level: real backups of a local host into a real SQLite
 * catalogue, real hook commands; only the clock is passed in (stale hosts, retry delays).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostSchema, RunSchema, ScheduleSchema, SnapshotRecordSchema } from '../../source/catalogue/entities/index.js';
import { type App, openApp } from '../../source/services/app.js';
import { backupHost, executeRun } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { checkStaleHosts, deliverAlert } from '../../source/services/monitoring/alerts.js';
import { followUpRun } from '../../source/services/monitoring/follow-up.js';
import { writeMetricsTextfile } from '../../source/services/monitoring/metrics.js';
import { status, statusCheck } from '../../source/services/monitoring/status.js';
import { prepareReplicateSchedule } from '../../source/services/replicas/replicate.js';
import { pruneRuns } from '../../source/services/runs/pruning.js';
import { claimNextRun, fireSchedule } from '../../source/services/runs/queue.js';
import type { RunView } from '../../source/services/runs/runs.js';
import type { SupervisorEvent } from '../../source/services/schedule/events.js';
import { configureSchedule } from '../../source/services/schedule/schedules.js';
import { configureGlobal } from '../../source/services/settings.js';
import { deleteSnapshot } from '../../source/services/snapshots/snapshots.js';
import { hostMark } from '../../source/tui/panes/hosts.js';
import { CLI } from '../helpers/pobsync.js';

let dir: string;
let app: App;
let source: string;
let events: SupervisorEvent[];
const emit = (event: SupervisorEvent) => events.push(event);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-monitoring-'));
  source = join(dir, 'source');
  mkdirSync(source);
  writeFileSync(join(source, 'a.txt'), 'a\n');
  app = await openApp(join(dir, 'home'));
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
  await configureHost(app, 'web1', { address: 'local', sources: [source] });
  events = [];
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A hook that appends "EVENT HOST RUN" to calls.txt and its stdin to stdin.jsonl, and prints its environment. */
function recordingHook(): { command: string; calls(): string[]; inputs(): any[] } {
  const calls = join(dir, 'calls.txt');
  const inputs = join(dir, 'stdin.jsonl');
  return {
    command: `echo "$POBSYNC_EVENT $POBSYNC_HOST \${POBSYNC_RUN_ID:--}" >> ${calls}; cat >> ${inputs}; echo "attempt $POBSYNC_ATTEMPT"`,
    calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []),
    inputs: () =>
      existsSync(inputs)
        ? readFileSync(inputs, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [],
  };
}

const breakSource = () => renameSync(source, `${source}.moved`);
const mendSource = () => renameSync(`${source}.moved`, source);

/** A foreground backup and what follows it (alerts, pruning, metrics), at `now`. */
async function backUpNow(now = new Date()): Promise<RunView> {
  const { run } = await backupHost(app, 'web1');
  await followUpRun(app, run, emit, now);
  return run;
}

describe('alerts', () => {
  it('fire once per failure, once per stale spell and once on recovery', async () => {
    const hook = recordingHook();
    await configureGlobal(app, { alerts: { onFailure: hook.command, onStale: hook.command, onRecovery: hook.command } });
    await configureHost(app, 'web1', { maxAge: '1d' });
    const good = await backUpNow();
    expect(good.status).toBe('succeeded');
    // Ages count from when the snapshot started.
    const t0 = new Date(good.startedAt!);
    const later = (hours: number) => new Date(t0.getTime() + hours * 3600_000);

    expect(await checkStaleHosts(app, later(1), emit)).toEqual([]);
    expect(await checkStaleHosts(app, later(25), emit)).toEqual(['web1']);
    expect(await checkStaleHosts(app, later(26), emit)).toEqual([]);
    expect(hook.calls()).toEqual(['stale web1 -']);
    expect(events.filter((event) => event.type === 'alert')[0]).toMatchObject({ level: 'warning', host: 'web1' });

    breakSource();
    const failed = [await backUpNow(later(27)), await backUpNow(later(28))];
    expect(failed.map((run) => run.status)).toEqual(['failed', 'failed']);
    expect(await checkStaleHosts(app, later(29), emit)).toEqual([]);
    mendSource();
    const recovered = await backUpNow(later(30));
    await backUpNow(later(31));

    expect(hook.calls()).toEqual([
      'stale web1 -',
      `failure web1 ${failed[0]!.id}`,
      `failure web1 ${failed[1]!.id}`,
      `recovery web1 ${recovered.id}`,
    ]);
    const [stale, failure, , recovery] = hook.inputs();
    expect(stale).toMatchObject({
      event: 'stale',
      host: 'web1',
      run: null,
      maxAgeSeconds: 86_400,
      newestSnapshot: { ageSeconds: 25 * 3600 },
    });
    expect(failure).toMatchObject({ event: 'failure', run: { id: failed[0]!.id, status: 'failed', attempt: 1 } });
    expect(failure.run.error).toContain('does not exist');
    expect(recovery).toMatchObject({ event: 'recovery', run: { id: recovered.id, status: 'succeeded' } });
    // What the hook printed is in the run's log.
    const log = readFileSync(failed[0]!.logPath!, 'utf8');
    expect(log).toContain(`failure alert: hook ${JSON.stringify(hook.command)} exited 0`);
    expect(log).toContain('| attempt 1');
  });

  it('stops a hook that outlasts the hook timeout', async () => {
    const late = join(dir, 'late');
    await configureGlobal(app, { hookTimeout: '1s', alerts: { onFailure: `sleep 30; touch ${late}` } });
    const host = await app.catalogue.em().findOneOrFail(HostSchema, { name: 'web1' });
    const [delivery] = await deliverAlert(app, host, {
      event: 'failure',
      host: 'web1',
      address: 'local',
      message: 'test',
      server: 'here',
      time: new Date().toISOString(),
      run: null,
      newestSnapshot: null,
      maxAgeSeconds: null,
    });
    expect(delivery).toMatchObject({ target: 'hook', ok: false, summary: 'stopped after the hook timeout (1s)' });
    expect(existsSync(late)).toBe(false);
  });

  it('mails through the local sendmail', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const mail = join(dir, 'mail.txt');
    writeFileSync(join(bin, 'sendmail'), `#!/bin/sh\necho "ARGS $*" > ${mail}\ncat >> ${mail}\n`);
    chmodSync(join(bin, 'sendmail'), 0o755);
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path}`;
    try {
      await configureGlobal(app, { alerts: { notifyMail: 'ops@example.com' } });
      breakSource();
      const run = await backUpNow();
      const text = readFileSync(mail, 'utf8');
      expect(text).toMatch(/^ARGS -oi ops@example.com\nTo: ops@example.com\nSubject: pobsync on .*: backup of web1 failed: source /);
      expect(text).toContain(`run:      #${run.id} (manual, failed, attempt 1)`);
      expect(readFileSync(run.logPath!, 'utf8')).toContain('failure alert: mail to ops@example.com exited 0');
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe('retries', () => {
  it('try a failed scheduled backup again with a doubling delay, and alert only after the last try', async () => {
    const hook = recordingHook();
    await configureGlobal(app, { retries: 2, retryDelay: '10min', alerts: { onFailure: hook.command } });
    await configureSchedule(app, 'web1', undefined, { cron: '0 2 * * *' });
    const schedule = await app.catalogue.em().findOneOrFail(ScheduleSchema, { name: 'default' }, { populate: ['host'] });
    breakSource();
    const t0 = new Date();
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    await fireSchedule(app, schedule, new Date('2026-11-23T02:00:00Z'), t0);

    const runOnce = async (now: Date) => {
      const claimed = await claimNextRun(app, 2, now);
      if (!claimed) return undefined;
      const { run } = await executeRun(app, claimed.id);
      await followUpRun(app, run, emit, now);
      return run;
    };
    expect((await runOnce(at(0)))?.attempt).toBe(1);
    expect(hook.calls()).toEqual([]);
    expect(await runOnce(at(9))).toBeUndefined();
    expect((await runOnce(at(10)))?.attempt).toBe(2);
    expect(await runOnce(at(29))).toBeUndefined();
    const last = await runOnce(at(30));
    expect(last?.attempt).toBe(3);
    expect(await runOnce(at(1000))).toBeUndefined();

    const rows = await app.catalogue.em().find(RunSchema, {}, { orderBy: { id: 'asc' } });
    expect(rows.map((row) => [row.kind, row.status, row.attempt, row.notBefore?.getTime() ?? null])).toEqual([
      ['scheduled', 'failed', 1, null],
      ['scheduled', 'failed', 2, at(10).getTime()],
      ['scheduled', 'failed', 3, at(30).getTime()],
    ]);
    expect(hook.calls()).toEqual([`failure web1 ${last!.id}`]);
    expect(events.filter((event) => event.type === 'retry').map((event) => event.message)).toEqual([
      expect.stringContaining('retry 1 of 2 queued'),
      expect.stringContaining('retry 2 of 2 queued'),
    ]);
  });

  it('do not retry a manual backup', async () => {
    breakSource();
    await backUpNow();
    expect(await app.catalogue.em().count(RunSchema, { status: 'queued' })).toBe(0);
  });
});

describe('replica hosts', () => {
  it('go stale like backed-up hosts: newest replica older than twice the replicate interval, or their max age', async () => {
    const { replicateFrom, remotePobsync } = await prepareReplicateSchedule(app, { host: 'copy1', from: 'pobsync@127.0.0.1' });
    await configureSchedule(app, 'copy1', undefined, { cron: '0 3 * * *', action: 'replicate', replicateFrom, remotePobsync });
    // A replica as a replication records it: taken on the peer at t0.
    const t0 = new Date('2026-11-20T02:00:00Z');
    const em = app.catalogue.em();
    const host = await em.findOneOrFail(HostSchema, { name: 'copy1' });
    expect(host.enabled).toBe(false);
    const path = join(dir, 'backups', 'copy1', '2026-11-20T020000Z');
    mkdirSync(path, { recursive: true });
    em.create(SnapshotRecordSchema, {
      host,
      name: '2026-11-20T020000Z',
      kind: 'replica',
      status: 'complete',
      path,
      startedAt: t0,
      finishedAt: t0,
      origin: { peer: replicateFrom, snapshot: '2026-11-20T020000Z' },
    });
    await em.flush();
    await backUpNow();
    const later = (hours: number) => new Date(t0.getTime() + hours * 3600_000);
    const copy1 = async (now: Date) => (await status(app, now)).hosts.find((candidate) => candidate.host === 'copy1')!;

    // A daily replicate schedule: stale after two days, like a host backed up daily.
    expect((await copy1(later(47))).health).toMatchObject({ stale: false, state: 'ok', maxAgeSeconds: 2 * 86_400, monitored: true });
    const stale = await copy1(later(49));
    expect(stale.health).toMatchObject({ stale: true, state: 'warning', maxAgeSource: 'schedule' });
    expect(stale.nextRun).not.toBeNull();
    expect(hostMark(stale)).toBe('stale');
    expect((await status(app, later(49))).totals.stale).toBe(1);
    expect((await statusCheck(app, later(49))).line).toContain('copy1: stale: newest snapshot 2d old, max age 2d');
    expect(await checkStaleHosts(app, later(49), emit)).toEqual(['copy1']);

    // Its own max age wins over the schedule's.
    await configureHost(app, 'copy1', { maxAge: '3d' });
    expect((await copy1(later(49))).health).toMatchObject({ stale: false, maxAgeSeconds: 3 * 86_400, maxAgeSource: 'host' });
    expect((await copy1(later(73))).health).toMatchObject({ stale: true, maxAgeSource: 'host' });

    // Without an enabled replicate schedule it is a disabled host, watched by nobody.
    await configureSchedule(app, 'copy1', 'replicate', { enabled: false });
    const off = await copy1(later(100));
    expect(off.health?.monitored).toBe(false);
    expect(hostMark(off)).toBe('disabled');
    expect((await statusCheck(app, later(100))).line).not.toContain('copy1');
  });
});

describe('status --check', () => {
  it('says OK, WARNING, CRITICAL or UNKNOWN with the Nagios exit codes', async () => {
    expect(await statusCheck(app)).toMatchObject({
      state: 'CRITICAL',
      exitCode: 2,
      line: expect.stringContaining('web1: never backed up'),
    });
    await backUpNow();
    const t0 = new Date();
    expect(await statusCheck(app, t0)).toMatchObject({ state: 'OK', exitCode: 0 });
    // No max age without a schedule; given one, three days later the host is stale.
    expect((await statusCheck(app, new Date(t0.getTime() + 3 * 86_400_000))).exitCode).toBe(0);
    expect(await statusCheck(app, new Date(t0.getTime() + 3 * 86_400_000), { maxAgeSeconds: 86_400 })).toMatchObject({
      state: 'WARNING',
      exitCode: 1,
      line: expect.stringContaining('web1: stale: newest snapshot 3d old, max age 1d'),
    });
    // A daily schedule makes the default max age two days, and wants a scheduler running.
    await configureSchedule(app, 'web1', undefined, { cron: '0 2 * * *' });
    const check = await statusCheck(app, new Date(t0.getTime() + 3 * 86_400_000));
    expect(check.line).toContain('max age 2d');
    expect(check.line).toContain('no scheduler is running');
    breakSource();
    await backUpNow();
    expect(await statusCheck(app)).toMatchObject({ state: 'CRITICAL', exitCode: 2 });
    await configureHost(app, 'web1', { enabled: false });
    expect(await statusCheck(app)).toMatchObject({ state: 'UNKNOWN', exitCode: 3 });
  });

  it('prints one line and exits with the state from the CLI; UNKNOWN when the catalogue cannot be read', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    const env = { ...process.env, POBSYNC_HOME: app.paths.home };
    const ok = spawnSync(process.execPath, [CLI, 'status', '--check'], { env, encoding: 'utf8' });
    expect(ok.status).toBe(2);
    expect(ok.stdout).toBe('POBSYNC CRITICAL - web1: never backed up | hosts=1 ok=0 warning=0 critical=1\n');
    writeFileSync(join(dir, 'not-a-dir'), '');
    const unknown = spawnSync(process.execPath, [CLI, '--home', join(dir, 'not-a-dir'), 'status', '--check'], { env, encoding: 'utf8' });
    expect(unknown.status).toBe(3);
    expect(unknown.stdout).toMatch(/^POBSYNC UNKNOWN - /);
    expect(unknown.stdout.trim().split('\n')).toHaveLength(1);
    expect(() => execFileSync(process.execPath, [CLI, 'status', '--check', '--max-age', '5m'], { env, stdio: 'pipe' })).toThrow(
      expect.objectContaining({ status: 3 }),
    );
  });
});

describe('metrics', () => {
  it('writes the textfile atomically, owner- and node_exporter-readable, and it parses back', async () => {
    await backUpNow();
    breakSource();
    await backUpNow();
    const path = join(dir, 'textfile', 'pobsync.prom');
    mkdirSync(join(dir, 'textfile'));
    await writeMetricsTextfile(app, path);

    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(dir, 'textfile'))).toEqual(['pobsync.prom']);
    const text = readFileSync(path, 'utf8');
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const match = /^([a-z_]+(?:\{[^}]*\})?) (-?[\d.]+)$/.exec(line);
      expect(match, line).not.toBeNull();
      samples.set(match![1]!, Number(match![2]));
    }
    expect(samples.get('pobsync_host_snapshots{host="web1"}')).toBe(1);
    expect(samples.get('pobsync_host_last_run_status{host="web1",status="failed"}')).toBe(1);
    expect(samples.get('pobsync_host_last_run_status{host="web1",status="succeeded"}')).toBe(0);
    expect(samples.get('pobsync_host_health{host="web1"}')).toBe(2);
    expect(samples.get('pobsync_host_snapshots_size_bytes{host="web1"}')).toBe(2);
    expect(samples.get('pobsync_queue_length')).toBe(0);
    expect(samples.get('pobsync_scheduler_up')).toBe(0);
    const success = samples.get('pobsync_host_last_success_timestamp_seconds{host="web1"}')!;
    expect(Math.abs(success - Date.now() / 1000)).toBeLessThan(3600);
    expect(text).toContain('# TYPE pobsync_host_last_run_duration_seconds gauge');
  });
});

describe('run pruning', () => {
  it("keeps each host's newest runs and every run whose snapshot is still there, logs included", async () => {
    await configureGlobal(app, { keepRuns: 3 });
    const kept = await backUpNow();
    breakSource();
    const failed: RunView[] = [];
    for (let index = 0; index < 5; index += 1) failed.push(await backUpNow());
    mendSource();

    const ids = (await app.catalogue.em().find(RunSchema, {}, { orderBy: { id: 'asc' } })).map((row) => row.id);
    expect(ids).toEqual([kept.id, ...failed.slice(2).map((run) => run.id)]);
    for (const run of failed.slice(0, 2)) expect(existsSync(run.logPath!)).toBe(false);
    for (const run of [kept, ...failed.slice(2)]) expect(existsSync(run.logPath!)).toBe(true);

    // Once its snapshot is deleted, the old good run goes too.
    const snapshot = (await app.catalogue.em().findOneOrFail(RunSchema, { id: kept.id }, { populate: ['snapshot'] })).snapshot!;
    await deleteSnapshot(app, 'web1', snapshot.name, async () => true);
    expect(await pruneRuns(app)).toEqual({ deleted: 1 });
    expect(existsSync(kept.logPath!)).toBe(false);
  });
});
