/**
 * A day of 1,000 hosts on a real SQLite catalogue, with a fake clock and fake backups: the
 * schedules' fires go through fireSchedule as the scheduler hands them over, a real Worker claims
 * the runs, and a stand-in for rsync ends each after a seeded number of minutes, some as failures
 * that the real retry path queues again. Three servers share the catalogue, a third of the hosts
 * assigned to each, each with its own Worker (ticking as its server, as its own process would).
 * What must hold: every fire is queued (or skipped) once, no run runs on a server its host is not
 * assigned to, never more than max-concurrent run per server, each server starts its runs in the
 * order they became due, and no host starves.
 *
 * The clock moves in steps of 5 minutes, as a scheduler that was busy for a while: each step hands
 * over several fire times at once, so the queue, not the order of the fire calls, must put them in
 * fire order. (Ticking every minute makes the day three times slower and tests nothing more.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { HostSchema, type Schedule, ScheduleSchema } from '../../source/catalogue/entities/index.js';
import { finishRun } from '../../source/catalogue/runs.js';
import { ensureServer } from '../../source/catalogue/servers.js';
import { nextFires, resolveCron, validateCron } from '../../source/domain/schedule.js';
import { type App, openApp } from '../../source/services/app.js';
import type { RunExecutor } from '../../source/services/runs/dispatch.js';
import { fireSchedule } from '../../source/services/runs/queue.js';
import { queueRetry } from '../../source/services/runs/retry.js';
import { getRun } from '../../source/services/runs/runs.js';
import { Worker } from '../../source/services/runs/worker.js';
import { configureGlobal } from '../../source/services/settings.js';
import { random } from '../helpers/random.js';

const HOSTS = 1000;
/** per server */
const MAX_CONCURRENT = 10;
const SERVERS = ['alpha', 'beta', 'gamma'];
const SEED = 17;
const MINUTE = 60_000;
const STEP = 5 * MINUTE;
const START = new Date('2026-12-01T00:00:00Z').getTime();
const DAY_END = START + 24 * 60 * MINUTE;
/** When a run became due: a retry when its pause ended, a fire at its fire time, else when it was queued. */
const DUE = 'coalesce(not_before, scheduled_for, queued_at)';

/** Most hosts nightly, spread by H; some hourly or half-hourly. */
function cronOf(index: number): string {
  if (index < 640) return 'H 2 * * *';
  if (index < 800) return 'H H * * *';
  if (index < 940) return 'H(0-29) 3 * * *';
  if (index < 990) return 'H * * * *';
  return 'H/30 * * * *';
}

let dir: string;
let app: App;
const serverEnv = process.env['POBSYNC_SERVER_NAME'];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
  dir = mkdtempSync(join(tmpdir(), 'pobsync-scale-'));
  app = await openApp(join(dir, 'home'));
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC', maxConcurrent: MAX_CONCURRENT, retries: 2 });
});
afterEach(async () => {
  if (serverEnv === undefined) delete process.env['POBSYNC_SERVER_NAME'];
  else process.env['POBSYNC_SERVER_NAME'] = serverEnv;
  vi.useRealTimers();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Start {
  runId: number;
  hostId: number;
  /** when it became due (the queue's order) */
  due: number;
  at: number;
}

it('runs a day of 1,000 hosts on 3 servers: fires queued once, runs on their server within its limit, in order, none starved', async () => {
  const em = app.catalogue.em();
  for (const server of SERVERS) await ensureServer(em, server);
  for (let index = 0; index < HOSTS; index += 1) {
    const host = em.create(HostSchema, {
      name: `host${String(index).padStart(4, '0')}.example.net`,
      address: 'local',
      user: 'root',
      port: 22,
      sources: ['/etc'],
      excludes: [],
      rsyncArgs: [],
      server: SERVERS[index % SERVERS.length]!,
    });
    em.create(ScheduleSchema, { host, name: 'default', cron: validateCron(cronOf(index), 'UTC', host.name), action: 'backup' });
  }
  await em.flush();
  const schedules = await em.find(ScheduleSchema, {}, { populate: ['host'], orderBy: { id: 'asc' } });
  const hourlyHosts = new Set(schedules.filter((each) => each.cron.split(' ')[1] === '*').map((each) => each.host.id));

  // Every fire of the day, in fire order, as the scheduler would hand them to fireSchedule.
  const fires: { at: number; schedule: Schedule }[] = [];
  for (const schedule of schedules) {
    const cron = resolveCron(schedule.cron, schedule.host.name);
    for (let [at] = nextFires(cron, 'UTC', new Date(START - 1), 1); at && at.getTime() < DAY_END; [at] = nextFires(cron, 'UTC', at, 1)) {
      fires.push({ at: at.getTime(), schedule });
    }
  }
  fires.sort((a, b) => a.at - b.at || a.schedule.id - b.schedule.id);
  // H spreads the nightly hosts: no minute of 02:00-02:59 takes more than a few times its share.
  const nightly = new Map<number, number>();
  for (const fire of fires.filter((each) => each.schedule.cron === 'H 2 * * *')) nightly.set(fire.at, (nightly.get(fire.at) ?? 0) + 1);
  expect(nightly.size).toBeGreaterThanOrEqual(55);
  expect(Math.max(...nightly.values())).toBeLessThan(40);

  let now = START;
  const starts: Start[] = [];
  /** runs the stand-in started this step, waiting to learn how long they take */
  const begun = new Map<number, () => void>();
  const endings: { at: number; runId: number; end: () => void }[] = [];
  const failing = new Set<number>();
  const afterRuns: Promise<unknown>[] = [];

  // The stand-in for rsync: ends when the clock passes its end (set below), as a success or a failure.
  const execute: RunExecutor = async (_app, runId) => {
    await new Promise<void>((end) => begun.set(runId, end));
    const failed = failing.has(runId);
    await finishRun(em, runId, { status: failed ? 'failed' : 'succeeded', error: failed ? 'simulated failure' : null }, new Date(now));
    return { run: await getRun(app, String(runId)), snapshot: null };
  };
  const workers = SERVERS.map(
    (server) =>
      [
        server,
        new Worker(
          app,
          () => {},
          undefined,
          {},
          (run) => afterRuns.push(queueRetry(app, run, new Date(now))),
          execute,
        ),
      ] as const,
  );
  const runningCount = () => workers.reduce((sum, [, worker]) => sum + worker.runningIds.length, 0);

  const outcomes = new Map<string, number>();
  let nextFire = 0;
  const mostRunning = new Map<string, number>();
  const waiting = `from run r join host h on h.id = r.host_id where r.status = 'queued' and h.server = ?
          and (r.not_before is null or r.not_before <= ?)
          and not exists (select 1 from run x where x.host_id = r.host_id and x.status = 'running')`;
  const checkSql = `select
      (select count(*) from run where status = 'running' and server = ?) as running,
      (select count(*) ${waiting}) as eligible,
      (select min(${DUE.replace(/\b(not_before|scheduled_for|queued_at)\b/g, 'r.$1')}) ${waiting}) as eligible_due`;

  for (; ; now += STEP) {
    vi.setSystemTime(now);
    // Backups whose time is up end; their retries are queued before anything else happens.
    const ending = endings.filter((each) => each.at <= now);
    if (ending.length > 0) {
      for (const each of ending) {
        endings.splice(endings.indexOf(each), 1);
        each.end();
      }
      await vi.waitFor(() => expect(runningCount()).toBe(endings.length), { interval: 1, timeout: 30_000 });
      await Promise.all(afterRuns.splice(0));
    }
    while (nextFire < fires.length && fires[nextFire]!.at <= now) {
      const { at, schedule } = fires[nextFire]!;
      const outcome = await fireSchedule(app, schedule, new Date(at), new Date(now));
      outcomes.set(outcome.outcome, (outcomes.get(outcome.outcome) ?? 0) + 1);
      nextFire += 1;
    }
    for (const [server, worker] of workers) {
      process.env['POBSYNC_SERVER_NAME'] = server;
      await worker.tick();
    }
    await vi.waitFor(() => expect(begun.size).toBe(runningCount() - endings.length), { interval: 1, timeout: 30_000 });
    const started =
      begun.size === 0
        ? []
        : await em.execute<{ id: number; host_id: number; due: number; server: string }[]>(
            `select id, host_id, ${DUE} as due, server from run where id in (${[...begun.keys()].join(',')})`,
          );
    for (const run of started) {
      starts.push({ runId: run.id, hostId: run.host_id, due: run.due, at: now });
      const draw = random(SEED * 100_003 + run.id);
      const steps = hourlyHosts.has(run.host_id) ? 1 : 1 + Math.floor(draw() * 4);
      if (draw() < 0.05) failing.add(run.id);
      endings.push({ at: now + steps * STEP, runId: run.id, end: begun.get(run.id)! });
    }
    begun.clear();

    for (const server of SERVERS) {
      const [check] = await em.execute<{ running: number; eligible: number; eligible_due: number | null }[]>(
        checkSql,
        [server, server, now, server, now],
        'all',
      );
      expect(check!.running).toBeLessThanOrEqual(MAX_CONCURRENT);
      mostRunning.set(server, Math.max(mostRunning.get(server) ?? 0, check!.running));
      // What this step started on the server became due no later than anything of it left waiting that could have started.
      if (check!.eligible > 0) {
        expect(check!.running).toBe(MAX_CONCURRENT);
        for (const run of started.filter((each) => each.server === server)) expect(run.due).toBeLessThanOrEqual(check!.eligible_due!);
      }
    }
    const [{ queued }] = (await em.execute<{ queued: number }[]>(`select count(*) as queued from run where status = 'queued'`)) as [
      { queued: number },
    ];
    if (nextFire === fires.length && queued === 0 && endings.length === 0) break;
    expect(now).toBeLessThan(DAY_END + 24 * 60 * MINUTE);
  }

  expect([...mostRunning.values()]).toEqual(SERVERS.map(() => MAX_CONCURRENT));
  // No run ran on a server its host is not assigned to.
  expect(
    await em.execute(`select r.id from run r join host h on h.id = r.host_id where r.status != 'skipped' and r.server != h.server`),
  ).toEqual([]);
  expect(await em.execute(`select id from run where status != 'skipped' and server is null`)).toEqual([]);
  // Every fire was handled once: a queued run or a skipped one, never two for one fire time.
  expect(outcomes.get('duplicate')).toBeUndefined();
  expect((outcomes.get('queued') ?? 0) + (outcomes.get('skipped') ?? 0)).toBe(fires.length);
  const count = async (sql: string) => (await em.execute<{ count: number }[]>(sql))[0]!.count;
  expect(await count(`select count(*) as count from run where scheduled_for is not null`)).toBe(fires.length);
  const duplicates = await em.execute(
    `select schedule_id from run where scheduled_for is not null group by schedule_id, scheduled_for having count(*) > 1`,
  );
  expect(duplicates).toEqual([]);
  // No host starved: every run queued was started, and every host that fired had a run started.
  const statuses = await em.execute<{ status: string }[]>(`select distinct status from run`);
  expect(statuses.map((row) => row.status).sort()).toEqual(['failed', 'skipped', 'succeeded']);
  const startedIds = starts.map((each) => each.runId).join(',');
  expect(await count(`select count(*) as count from run where status != 'skipped' and id not in (${startedIds})`)).toBe(0);
  const startedHosts = new Set(starts.map((each) => each.hostId));
  expect(new Set(fires.map((fire) => fire.schedule.host.id)).size).toBe(HOSTS);
  expect(schedules.filter((schedule) => !startedHosts.has(schedule.host.id)).map((schedule) => schedule.host.name)).toEqual([]);
  // Failed scheduled backups were tried again, through the queue like any other run.
  expect(await count(`select count(*) as count from run where attempt > 1`)).toBeGreaterThan(0);
});
