/**
 * Scheduling, the queue and the lease against a real catalogue (SQLite, and MariaDB on the MariaDB
 * pass), with the clock passed in: no sleeping through real minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlobalConfigSchema, HostSchema, RunSchema, ScheduleSchema, SnapshotRecordSchema } from '../../source/catalogue/entities/index.js';
import { claimNextRun as claimRun, insertRetryRun, isCancelRequested, releaseClaim, saveProgress } from '../../source/catalogue/runs.js';
import { ensureServer, setServerBackupRoot } from '../../source/catalogue/servers.js';
import { hostSummaries, lastResults } from '../../source/catalogue/summaries.js';
import { resolveCron } from '../../source/domain/schedule.js';
import type { RunKind, RunStatus } from '../../source/domain/types.js';
import { serverName } from '../../source/engine/server-name.js';
import { type App, openApp } from '../../source/services/app.js';
import { configSections } from '../../source/services/config/export.js';
import { configureHost, findHost, listHosts } from '../../source/services/hosts/hosts.js';
import { removeHost } from '../../source/services/hosts/removal.js';
import { status } from '../../source/services/monitoring/status.js';
import { prepareReplicateSchedule, queueReplicate } from '../../source/services/replicas/replicate.js';
import { claimNextRun, fireSchedule, queueBackup } from '../../source/services/runs/queue.js';
import { listRuns, requestCancel, startRun } from '../../source/services/runs/runs.js';
import type { SupervisorEvent } from '../../source/services/schedule/events.js';
import { LEASE_TTL_MS, readLease, renewLease, tryAcquireLease } from '../../source/services/schedule/lease.js';
import { schedulerTick } from '../../source/services/schedule/scheduler.js';
import { configureSchedule } from '../../source/services/schedule/schedules.js';
import { type Supervisor, startSupervisor } from '../../source/services/schedule/supervisor.js';
import { heartbeat, listServers, SERVER_DOWN_AFTER_MS, SERVER_HEARTBEAT_MS } from '../../source/services/servers.js';
import { configureGlobal } from '../../source/services/settings.js';
import { freshTestDatabase } from '../helpers/mariadb.js';
import { waitFor } from '../helpers/pobsync.js';

let dir: string;
let app: App;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-scheduler-'));
  freshTestDatabase();
  app = await openApp(join(dir, 'home'));
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'Europe/Berlin' });
  for (const name of ['web1', 'web2']) await configureHost(app, name, { address: 'local', sources: ['/etc/hostname'] });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sets when the host's default schedule last fired, as if a scheduler had run then. */
async function lastFired(hostName: string, at: Date): Promise<void> {
  const em = app.catalogue.em();
  const schedule = await em.findOneOrFail(ScheduleSchema, { host: { name: hostName }, name: 'default' });
  schedule.lastFiredAt = at;
  await em.flush();
}

async function runs() {
  return app.catalogue.em().find(RunSchema, {}, { orderBy: { id: 'asc' }, populate: ['host'] });
}

describe('scheduler tick', () => {
  it('fires a due schedule once, then not again until the next fire time', async () => {
    await configureSchedule(app, 'web1', undefined, { cron: '0 * * * *' });
    await lastFired('web1', new Date('2026-11-23T05:00:00Z'));
    const events: SupervisorEvent[] = [];

    expect(await schedulerTick(app, new Date('2026-11-23T05:59:59Z'), (e) => events.push(e))).toBe(0);
    expect(await schedulerTick(app, new Date('2026-11-23T06:00:00Z'), (e) => events.push(e))).toBe(1);
    expect(await schedulerTick(app, new Date('2026-11-23T06:00:30Z'), (e) => events.push(e))).toBe(0);

    const [run] = await runs();
    expect(await runs()).toHaveLength(1);
    expect(run).toMatchObject({ kind: 'scheduled', status: 'queued', scheduledFor: new Date('2026-11-23T06:00:00Z') });
    expect(events.map((e) => e.type)).toEqual(['fired']);
  });

  it('stops a tick at the next schedule when the supervisor stops: a quitting TUI waits for no thousand hosts', async () => {
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const host of ['web1', 'web2']) {
      await configureSchedule(app, host, undefined, { cron: '0 * * * *' });
      await lastFired(host, hourAgo);
    }
    let supervisor: Supervisor | undefined;
    let stopped: Promise<void> | undefined;
    // Stopped as the first schedule fires, in the middle of the tick (emit is called there).
    supervisor = await startSupervisor(app, {
      role: 'tui',
      schedule: true,
      work: false,
      schedulerIntervalMs: 60_000,
      workerIntervalMs: 60_000,
      emit: (event) => {
        if (event.type === 'fired' && !stopped) stopped = supervisor!.stop(0);
      },
    });
    await waitFor('the first schedule to fire', () => stopped !== undefined);
    await stopped;
    expect((await runs()).map((run) => run.host.name)).toEqual(['web1']);
  });

  it('catches up once, not once per missed fire, and says so', async () => {
    await configureSchedule(app, 'web1', undefined, { cron: '0 * * * *' });
    await lastFired('web1', new Date('2026-11-23T00:00:00Z'));
    const events: SupervisorEvent[] = [];

    await schedulerTick(app, new Date('2026-11-23T05:30:00Z'), (e) => events.push(e));
    await schedulerTick(app, new Date('2026-11-23T05:31:00Z'), (e) => events.push(e));

    expect((await runs()).map((run) => run.scheduledFor?.toISOString())).toEqual(['2026-11-23T05:00:00.000Z']);
    expect(events[0]).toMatchObject({ type: 'catch-up', host: 'web1' });
    expect(events[0]!.message).toContain('5 fire times passed since its last fire');
  });

  it('records a skipped fire, with the reason, while the host has a run queued or running', async () => {
    await configureSchedule(app, 'web1', undefined, { cron: '0 * * * *' });
    await lastFired('web1', new Date('2026-11-23T05:00:00Z'));
    const events: SupervisorEvent[] = [];
    await schedulerTick(app, new Date('2026-11-23T06:00:00Z'), (e) => events.push(e));
    const [first] = await runs();

    await schedulerTick(app, new Date('2026-11-23T07:00:00Z'), (e) => events.push(e));

    const all = await runs();
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ status: 'skipped', error: `skipped: web1 already has run #${first!.id} queued` });
    expect(events.at(-1)).toMatchObject({ type: 'skipped', message: expect.stringContaining(`run #${first!.id} queued`) });
  });

  it('skips disabled schedules and disabled hosts', async () => {
    await configureSchedule(app, 'web1', undefined, { cron: '0 * * * *', enabled: false });
    await configureSchedule(app, 'web2', undefined, { cron: '0 * * * *' });
    await configureHost(app, 'web2', { enabled: false });
    await lastFired('web2', new Date('2026-11-23T00:00:00Z'));
    expect(await schedulerTick(app, new Date('2026-11-23T06:00:00Z'), () => {})).toBe(0);
    expect(await runs()).toHaveLength(0);
  });

  it('keeps an H schedule as written and fires it at the minute the host name picks', async () => {
    const { schedule } = await configureSchedule(app, 'web1', undefined, { cron: 'H 2 * * *' });
    const minute = resolveCron('H 2 * * *', 'web1').split(' ')[0]!.padStart(2, '0');
    expect(schedule).toMatchObject({ cron: 'H 2 * * *', resolvedCron: `${Number(minute)} 2 * * *` });
    await lastFired('web1', new Date('2026-11-23T00:00:00Z'));
    // Europe/Berlin is UTC+1 in November: 02:MM local is 01:MM UTC.
    const fireTime = new Date(`2026-11-23T01:${minute}:00Z`);
    expect(await schedulerTick(app, new Date(fireTime.getTime() - 1000), () => {})).toBe(0);
    expect(await schedulerTick(app, fireTime, () => {})).toBe(1);
    expect((await runs()).map((run) => run.scheduledFor)).toEqual([fireTime]);
    await expect(configureSchedule(app, 'web2', undefined, { cron: 'H(40-20) 2 * * *' })).rejects.toThrow(
      'cron expression "H(40-20) 2 * * *" is not allowed: minute field "H(40-20)": the range must run from low to high within 0-59',
    );
  });

  it('makes one run per fire time even when two schedulers race', async () => {
    await configureSchedule(app, 'web1', undefined, { cron: '0 * * * *' });
    const schedule = await app.catalogue.em().findOneOrFail(ScheduleSchema, { name: 'default' }, { populate: ['host'] });
    const at = new Date('2026-11-23T06:00:00Z');
    const outcomes = await Promise.all([fireSchedule(app, schedule, at), fireSchedule(app, schedule, at)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'queued']);
    expect(await runs()).toHaveLength(1);
  });
});

describe('queue', () => {
  it('claims the oldest queued run, never two for one host, never more than max-concurrent', async () => {
    const a = await queueBackup(app, 'web1');
    const b = await queueBackup(app, 'web1');
    const c = await queueBackup(app, 'web2');

    expect(await claimNextRun(app, 2)).toEqual({ id: a.runId, host: 'web1' });
    // web1 is busy, so web2's run is next even though web1's second run is older.
    expect(await claimNextRun(app, 2)).toEqual({ id: c.runId, host: 'web2' });
    expect(await claimNextRun(app, 3)).toBeUndefined();
    await app.catalogue.em().nativeUpdate(RunSchema, { id: c.runId }, { status: 'succeeded' });
    expect(await claimNextRun(app, 1)).toBeUndefined(); // one running of max one
    await app.catalogue.em().nativeUpdate(RunSchema, { id: a.runId }, { status: 'succeeded' });
    expect(await claimNextRun(app, 1)).toEqual({ id: b.runId, host: 'web1' });
  });

  it('leaves another server its snapshots and its root: no deleting them from here, no exporting its root as ours', async () => {
    const em = app.catalogue.em();
    await ensureServer(em, 'beta');
    await setServerBackupRoot(em, 'beta', '/srv/beta-backups');
    await configureHost(app, 'web2', { server: 'beta' });
    const host = await em.findOneOrFail(HostSchema, { name: 'web2' });
    const at = new Date('2026-11-23T02:00:00Z');
    em.create(SnapshotRecordSchema, {
      ...{ host, name: '2026-11-23T020000Z', kind: 'scheduled', status: 'complete', path: '/srv/beta-backups/web2/2026-11-23T020000Z' },
      ...{ startedAt: at, finishedAt: at, protected: false, createdAt: at, dumps: [], server: 'beta' },
    });
    await em.flush();
    const removal = removeHost(app, 'web2', { snapshots: 'delete', confirm: async () => true });
    await expect(removal).rejects.toThrow('snapshot 2026-11-23T020000Z of web2 is held by server beta');
    expect(await app.catalogue.em().count(SnapshotRecordSchema, { host: host.id })).toBe(1);
    expect(await app.catalogue.em().findOneOrFail(HostSchema, { name: 'web2' })).toMatchObject({ enabled: true });
    // The catalogue-wide default is not this server's root: export says this server's.
    await em.nativeUpdate(GlobalConfigSchema, { id: 1 }, { backupRoot: '/srv/beta-backups' });
    expect((await configSections(app)).global?.['backup_root']).toBe(join(dir, 'backups'));
  });

  it("queues a replication of a host another server backs up for this server's worker, never that server's", async () => {
    const em = app.catalogue.em();
    await ensureServer(em, 'beta');
    await configureHost(app, 'web2', { address: 'local', sources: ['/etc/hostname'], server: 'beta' });
    const owner = (server: string) => ({ pid: process.pid, node: 'test', pidStart: null, server });
    const claim = (server: string) => claimRun(app.catalogue.em(), owner(server), ['/logs/', '.log'], 2);
    const { runId } = await queueReplicate(app, { host: 'web2', from: 'backup@peer.example' });
    expect(await listRuns(app, { host: 'web2' })).toMatchObject([{ id: runId, kind: 'replicate', status: 'queued', server: serverName() }]);
    expect(await claim('beta')).toBeUndefined();
    expect(await claim(serverName())).toEqual({ id: runId, host: 'web2' });
    // Given back by a worker that stops, it stays this server's; a backup given back is again its host's server's.
    await releaseClaim(app.catalogue.em(), runId);
    expect(await claim('beta')).toBeUndefined();
    await app.catalogue.em().nativeUpdate(RunSchema, { id: runId }, { status: 'cancelled' });
    const backup = await queueBackup(app, 'web2');
    expect(await claim(serverName())).toBeUndefined();
    expect(await claim('beta')).toEqual({ id: backup.runId, host: 'web2' });
    await releaseClaim(app.catalogue.em(), backup.runId);
    expect(await listRuns(app, { host: 'web2' })).toMatchObject([{ id: backup.runId, status: 'queued', server: null }, { id: runId }]);
    await app.catalogue.em().nativeUpdate(RunSchema, { id: backup.runId }, { status: 'cancelled' });

    // A replicate schedule of it names this server, and its fires (queued or skipped) are this server's
    // worker's, whichever server's scheduler fires them; a backup schedule's fires stay the host's server's.
    const replication = await prepareReplicateSchedule(app, { host: 'web2', from: 'backup@peer.example' });
    expect(replication.server).toBe(serverName());
    const { schedule } = await configureSchedule(app, 'web2', undefined, { cron: '0 4 * * *', action: 'replicate', ...replication });
    expect(schedule).toMatchObject({ action: 'replicate', server: serverName() });
    const stored = await app.catalogue.em().findOneOrFail(ScheduleSchema, { id: schedule.id }, { populate: ['host'] });
    const fired = await fireSchedule(app, stored, new Date('2026-11-23T04:00:00Z'));
    expect(fired.outcome).toBe('queued');
    const firedRun = fired.outcome === 'queued' ? fired.runId : 0;
    expect(await claim('beta')).toBeUndefined();
    expect(await claim(serverName())).toEqual({ id: firedRun, host: 'web2' });
    const skipped = await fireSchedule(app, stored, new Date('2026-11-24T04:00:00Z'));
    expect(skipped.outcome).toBe('skipped');
    expect(await listRuns(app, { host: 'web2', limit: 2 })).toMatchObject([
      { status: 'skipped', kind: 'replicate', server: serverName() },
      { id: firedRun, status: 'running', kind: 'replicate', server: serverName() },
    ]);
    const backupSchedule = await configureSchedule(app, 'web2', undefined, { cron: '0 5 * * *' });
    expect(backupSchedule.schedule.server).toBeNull();
  });

  it('claims for a server only runs of its hosts, within its own max-concurrent', async () => {
    const em = app.catalogue.em();
    const self = serverName();
    const owner = (server: string) => ({ pid: process.pid, node: 'test', pidStart: null, server });
    const claim = (server: string, max: number) => claimRun(app.catalogue.em(), owner(server), ['/logs/', '.log'], max);
    // One server: a host from before servers (assigned to none) is its.
    await em.nativeUpdate(HostSchema, { name: 'web1' }, { server: null });
    const early = await queueBackup(app, 'web1');
    expect(await claim(self, 2)).toEqual({ id: early.runId, host: 'web1' });
    await em.nativeUpdate(RunSchema, { id: early.runId }, { status: 'succeeded' });

    await ensureServer(em, 'beta');
    await configureHost(app, 'web2', { server: 'beta' });
    await configureHost(app, 'web3', { address: 'local', sources: ['/etc/hostname'], server: 'beta' });
    await configureHost(app, 'web4', { address: 'local', sources: ['/etc/hostname'] });
    expect((await listHosts(app)).map((host) => [host.name, host.server])).toEqual([
      ['web1', null],
      ['web2', 'beta'],
      ['web3', 'beta'],
      ['web4', self],
    ]);
    const web1 = await queueBackup(app, 'web1');
    const web2 = await queueBackup(app, 'web2');
    const web3 = await queueBackup(app, 'web3');
    const web4 = await queueBackup(app, 'web4');

    expect(await claim('beta', 1)).toEqual({ id: web2.runId, host: 'web2' });
    // beta's one slot is taken; web3 waits although this server has slots free.
    expect(await claim('beta', 1)).toBeUndefined();
    // beta's running run does not count against this server; web1 (assigned to none) waits now that there are two.
    expect(await claim(self, 1)).toEqual({ id: web4.runId, host: 'web4' });
    expect(await claim(self, 5)).toBeUndefined();
    expect(await claim('beta', 2)).toEqual({ id: web3.runId, host: 'web3' });
    const rows = await em.find(RunSchema, { id: { $in: [web1.runId, web2.runId, web3.runId, web4.runId] } }, { orderBy: { id: 'asc' } });
    expect(rows.map((run) => [run.status, run.server ?? null])).toEqual([
      ['queued', null],
      ['running', 'beta'],
      ['running', 'beta'],
      ['running', self],
    ]);
    await expect(queueBackup(app, 'web1')).resolves.toBeDefined();
    await expect(configureHost(app, 'web1', { server: 'gamma' })).rejects.toThrow(
      `unknown server "gamma": the servers of this catalogue are ${['beta', self].sort().join(', ')}`,
    );
  });

  it('shows a server as down once it missed three heartbeats', async () => {
    const start = new Date('2026-11-23T03:00:00Z');
    await heartbeat(app, start, true);
    const state = async (seconds: number) =>
      (await listServers(app, new Date(start.getTime() + seconds * 1000))).find((server) => server.self)!.state;
    expect(await state(SERVER_DOWN_AFTER_MS / 1000 - 1)).toBe('up');
    expect(await state(SERVER_DOWN_AFTER_MS / 1000)).toBe('down');
    expect(SERVER_DOWN_AFTER_MS).toBe(3 * SERVER_HEARTBEAT_MS);
  });

  it('judges heartbeats by the database clock: a viewer whose own clock runs ahead still sees a live server up', async () => {
    await heartbeat(app);
    const ahead = new Date(Date.now() + 10 * 60_000);
    expect((await status(app, ahead)).servers.find((server) => server.self)?.state).toBe('up');
    expect((await listServers(app)).find((server) => server.self)?.state).toBe('up');
  });

  it('starts runs in fire order, even when one tick queued them', async () => {
    await configureHost(app, 'web3', { address: 'local', sources: ['/etc/hostname'] });
    // Schedule ids run web1, web2, web3; their fire times run the other way.
    await configureSchedule(app, 'web1', undefined, { cron: '50 2 * * *', timeZone: 'UTC' });
    await configureSchedule(app, 'web2', undefined, { cron: '30 2 * * *', timeZone: 'UTC' });
    await configureSchedule(app, 'web3', undefined, { cron: '10 2 * * *', timeZone: 'UTC' });
    for (const host of ['web1', 'web2', 'web3']) await lastFired(host, new Date('2026-11-23T00:00:00Z'));
    // The scheduler was down from 02:00 to 03:00: one tick queues all three.
    expect(await schedulerTick(app, new Date('2026-11-23T03:00:00Z'), () => {})).toBe(3);
    const claimed: string[] = [];
    for (let index = 0; index < 3; index += 1) claimed.push((await claimNextRun(app, 3, new Date('2026-11-23T03:00:01Z')))!.host);
    expect(claimed).toEqual(['web3', 'web2', 'web1']);
  });

  it('puts a retry behind the runs queued before it became due', async () => {
    const em = app.catalogue.em();
    const web1 = await em.findOneOrFail(HostSchema, { name: 'web1' });
    await configureSchedule(app, 'web2', undefined, { cron: '1 3 * * *', timeZone: 'UTC' });
    await lastFired('web2', new Date('2026-11-23T00:00:00Z'));
    // web1 failed at 03:00; its retry may start from 03:05.
    const retry = await insertRetryRun(em, {
      hostId: web1.id,
      scheduleId: null,
      prune: false,
      attempt: 2,
      now: new Date('2026-11-23T03:00:00Z'),
      notBefore: new Date('2026-11-23T03:05:00Z'),
    });
    // web2's schedule fires at 03:01, while every slot is taken; at 03:06 one slot frees up.
    expect(await schedulerTick(app, new Date('2026-11-23T03:01:00Z'), () => {})).toBe(1);
    expect(await claimNextRun(app, 1, new Date('2026-11-23T03:06:00Z'))).toMatchObject({ host: 'web2' });
    await em.nativeUpdate(RunSchema, { status: 'running' }, { status: 'succeeded' });
    expect(await claimNextRun(app, 1, new Date('2026-11-23T03:07:00Z'))).toEqual({ id: retry, host: 'web1' });
  });

  it('cancels a queued run at once, and refuses to cancel a finished one', async () => {
    const { runId } = await queueBackup(app, 'web1');
    expect((await requestCancel(app, String(runId))).outcome).toBe('cancelled');
    expect((await runs())[0]).toMatchObject({ status: 'cancelled' });
    await expect(requestCancel(app, String(runId))).rejects.toThrow(
      `run #${runId} is not queued or running (it is cancelled); nothing to cancel`,
    );
    expect(await claimNextRun(app, 2)).toBeUndefined();
  });
});

describe('run summaries', () => {
  it("find each host's last run past skipped fires, and its last backup result past restores, verifies and cancels", async () => {
    const em = app.catalogue.em();
    const web1 = await em.findOneOrFail(HostSchema, { name: 'web1' });
    const web2 = await em.findOneOrFail(HostSchema, { name: 'web2' });
    let minute = 0;
    const run = (host: typeof web1, kind: RunKind, status: RunStatus) => {
      minute += 1;
      const at = new Date(Date.UTC(2026, 10, 23, 6, minute));
      return em.create(RunSchema, { host, kind, status, queuedAt: at, startedAt: at, finishedAt: at });
    };
    run(web1, 'scheduled', 'failed');
    const web1Result = run(web1, 'manual', 'succeeded');
    run(web1, 'restore', 'succeeded');
    const web1Last = run(web1, 'scheduled', 'cancelled');
    run(web1, 'scheduled', 'skipped');
    run(web1, 'scheduled', 'skipped');
    const web2Result = run(web2, 'scheduled', 'partial');
    run(web2, 'verify', 'failed');
    run(web2, 'manual', 'interrupted');
    const web2Last = run(web2, 'manual', 'queued');
    await em.flush();

    const summaries = await hostSummaries(em, serverName());
    expect(summaries.get(web1.id)).toMatchObject({ lastRunId: web1Last.id, lastRunStatus: 'cancelled', active: null });
    expect(summaries.get(web2.id)).toMatchObject({ lastRunId: web2Last.id, lastRunStatus: 'queued', active: 'queued' });
    const results = await lastResults(em);
    expect(results.get(web1.id)).toMatchObject({ id: web1Result.id, status: 'succeeded' });
    expect(results.get(web2.id)).toMatchObject({ id: web2Result.id, status: 'partial' });
    expect(results.size).toBe(2);
  });
});

describe('scheduler lease', () => {
  it('goes to one holder, is renewed by it, and is taken over only after it expires', async () => {
    const now = new Date('2026-11-23T06:00:00Z');
    expect((await tryAcquireLease(app, 'A', 'daemon', now)).acquired).toBe(true);
    const second = await tryAcquireLease(app, 'B', 'daemon', new Date(now.getTime() + 1000));
    expect(second).toMatchObject({ acquired: false, lease: { holder: 'A', role: 'daemon', pid: process.pid } });
    expect(await renewLease(app, 'A', new Date(now.getTime() + 10_000))).toBe(true);
    // Renewed at +10 s: still A's at +10 s + TTL - 1 ms, B's after that.
    expect((await tryAcquireLease(app, 'B', 'daemon', new Date(now.getTime() + 10_000 + LEASE_TTL_MS - 1))).acquired).toBe(false);
    expect((await tryAcquireLease(app, 'B', 'daemon', new Date(now.getTime() + 10_000 + LEASE_TTL_MS))).acquired).toBe(true);
    expect(await renewLease(app, 'A', new Date(now.getTime() + 50_000))).toBe(false);
    expect((await readLease(app, new Date(now.getTime() + 50_000)))?.holder).toBe('B');
  });
});

describe("a running run's row", () => {
  it('takes the progress the run saves, and tells the run when a cancel was asked for', async () => {
    const { run } = await startRun(app, await findHost(app.catalogue.em(), 'web1'), 'manual');
    const em = app.catalogue.em();
    const progress = {
      bytes: 1_234_567,
      percent: 45,
      rate: 2048,
      elapsedSeconds: 5,
      transferredFiles: 12,
      toCheck: 100,
      totalFiles: 2000,
      scanComplete: false,
    };
    // A save that lands says no cancel was requested (the run then skips that second's poll).
    expect(await saveProgress(em, run.id, progress)).toBe(true);
    expect((await listRuns(app, { host: 'web1' }))[0]).toMatchObject({ id: run.id, progress });
    expect(await isCancelRequested(em, run.id)).toBe(false);
    expect((await requestCancel(app, String(run.id))).outcome).toBe('requested');
    expect(await isCancelRequested(em, run.id)).toBe(true);
    expect(await saveProgress(em, run.id, { ...progress, percent: 50 })).toBe(false);
  });
});
