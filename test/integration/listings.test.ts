/**
 * The listings read a current SQLite catalogue straight through the sqlite3 driver (no ORM): they
 * must say exactly what the ORM's reads say, on a catalogue with every kind of row and field, and
 * a catalogue that needs the ORM first (a migration pending, none yet) must still get it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMN_KINDS, planInputsByColumns, planInputsByRows } from '../../source/catalogue/reads.js';
import { MIGRATIONS_TABLE } from '../../source/catalogue/schema-version.js';
import { openSqliteReader } from '../../source/catalogue/sqlite-reads.js';
import { columnsOf, nameAt, type PlanColumns } from '../../source/domain/retention.js';
import { type App, openApp, openChosenReadApp, type ReadApp } from '../../source/services/app.js';
import { listHosts } from '../../source/services/hosts/host-view.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { status, statusCheck } from '../../source/services/monitoring/status.js';
import { configureSchedule } from '../../source/services/schedule/schedules.js';
import { configureGlobal } from '../../source/services/settings.js';
import { previewRetention } from '../../source/services/snapshots/retention-plan.js';
import { listSnapshots } from '../../source/services/snapshots/snapshot-view.js';
import { sqlite } from '../helpers/sqlite.js';

let dir: string | undefined;
const opened: ReadApp[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const NOW = new Date('2026-12-03T12:00:00Z');
const HOUR = 3_600_000;

/** Hosts, schedules, snapshots, runs and a lease with every field set somewhere and left null elsewhere. */
async function richCatalogue(home: string, backupRoot: string): Promise<void> {
  const app = await openApp(home);
  try {
    await configureGlobal(app, { backupRoot, timeZone: 'Europe/Berlin', alerts: { onFailure: 'logger failed' }, retries: '3' });
    await configureHost(app, 'db1', {
      address: 'db1.example.org',
      user: 'backup',
      port: '2222',
      sources: ['/etc', '/var/lib/mysql'],
      excludes: ['*.tmp'],
      rsyncArgs: ['--bwlimit=5m'],
      dumps: ['mysql=mysqldump --all-databases'],
      maxAge: '36h',
      alerts: { onFailure: 'logger db1' },
      retries: '1',
      retryDelay: '10min',
    });
    await configureHost(app, 'web1', { address: 'local', sources: ['/srv'] });
    await configureHost(app, 'old', { address: 'old.example.org', sources: ['/home'], enabled: false });
    await configureSchedule(app, 'db1', 'nightly', { cron: '15 2 * * *' }, NOW);
    await configureSchedule(app, 'web1', 'hourly', { cron: '0 * * * *', timeZone: 'UTC', prune: true }, NOW);
    await configureSchedule(app, 'web1', 'off', { cron: '0 3 * * *', enabled: false }, NOW);
    const em = app.catalogue.em();
    const snapshot = (host: number, hoursAgo: number, extra: Record<string, unknown> = {}) => {
      const at = NOW.getTime() - hoursAgo * HOUR;
      const name = new Date(at)
        .toISOString()
        .replace(/[-:]|\.\d+/g, '')
        .replace(/^(\d{4})(\d\d)(\d\d)/, '$1-$2-$3');
      const row: Record<string, unknown> = {
        host_id: host,
        name,
        kind: 'scheduled',
        status: 'complete',
        path: join(backupRoot, String(host), name),
        started_at: at,
        finished_at: at + 90_000,
        protected: 0,
        created_at: at + 90_000,
        dumps: '[]',
        ...extra,
      };
      return em.execute(
        `insert into snapshot (${Object.keys(row).join(', ')}) values (${Object.keys(row)
          .map(() => '?')
          .join(', ')})`,
        Object.values(row),
        'run',
      );
    };
    await snapshot(1, 50, { stats: JSON.stringify({ files: 10, totalSize: 1000, transferredSize: 1000 }) });
    await snapshot(1, 26, {
      base_id: 1,
      status: 'partial',
      protected: 1,
      dumps: JSON.stringify([{ name: 'mysql', bytes: 1234 }]),
      size_freed: 100,
      size_total: 5000,
      sized_at: NOW.getTime() - HOUR,
      sized_among: 3,
    });
    await snapshot(1, 2, {
      base_id: 2,
      kind: 'manual',
      size_freed: 7,
      size_total: 70,
      sized_at: NOW.getTime() - 30 * HOUR,
      sized_among: 2,
    });
    await snapshot(1, 1, { kind: 'safety' });
    await snapshot(2, 5, { missing_since: NOW.getTime() - HOUR });
    await snapshot(2, 4, { deleting_at: NOW.getTime() - HOUR });
    await snapshot(2, 3, { kind: 'replica', origin: JSON.stringify({ peer: 'root@peer:22', name: 'x' }) });
    const run = (host: number, status: string, hoursAgo: number, error: string | null = null) =>
      em.execute(
        `insert into run (host_id, kind, status, queued_at, started_at, finished_at, prune, cancel_requested, attempt, error, log_path)
         values (?, 'scheduled', ?, ?, ?, ?, 0, 0, 1, ?, ?)`,
        [
          host,
          status,
          NOW.getTime() - hoursAgo * HOUR,
          status === 'queued' ? null : NOW.getTime() - hoursAgo * HOUR,
          status === 'queued' || status === 'running' ? null : NOW.getTime() - hoursAgo * HOUR + 60_000,
          error,
          join(home, 'logs', `${host}-${hoursAgo}.log`),
        ],
        'run',
      );
    await run(1, 'failed', 3, 'rsync exited 23');
    await run(1, 'running', 0);
    await run(2, 'succeeded', 3);
    await run(2, 'queued', 0);
    await em.execute(
      `insert into scheduler_lease (name, holder, pid, node, pid_start, role, acquired_at, heartbeat_at, expires_at, home)
       values ('scheduler', 'h1', 999999, 'elsewhere', null, 'daemon', ?, ?, ?, ?)`,
      [NOW.getTime() - HOUR, NOW.getTime() - 1000, NOW.getTime() + 29_000, home],
      'run',
    );
  } finally {
    await app.close();
  }
}

const json = (value: unknown) => JSON.stringify(value);

describe('the listings read without the ORM', () => {
  it('say exactly what the ORM reads say: hosts, snapshots, status and status --check', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-listings-'));
    const home = join(dir, 'home');
    await richCatalogue(home, join(dir, 'backups'));
    const orm: App = await openApp(home);
    opened.push(orm);
    const direct = await openChosenReadApp(home);
    opened.push(direct);
    // The direct reader has no EntityManager: it is not the ORM's catalogue.
    expect('em' in direct.catalogue).toBe(false);
    expect(direct.catalogue.path).toBe(orm.catalogue.path);

    expect(json(await listHosts(direct))).toBe(json(await listHosts(orm)));
    expect((await listHosts(direct)).map((host) => host.name)).toEqual(['db1', 'old', 'web1']);
    for (const host of ['db1', 'web1', 'old']) {
      expect(json(await listSnapshots(direct, host))).toBe(json(await listSnapshots(orm, host)));
    }
    expect((await listSnapshots(direct, 'db1')).map((snapshot) => snapshot.base)).toEqual([
      null,
      expect.any(String),
      expect.any(String),
      null,
    ]);
    await expect(listSnapshots(direct, 'nope')).rejects.toThrow('unknown host "nope"');

    const report = await status(direct, NOW);
    expect(json(report)).toBe(json({ ...(await status(orm, NOW)), homeSource: report.homeSource }));
    expect(report.scheduler).toMatchObject({ role: 'daemon', node: 'elsewhere' });
    expect(report.totals).toMatchObject({ hosts: 3, enabledHosts: 2, running: 1, queued: 1 });
    expect(json(await statusCheck(direct, NOW))).toBe(json(await statusCheck(orm, NOW)));
  });

  it('read the snapshots of a retention plan as columns exactly as row by row, and preview it as the ORM does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-listings-'));
    const home = join(dir, 'home');
    await richCatalogue(home, join(dir, 'backups'));
    const orm: App = await openApp(home);
    opened.push(orm);
    // A name no snapshot of pobsync's own has: commas, quotes, a tab and a line end survive the columns.
    await orm.catalogue.em().execute(
      `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, protected, created_at, server)
         values (2, ?, 'manual', 'complete', '/x', ?, 0, 1, 0, 'other')`,
      ['odd, "name"\tone\n', NOW.getTime() - 6 * HOUR],
      'run',
    );
    // One beyond the UTF-16 units (SQLite counts its length as 1, JavaScript as 2): host 1 is read row by row.
    await orm.catalogue.em().execute(
      `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, protected, created_at)
         values (1, ?, 'safety', 'partial', '/y', ?, 0, 0, 0)`,
      ['crab \u{1f980}', NOW.getTime() - 7 * HOUR],
      'run',
    );
    const direct = await openChosenReadApp(home);
    opened.push(direct);
    const reads = direct.catalogue.reads();
    // The columns as plain arrays: the direct read gives typed arrays, columnsOf plain ones.
    const plain = (columns: PlanColumns) => ({
      length: columns.length,
      ids: Array.from(columns.ids),
      names: Array.from({ length: columns.length }, (_, index) => nameAt(columns.names, index)),
      kinds: columns.kinds,
      statuses: columns.statuses,
      times: Array.from(columns.times),
      protect: Array.from(columns.protect),
    });
    for (const [hostId, server] of [[1], [2], [3], [2, 'other'], [2, 'this']] as [number, string?][]) {
      const byColumns = plain(await planInputsByColumns(reads, hostId, server));
      expect(byColumns, `host ${hostId} server ${server}`).toEqual(plain(columnsOf(await planInputsByRows(reads, hostId, server))));
      expect(byColumns).toEqual(plain(columnsOf(await planInputsByRows(orm.catalogue.em(), hostId, server))));
    }
    const second = await planInputsByColumns(reads, 2);
    expect(Array.from({ length: second.length }, (_, index) => nameAt(second.names, index))).toContain('odd, "name"\tone\n');
    const first = await planInputsByColumns(reads, 1);
    expect(Array.from({ length: first.length }, (_, index) => nameAt(first.names, index))).toContain('crab \u{1f980}');
    expect((await planInputsByColumns(reads, 3)).length).toBe(0);
    const whatIf = { keepLast: '1', keepDaily: '1' };
    for (const host of ['db1', 'web1']) {
      const fromDirect = await previewRetention(direct, host, { now: NOW, whatIf });
      expect(json(fromDirect)).toBe(json(await previewRetention(orm, host, { now: NOW, whatIf })));
      expect(fromDirect.removed + fromDirect.kept).toBe(fromDirect.entries.length);
    }
  });

  it('know how every stored field of what they read is turned into its value, as the ORM does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-listings-'));
    const app = await openApp(join(dir, 'home'));
    opened.push(app);
    const metadata = (app.catalogue.orm as MikroORM).getMetadata();
    const tables: Record<string, string> = {
      host: 'Host',
      snapshot: 'SnapshotRecord',
      schedule: 'Schedule',
      global_config: 'GlobalConfig',
      scheduler_lease: 'SchedulerLease',
    };
    for (const [table, entity] of Object.entries(tables)) {
      const expected: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(metadata.find(entity)!.properties)) {
        if (prop.kind === 'm:1') expected[name] = { ref: prop.type };
        else if (prop.type === 'json' || prop.runtimeType === 'object' || String(prop.columnTypes?.[0]) === 'json') expected[name] = 'json';
        else if (prop.type === 'boolean') expected[name] = 'boolean';
        else if (prop.type === 'datetime' || prop.type === 'Date') expected[name] = 'date';
      }
      expect(COLUMN_KINDS[table as keyof typeof COLUMN_KINDS], table).toEqual(expected);
    }
  });

  it('leave a catalogue with a migration pending, without settings, or none yet, to the ORM, which makes it current', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-listings-'));
    const home = join(dir, 'home');
    const file = join(home, 'pobsync.sqlite');
    const fresh = await openChosenReadApp(home);
    opened.push(fresh);
    expect('em' in fresh.catalogue).toBe(true);
    expect(await listHosts(fresh)).toEqual([]);
    // Its settings row is made on first use, by the ORM.
    await status(fresh, NOW);
    await fresh.close();
    opened.pop();

    const current = await openSqliteReader(file, 1000);
    expect(current).toBeDefined();
    await current!.close();

    await sqlite(file, 'update global_config set catalogue_id = null');
    expect(await openSqliteReader(file, 1000)).toBeUndefined();
    await sqlite(file, "update global_config set catalogue_id = 'c1'");
    await sqlite(file, `delete from ${MIGRATIONS_TABLE} where name like '%Replicas%'`);
    expect(await openSqliteReader(file, 1000)).toBeUndefined();
    expect(await openSqliteReader(join(dir, 'none.sqlite'), 1000)).toBeUndefined();
  });
});
