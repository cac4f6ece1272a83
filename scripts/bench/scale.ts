/**
 * Scale (issue #17): the listings an admin runs on a catalogue of 1,000 hosts, 1,000,000 snapshots
 * and 1,000,000 runs, against `node -e 0` and `pobsync --help` (start-up without a catalogue) in
 * the same run, alternating order. Measured twice on the same catalogue: with this build's
 * indexes, then with the indexes of Migration20261204100000ScaleIndexes dropped (the schema
 * before it), so the pair shows what the indexes are worth. The TUI's first frame (in tmux) too.
 *
 * Then the same on MariaDB: a private mariadbd (test/helpers/mariadb.ts) holding the same rows
 * from the same generator; every SELECT that `status --json`, `snapshots H --json` and `runs --json`
 * send is EXPLAINed there, and one that reads a big table without an index is flagged.
 *
 * BENCH_SCALE_ROUNDS (default 3); BENCH_SCALE_HOSTS (default 1000) with 1,000 snapshots and
 * 1,000 runs each; BENCH_SCALE_MARIADB=0 leaves MariaDB out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openApp } from '../../source/services/app.js';
import { startPrivateMariaDb, type TestMariaDb } from '../../test/helpers/mariadb.js';
import { type BenchOptions, CLI, inTurn, loadAverage, measure, median, reportPair, Series, sec, secondsAsync } from './common.js';
import { catalogueAtScale } from './fixtures.js';

const ROUNDS = Number(process.env['BENCH_SCALE_ROUNDS'] ?? 3);
const HOSTS = Number(process.env['BENCH_SCALE_HOSTS'] ?? 1000);
const PER_HOST = 1000;

/** The indexes the scale migration adds: dropped for the "before" figures. */
const SCALE_INDEXES = ['snapshot_host_id_server_counts_index', 'run_host_id_kind_status_index'];

const COMMANDS: string[][] = [
  ['status', '--json'],
  ['snapshots', `host${String(Math.floor(HOSTS / 2)).padStart(4, '0')}`, '--json'],
  ['runs', '--json'],
];

function round(env: NodeJS.ProcessEnv, commands: { args: string[]; series: Series }[], baselines: Series[], rounds: number): void {
  // Once untimed: the catalogue's pages into the cache, the WAL checkpointed.
  for (const { args } of commands) measure(process.execPath, [CLI, ...args], { env });
  for (let index = 1; index <= rounds; index += 1) {
    inTurn(index, [
      () => baselines[0]!.add(measure(process.execPath, ['-e', '0'])),
      () => baselines[1]!.add(measure(process.execPath, [CLI, '--help'], { env })),
      ...commands.map(
        ({ args, series }) =>
          () =>
            series.add(measure(process.execPath, [CLI, ...args], { env })),
      ),
    ]);
  }
}

/** Seconds from starting the TUI in a tmux window of 120x40 until its host list shows, the median of `rounds`. */
async function tuiFirstFrame(dir: string, env: Record<string, string>, rounds: number): Promise<number> {
  const socket = `pobsync-bench-scale-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  // The environment (a MariaDB URL holds a password) in a 0600 script, not on tmux's command line.
  const script = join(dir, 'tui.sh');
  const exports = Object.entries(env).map(([name, value]) => `export ${name}='${value}'`);
  writeFileSync(script, `${exports.join('\n')}\nexec ${process.execPath} ${CLI}\n`, { mode: 0o600 });
  tmux('new-session', '-d', '-s', 'scale', '-x', '120', '-y', '40', 'sleep 100000');
  const frames: number[] = [];
  try {
    for (let index = 0; index < rounds; index += 1) {
      const start = process.hrtime.bigint();
      tmux('new-window', '-t', 'scale', '-n', `ui${index}`, `sh ${script}`);
      for (;;) {
        const screen = tmux('capture-pane', '-p', '-t', `scale:ui${index}`);
        if (screen.includes(`Hosts (${HOSTS})`) && screen.includes('host0000')) break;
        if (Number(process.hrtime.bigint() - start) / 1e9 > 120) throw new Error(`the TUI never listed the hosts; it shows:\n${screen}`);
        await sleep(5);
      }
      frames.push(Number(process.hrtime.bigint() - start) / 1e9);
      // Only the first frame is measured: the window goes (on 1,000 hosts a quitting TUI was seen to take minutes).
      tmux('kill-window', '-t', `scale:ui${index}`);
    }
  } finally {
    tmux('kill-server');
  }
  return median(frames);
}

export async function benchScale(_options: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-scale-'));
  try {
    const home = join(dir, 'home');
    const total = (HOSTS * PER_HOST).toLocaleString('en');
    process.stdout.write(`\nscale: building a catalogue of ${HOSTS} hosts / ${total} snapshots / ${total} runs... `);
    const built = await secondsAsync(() =>
      catalogueAtScale(home, { hosts: HOSTS, snapshotsPerHost: PER_HOST, runsPerHost: PER_HOST, backupRoot: join(dir, 'backups') }),
    );
    process.stdout.write(`${built.toFixed(0)} s\n`);
    const env = { ...process.env, POBSYNC_HOME: home, POBSYNC_DATABASE_URL: '' };
    const baselines = [new Series('node -e 0'), new Series('pobsync --help')];
    const after = COMMANDS.map((args) => ({ args, series: new Series(`pobsync ${args.join(' ')}`) }));
    round(env, after, baselines, ROUNDS);
    const sqliteFrame = await tuiFirstFrame(dir, { POBSYNC_HOME: home, POBSYNC_DATABASE_URL: '' }, ROUNDS);

    const app = await openApp(home);
    try {
      for (const index of SCALE_INDEXES) await app.catalogue.em().getConnection().execute(`drop index \`${index}\``);
    } finally {
      await app.close();
    }
    const before = COMMANDS.map((args) => ({ args, series: new Series(`pobsync ${args.join(' ')} (no new indexes)`) }));
    round(env, before, baselines, ROUNDS);

    const scale = `${HOSTS} hosts / ${total} snapshots / ${total} runs`;
    console.log(`\nscale: ${scale}, median of ${ROUNDS} alternating rounds (load average ${loadAverage()})`);
    console.log(reportPair(baselines[1]!, baselines[0]!));
    for (const { series } of after) console.log(reportPair(series, baselines[0]!));
    for (const { series } of before) console.log(reportPair(series, baselines[0]!));
    console.log('\nscale: with the indexes against without them');
    after.forEach(({ series }, index) => {
      console.log(reportPair(series, before[index]!.series));
    });
    console.log(`\nscale: the TUI's first frame (the host list drawn, 120x40), median of ${ROUNDS}: ${sec(sqliteFrame)} on SQLite`);

    if (process.env['BENCH_SCALE_MARIADB'] === '0') return;
    if (!existsSync('/usr/sbin/mariadbd')) {
      console.log('\nscale: MariaDB left out: no /usr/sbin/mariadbd (./scripts/setup installs mariadb-server)');
      return;
    }
    await onMariaDb(dir, baselines, after, sqliteFrame);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same catalogue on a private mariadbd: the same commands and the TUI, and the plan of every listing query. */
async function onMariaDb(
  dir: string,
  baselines: Series[],
  onSqlite: { args: string[]; series: Series }[],
  sqliteFrame: number,
): Promise<void> {
  // A server sized for a million rows (the tests' is 32 MB), still without durability it does not need here.
  const mariadb = await startPrivateMariaDb(['--innodb-buffer-pool-size=1G', '--innodb-log-file-size=256M']);
  try {
    const { name: database, url } = mariadb.createDatabase('socket');
    const home = join(dir, 'home-mariadb');
    const total = (HOSTS * PER_HOST).toLocaleString('en');
    process.stdout.write(`\nscale: the same catalogue on MariaDB (a private mariadbd, over its socket)... `);
    process.env['POBSYNC_DATABASE_URL'] = url;
    let built: number;
    // A backup root of its own: the SQLite catalogue's marker is in the first.
    const backupRoot = join(dir, 'backups-mariadb');
    try {
      built = await secondsAsync(() =>
        catalogueAtScale(home, { hosts: HOSTS, snapshotsPerHost: PER_HOST, runsPerHost: PER_HOST, backupRoot }),
      );
    } finally {
      delete process.env['POBSYNC_DATABASE_URL'];
    }
    process.stdout.write(`${built.toFixed(0)} s\n`);
    const mismatched = mariadb.sql('select count(*) from schedule where id <> host_id', database).trim();
    if (mismatched !== '0') throw new Error(`the generator's runs name schedule ids by host id, but ${mismatched} schedules differ`);
    mariadb.sql('analyze table host, schedule, snapshot, run', database);

    const env = { ...process.env, POBSYNC_HOME: home, POBSYNC_DATABASE_URL: url };
    const series = COMMANDS.map((args) => ({ args, series: new Series(`pobsync ${args.join(' ')} (MariaDB)`) }));
    round(env, series, baselines, ROUNDS);
    const frame = await tuiFirstFrame(dir, { POBSYNC_HOME: home, POBSYNC_DATABASE_URL: url }, ROUNDS);
    const plans = explainListings(mariadb, database, env, dir);

    console.log(
      `\nscale on MariaDB: ${HOSTS} hosts / ${total} snapshots / ${total} runs, median of ${ROUNDS} (load average ${loadAverage()})`,
    );
    for (const { series: each } of series) console.log(reportPair(each, baselines[0]!));
    console.log('\nscale: MariaDB against SQLite, the same catalogue');
    series.forEach(({ series: each }, index) => {
      console.log(reportPair(each, onSqlite[index]!.series));
    });
    console.log(`  TUI first frame: ${sec(frame)} on MariaDB, ${sec(sqliteFrame)} on SQLite (${(frame / sqliteFrame).toFixed(2)}x)`);
    console.log('\nscale: what MariaDB does for each SELECT of these commands (EXPLAIN)');
    for (const line of plans) console.log(line);
  } finally {
    await mariadb.stop();
  }
}

/**
 * The SELECTs the listings send, from the server's general log during one run of each command,
 * each EXPLAINed: the table, the index it uses and the rows it expects to read. A read of the
 * big table without an index (type ALL: every row of the snapshot or run table) is flagged.
 */
function explainListings(mariadb: TestMariaDb, database: string, env: NodeJS.ProcessEnv, dir: string): string[] {
  const lines: string[] = [];
  for (const args of COMMANDS) {
    const log = join(dir, `general-${args[0]}.log`);
    mariadb.sql(`set global general_log_file = '${log}'; set global log_output = 'FILE'; set global general_log = 1`);
    measure(process.execPath, [CLI, ...args], { env });
    mariadb.sql('set global general_log = 0');
    const queries = readFileSync(log, 'utf8')
      .split(/\n(?=(?:\d{6}\s+[\d:]+\s+)?\s*\d+\s+[A-Z][a-z]+(?: [a-z]+)?\t)/)
      .map((entry) => /^(?:\d{6}\s+[\d:]+\s+)?\s*\d+\s+Query\t([\s\S]*)$/.exec(entry)?.[1]?.trim())
      .filter(
        (query): query is string =>
          query !== undefined && /^select\b/i.test(query) && !/information_schema|@@|mikro_orm_migrations/i.test(query),
      );
    lines.push(`  pobsync ${args.join(' ')}: ${queries.length} SELECTs`);
    // The same statement for each host differs only in its numbers: one plan for each shape.
    const shapes = new Map<string, string>();
    for (const query of queries) {
      const shape = query.replace(/\b\d+\b/g, 'N').replace(/'[^']*'/g, "'S'");
      if (!shapes.has(shape)) shapes.set(shape, query);
    }
    for (const [shape, query] of shapes) {
      const count = queries.filter((each) => each.replace(/\b\d+\b/g, 'N').replace(/'[^']*'/g, "'S'") === shape).length;
      const plan = mariadb
        .sql(`explain ${query}`, database)
        .trim()
        .split('\n')
        .map((row) => row.split('\t'))
        // id, select_type, table, type, possible_keys, key, key_len, ref, rows, Extra
        .map(([, , table, type, , key, , , rows, extra]) => {
          // "index" with many rows is a covering index read whole (a count over every host), as on SQLite;
          // ALL is every row of the table (named by its alias here, so by the rows it expects).
          const big = type === 'ALL' && !table?.startsWith('<') && Number(rows) >= 10 * HOSTS;
          const note = extra && extra !== 'NULL' ? ` (${extra})` : '';
          return `${table} ${type} key=${key} rows=${rows}${note}${big ? '  <- NO INDEX FOR THIS' : ''}`;
        });
      lines.push(`    ${count}x ${query.replace(/\s+/g, ' ').slice(0, 150)}${query.length > 150 ? '...' : ''}`);
      for (const step of plan) lines.push(`        ${step}`);
    }
  }
  return lines;
}
