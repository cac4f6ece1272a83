/**
 * What only a MariaDB catalogue has to show (this file runs on the MariaDB pass only): claims by
 * two processes at once on row locks, the password kept out of what pobsync prints, and copying
 * a SQLite catalogue into MariaDB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARIADB_MIGRATIONS } from '../../db/migrations/mariadb/index.js';
import { RunSchema } from '../../source/catalogue/entities/index.js';
import { lockForWriting } from '../../source/catalogue/transactions.js';
import { openApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { queueBackup } from '../../source/services/runs/queue.js';
import { configureGlobal } from '../../source/services/settings.js';
import { sharedMariaDb } from '../helpers/mariadb.js';
import { expectOk, REPO, type Workspace, waitFor, workspace, writeTree } from '../helpers/pobsync.js';
import { sqlite } from '../helpers/sqlite.js';

let dir: string | undefined;
let ws: Workspace | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  ws?.cleanup();
  dir = undefined;
  ws = undefined;
});

/** Starts a claimer process on `url`; resolves once it has opened the catalogue. */
async function claimer(home: string, url: string, maxConcurrent: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/helpers/claim-race.ts'), home, String(maxConcurrent)], {
    cwd: REPO,
    env: { ...process.env, POBSYNC_DATABASE_URL: url },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await waitFor('the claimer to open the catalogue', () => stdout.startsWith('ready\n') || child.exitCode !== null);
  return {
    go: () => child.stdin.end('go\n'),
    async claimed(): Promise<number[]> {
      const code = await exited;
      if (code !== 0) throw new Error(`claimer exited ${code}: ${stderr}`);
      return JSON.parse(stdout.split('\n')[1]!);
    },
  };
}

describe('MariaDB catalogue', () => {
  it('gives each run to one of two processes claiming at once, and never more than max-concurrent', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-claims-'));
    const { url } = sharedMariaDb().createDatabase();
    const app = await openApp(join(dir, 'home'), 'the test', url);
    await configureGlobal(app, { backupRoot: join(dir, 'backups') });
    const queued: number[] = [];
    for (let host = 1; host <= 30; host += 1) {
      await configureHost(app, `web${host}`, { address: 'local', sources: ['/etc/hostname'] });
      // Two runs per host: the second must wait for the first, whoever claims it.
      queued.push((await queueBackup(app, `web${host}`)).runId, (await queueBackup(app, `web${host}`)).runId);
    }

    const [a, b] = await Promise.all([claimer(join(dir, 'a'), url, 24), claimer(join(dir, 'b'), url, 24)]);
    a!.go();
    b!.go();
    const [fromA, fromB] = await Promise.all([a!.claimed(), b!.claimed()]);

    expect(fromA.filter((id) => fromB.includes(id))).toEqual([]);
    expect(fromA.length + fromB.length).toBe(24);
    const running = await app.catalogue.em().find(RunSchema, { status: 'running' }, { populate: ['host'] });
    expect(running.map((run) => run.id).sort((x, y) => x - y)).toEqual([...fromA, ...fromB].sort((x, y) => x - y));
    expect(new Set(running.map((run) => run.host.id)).size).toBe(24);
    await app.close();
  });

  it('makes a claim wait while another transaction holds the write lock (claims on all servers take turns)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-claims-'));
    const mariadb = sharedMariaDb();
    const { name, url } = mariadb.createDatabase();
    const app = await openApp(join(dir, 'home'), 'the test', url);
    await configureGlobal(app, { backupRoot: join(dir, 'backups') });
    await configureHost(app, 'web1', { address: 'local', sources: ['/etc/hostname'] });
    const { runId } = await queueBackup(app, 'web1');

    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holding = app.catalogue.em().transactional(async (tx) => {
      await lockForWriting(tx);
      locked();
      await released;
    });
    await isLocked;
    const waiting = await claimer(join(dir, 'a'), url, 2);
    waiting.go();
    const lockWaits = () =>
      mariadb.sql(`select count(*) from information_schema.innodb_trx t
                    join information_schema.processlist p on p.id = t.trx_mysql_thread_id
                    where t.trx_state = 'LOCK WAIT' and p.db = '${name}'`);
    await waitFor('the claim to wait for the write lock', () => lockWaits().trim() === '1');
    expect(await app.catalogue.em().count(RunSchema, { status: 'running' })).toBe(0);
    release();
    await holding;
    expect(await waiting.claimed()).toEqual([runId]);
    await app.close();
  });

  it('names the catalogue in status and doctor without its password, and never prints the password in an error', async () => {
    ws = workspace();
    const mariadb = sharedMariaDb();
    const url = ws.env['POBSYNC_DATABASE_URL']!;
    expect(url).toContain(encodeURIComponent(mariadb.password));
    await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot]));

    const status = await ws.json(['status']);
    expect(status.catalogue).toMatch(/^mariadb:\/\/pobsync@127\.0\.0\.1:\d+\/t\w+$/);
    const doctor = await ws.run(['doctor']);
    expect(doctor.stdout).toContain(`catalogue ${status.catalogue}`);
    const migrations = `${MARIADB_MIGRATIONS.length} migration${MARIADB_MIGRATIONS.length === 1 ? '' : 's'}`;
    expect(doctor.stdout).toMatch(new RegExp(`catalogue\\s+mariadb://pobsync@.*sound, ${migrations}, all current`));

    const wrong = url.replace(encodeURIComponent(mariadb.password), 'not-the-password');
    const refused = await ws.run(['status'], { env: { POBSYNC_DATABASE_URL: wrong } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('the MariaDB server refused the catalogue mariadb://pobsync@127.0.0.1');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    for (const output of [status, doctor.stdout, doctor.stderr, refused.stderr, refused.stdout].map((text) => JSON.stringify(text))) {
      expect(output).not.toContain(mariadb.password);
      expect(output).not.toContain(encodeURIComponent(mariadb.password));
      expect(output).not.toContain('not-the-password');
    }

    const bad = await ws.run(['status'], { env: { POBSYNC_DATABASE_URL: `postgres://pobsync:${mariadb.password}@127.0.0.1/x` } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('POBSYNC_DATABASE_URL must start with mariadb://');
    expect(bad.stderr).not.toContain(mariadb.password);
  });

  it('opens over the unix socket', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-socket-'));
    const { url } = sharedMariaDb().createDatabase('socket');
    const app = await openApp(join(dir, 'home'), 'the test', url);
    expect(app.catalogue.path).toMatch(/^mariadb:\/\/pobsync@localhost\/t\w+\?socket=\/.*\/sock$/);
    await configureHost(app, 'web1', { address: 'local', sources: ['/etc/hostname'] });
    expect(await app.catalogue.em().count(RunSchema, {})).toBe(0);
    await app.close();
  });

  it('catalogue migrate copies a SQLite catalogue into an empty MariaDB one, ids kept, and refuses one that is not empty', async () => {
    ws = workspace();
    const onSqlite = { POBSYNC_DATABASE_URL: '' };
    const sqliteJson = async (args: string[]) => JSON.parse((await expectOk(ws!.run([...args, '--json'], { env: onSqlite }))).stdout);
    writeTree(ws.source, { 'etc/app.conf': 'a=1\n' });
    await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot, '--timezone', 'UTC'], { env: onSqlite }));
    await expectOk(ws.run(['configure-host', 'web1', '--address', 'local', '--source', ws.source], { env: onSqlite }));
    await expectOk(ws.run(['configure-host', 'web2', '--address', 'local', '--source', ws.source], { env: onSqlite }));
    await expectOk(ws.run(['schedule', 'web1', '--cron', '15 2 * * *'], { env: onSqlite }));
    await expectOk(ws.run(['retention', 'web1', '--keep-last', '3', '--kind', 'all', '--save'], { env: onSqlite }));
    await expectOk(ws.run(['backup', 'web1'], { env: onSqlite }));
    await expectOk(ws.run(['backup', 'web1'], { env: onSqlite }));
    // Enough history for progress lines: 12,000 old runs of web2.
    await sqlite(
      join(ws.home, 'pobsync.sqlite'),
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < 12000)
       insert into run (host_id, kind, status, queued_at, finished_at, prune, cancel_requested, attempt, error)
       select (select id from host where name = 'web2'), 'manual', 'failed',
              1764000000000 + i * 1000, 1764000000000 + i * 1000 + 500, 0, 0, 1,
              'unreachable' from n`,
    );
    const before = {
      hosts: await sqliteJson(['hosts']),
      snapshots: await sqliteJson(['snapshots', 'web1']),
      schedules: await sqliteJson(['schedules']),
      runs: await sqliteJson(['runs', '--limit', '1000']),
    };

    const { url } = sharedMariaDb().createDatabase();
    // The URL with its password on standard input: in no process's arguments, and no warning.
    const migrated = await ws.run(['catalogue', 'migrate', '--to-file', '-', '--json'], { input: `${url}\n` });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).not.toContain('warning');
    expect(migrated.stderr).toMatch(/copying run: 12,00\d of 12,00\d rows/);
    const report = JSON.parse(migrated.stdout);
    expect(report.to).not.toContain(sharedMariaDb().password);
    const counts = Object.fromEntries(report.tables.map((t: { table: string; source: number; target: number }) => [t.table, t]));
    expect(counts.host).toEqual({ table: 'host', source: 2, target: 2 });
    expect(counts.run).toEqual({ table: 'run', source: 12_002, target: 12_002 });
    expect(counts.snapshot).toEqual({ table: 'snapshot', source: 2, target: 2 });
    expect(counts.schedule).toEqual({ table: 'schedule', source: 1, target: 1 });
    expect(counts.global_config).toEqual({ table: 'global_config', source: 1, target: 1 });

    // The same catalogue, read from MariaDB: same ids, times, policies.
    const onMariaDb = { POBSYNC_DATABASE_URL: url };
    const mariaJson = async (args: string[]) => JSON.parse((await expectOk(ws!.run([...args, '--json'], { env: onMariaDb }))).stdout);
    expect(await mariaJson(['hosts'])).toEqual(before.hosts);
    expect(await mariaJson(['snapshots', 'web1'])).toEqual(before.snapshots);
    expect(await mariaJson(['schedules'])).toEqual(before.schedules);
    expect(await mariaJson(['runs', '--limit', '1000'])).toEqual(before.runs);
    // And it goes on from there: new backups, pruned by the policy that came along (keep the last 3).
    await expectOk(ws.run(['backup', 'web1', '--prune'], { env: onMariaDb }));
    await expectOk(ws.run(['backup', 'web1', '--prune'], { env: onMariaDb }));
    const after = await mariaJson(['snapshots', 'web1']);
    const names = after.map((snapshot: { name: string }) => snapshot.name);
    expect(names).toHaveLength(3);
    expect(names).not.toContain(before.snapshots[0].name);

    // Not empty any more: refused in one line, nothing written. From the environment: no warning either.
    const again = await ws.run(['catalogue', 'migrate'], { env: { POBSYNC_MIGRATE_TO: url } });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already holds a catalogue \(.*host: 2 rows.*\): catalogue migrate copies into an empty database only/);
    expect(await mariaJson(['snapshots', 'web1'])).toEqual(after);

    const foreign = sharedMariaDb().createDatabase();
    sharedMariaDb().sql('create table invoices (id int primary key)', foreign.name);
    // With the password on the command line it works, and says that ps shows it.
    const refused = await ws.run(['catalogue', 'migrate', '--to', foreign.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not empty (tables invoices)');
    expect(refused.stderr).toMatch(/^pobsync: warning: the password in --to is visible to every user of this server \(ps, \/proc\)/m);
    expect(refused.stderr).not.toContain(sharedMariaDb().password);
    expect(sharedMariaDb().sql('show tables', foreign.name).trim()).toBe('invoices');
  });
});
