/**
 * `npm run bench`: figures, not tests. Each section measures pobsync against a baseline taken in
 * the same run on the same machine, and prints both with their ratio.
 *
 *   backup     raw rsync vs `pobsync backup`, same flags, same loopback sshd, 20,000 files / 200 MB,
 *              first run and unchanged second run. Goal: pobsync adds at most 10% (or 0.5 s).
 *   retention  planning 100,000 snapshots in-process (goal < 200 ms), and
 *              `pobsync retention <host> --json` over 100,000 records (goal < 2 s end to end),
 *              against the CLI's bare start-up (`pobsync hosts --json`) on the same catalogue.
 *
 * `npm run bench -- retention` runs one section; no argument runs them all.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRetention, validatePolicy } from '../source/domain/retention.js';
import { RSYNC_SNAPSHOT_OPTIONS } from '../source/domain/rsync-args.js';
import { snapshotName } from '../source/domain/snapshot-name.js';
import { openApp } from '../source/services/app.js';
import { configureHost } from '../source/services/hosts.js';
import { configureGlobal } from '../source/services/settings.js';
import { rsyncShellCommand } from '../source/domain/ssh-args.js';
import { startSshd } from '../test/helpers/sshd.js';
import { CLI } from '../test/helpers/pobsync.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const FILES = 20_000;
const FILE_SIZE = 10 * 1024;

function seconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function buildTree(root: string): void {
  const perDir = 100;
  const block = randomBytes(FILE_SIZE * 64);
  for (let index = 0; index < FILES; index += 1) {
    const dir = join(root, `d${String(Math.floor(index / perDir)).padStart(3, '0')}`);
    if (index % perDir === 0) mkdirSync(dir, { recursive: true });
    const offset = (index * 997) % (block.length - FILE_SIZE);
    writeFileSync(join(dir, `f${index}.bin`), block.subarray(offset, offset + FILE_SIZE));
  }
}

async function benchBackup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  const sshd = await startSshd();
  try {
    const source = join(dir, 'source');
    const home = join(dir, 'home');
    const root = join(dir, 'backups');
    const env = { ...process.env, POBSYNC_HOME: home };
    const pobsync = (...args: string[]) => {
      const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`pobsync ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    process.stdout.write(`building ${FILES} files of ${FILE_SIZE / 1024} KiB (${(FILES * FILE_SIZE) / 1024 ** 2} MiB)... `);
    buildTree(source);
    process.stdout.write('done\n');

    pobsync('configure-global', '--backup-root', root);
    sshd.authorize(JSON.parse(pobsync('key', '--json')).authorizedKeysLine);
    const files = { keyFile: join(home, 'keys/id_ed25519'), knownHostsFile: join(home, 'keys/known_hosts') };
    const raw = (destination: string, linkDest?: string) => {
      const target = { name: 'bench', address: '127.0.0.1', user: sshd.user, port: sshd.port };
      const args = [...RSYNC_SNAPSHOT_OPTIONS, ...(linkDest ? [`--link-dest=${linkDest}`] : []), '-e', rsyncShellCommand(target, files), '--', `${sshd.user}@bench:${source}`, `${destination}/`];
      execFileSync('rsync', args, { stdio: 'ignore' });
    };

    const times = { rawFirst: [] as number[], rawSecond: [] as number[], pobsyncFirst: [] as number[], pobsyncSecond: [] as number[] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const host = `bench${round}`;
      pobsync('configure-host', host, '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', source);
      pobsync('trust-host', host, '--yes');
      if (round === 1) {
        // The raw runs pin the same key under the alias "bench"; warm the page cache once, untimed.
        pobsync('configure-host', 'bench', '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', source);
        pobsync('trust-host', 'bench', '--yes');
        raw(join(dir, 'warmup'));
        rmSync(join(dir, 'warmup'), { recursive: true, force: true });
      }
      const rawA = join(dir, `raw${round}-a`);
      const rawB = join(dir, `raw${round}-b`);
      times.rawFirst.push(seconds(() => raw(rawA)));
      times.pobsyncFirst.push(seconds(() => pobsync('backup', host)));
      times.rawSecond.push(seconds(() => raw(rawB, rawA)));
      times.pobsyncSecond.push(seconds(() => pobsync('backup', host)));
      rmSync(rawA, { recursive: true, force: true });
      rmSync(rawB, { recursive: true, force: true });
      rmSync(join(root, host), { recursive: true, force: true });
    }

    console.log(`\nbackup: median of ${ROUNDS} rounds, 127.0.0.1 sshd`);
    report('first run', median(times.rawFirst), median(times.pobsyncFirst));
    report('unchanged second run', median(times.rawSecond), median(times.pobsyncSecond));
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(label: string, baseline: number, measured: number): void {
  const allowed = Math.max(baseline * 0.1, 0.5);
  const added = measured - baseline;
  console.log(
    `  ${label.padEnd(22)} raw rsync ${baseline.toFixed(2)} s   pobsync ${measured.toFixed(2)} s   ` +
      `ratio ${(measured / baseline).toFixed(2)}   added ${added.toFixed(2)} s (goal <= ${allowed.toFixed(2)} s: ${added <= allowed ? 'met' : 'MISSED'})`,
  );
}

async function benchRetention(): Promise<void> {
  const count = 100_000;
  const policy = validatePolicy({ keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 });
  const start = Date.parse('2015-01-01T00:00:00Z');
  const snapshots = Array.from({ length: count }, (_, index) => {
    const startedAt = new Date(start + index * 3_600_000);
    return { id: index + 1, name: snapshotName(startedAt), kind: 'scheduled' as const, status: 'complete' as const, startedAt, protected: false };
  });
  const now = new Date(start + count * 3_600_000);
  const planTimes: number[] = [];
  const allocTimes: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    allocTimes.push(seconds(() => snapshots.map((snapshot) => ({ snapshot, action: 'keep', reasons: [] as string[] })).sort((a, b) => b.snapshot.startedAt.getTime() - a.snapshot.startedAt.getTime())));
    planTimes.push(seconds(() => planRetention(snapshots, policy, { now, timeZone: 'Europe/Berlin' })));
  }
  console.log(`\nretention: ${count.toLocaleString('en')} hourly snapshots, Europe/Berlin, hourly 24 / daily 7 / weekly 4 / monthly 12 / yearly 3`);
  console.log(
    `  plan in-process        baseline (build + sort 100k entries) ${ms(median(allocTimes))}   planRetention ${ms(median(planTimes))} (first ${ms(planTimes[0]!)})` +
      `   ratio ${(median(planTimes) / median(allocTimes)).toFixed(2)}   goal < 200 ms: ${median(planTimes) < 0.2 ? 'met' : 'MISSED'}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  try {
    const home = join(dir, 'home');
    const app = await openApp(home);
    await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'Europe/Berlin' });
    await configureHost(app, 'web1', { address: 'local', sources: ['/etc'] });
    const connection = app.catalogue.em().getConnection();
    await connection.execute('begin');
    for (let offset = 0; offset < count; offset += 500) {
      const rows = snapshots.slice(offset, offset + 500);
      await connection.execute(
        `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, protected, created_at) values ${rows.map(() => '(1, ?, ?, ?, ?, ?, ?, 0, ?)').join(', ')}`,
        rows.flatMap((row) => [row.name, row.kind, row.status, join(dir, 'backups/web1', row.name), row.startedAt.getTime(), row.startedAt.getTime() + 60_000, Date.now()]),
      );
    }
    await connection.execute('commit');
    await configureHost(app, 'web1', { enabled: true });
    await app.close();
    const env = { ...process.env, POBSYNC_HOME: home };
    const cli = (...args: string[]) => () => {
      const result = spawnSync(process.execPath, [CLI, ...args], { env, maxBuffer: 1 << 30 });
      if (result.status !== 0) throw new Error(`pobsync ${args.join(' ')}: ${result.stderr}`);
    };
    const startup: number[] = [];
    const retention: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      startup.push(seconds(cli('hosts', '--json')));
      retention.push(seconds(cli('retention', 'web1', '--keep-hourly', '24', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-yearly', '3', '--json')));
    }
    console.log(
      `  retention --json CLI   baseline (pobsync hosts --json) ${median(startup).toFixed(2)} s   retention ${median(retention).toFixed(2)} s` +
        `   ratio ${(median(retention) / median(startup)).toFixed(2)}   goal < 2 s: ${median(retention) < 2 ? 'met' : 'MISSED'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (value: number) => `${(value * 1000).toFixed(0)} ms`;

const SECTIONS: Record<string, () => Promise<void>> = { backup: benchBackup, retention: benchRetention };
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(SECTIONS)) {
  const section = SECTIONS[name];
  if (!section) throw new Error(`unknown bench section ${name}: ${Object.keys(SECTIONS).join(', ')}`);
  await section();
}
