/**
 * `pobsync backup` against what an admin would otherwise run, over the same loopback sshd, on
 * 20,000 files / 250 MB: a first full backup and an unchanged incremental, in alternating order,
 * wall time and CPU of whole process trees (rsync and ssh included), medians and best runs.
 *
 *   raw rsync            rsync -aHAX --numeric-ids --delete [--link-dest], nothing printed
 *   raw rsync + sync -f  the same, then the flush pobsync does before it publishes a snapshot
 *   rsnapshot            rsnapshot 1.4 with link_dest 1 and the same rsync flags (-aHAX)
 *   pobsync's rsync      pobsync's exact rsync command line (pullArgs), stdout into a file as in a run
 *   pobsync backup       the whole command: start-up, catalogue, rsync, flush, rename, records
 *
 * Goals (issue #14): pobsync <= 1.10x raw rsync + sync -f (wall, both runs), <= 1.0x rsnapshot's
 * incremental; pobsync's own node process <= 0.5 s CPU for an unchanged run, the same at 100,000 files.
 *
 * Then the backup + prune cycle (keep-last 10) against rsnapshot's rotation (retain alpha 10): goal <= 1.0x.
 *
 * BENCH_ROUNDS (default 5), BENCH_FILES (default 20000), BENCH_SCALE=0 skips the 100,000-file pass,
 * BENCH_PRUNE=0 the backup + prune cycle, BENCH_PAIRS=0 the pairs (to run the prune cycle alone),
 * BENCH_VERBOSE=1 prints every run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullArgs } from '../../source/domain/rsync-args.js';
import { rsyncShellCommand, type SshFiles, type SshTarget, sshOptions } from '../../source/domain/ssh-args.js';
import { startSshd } from '../../test/helpers/sshd.js';
import {
  type BenchOptions,
  CLI,
  CPU_HOOK,
  inTurn,
  loadAverage,
  measure,
  median,
  reportPair,
  Series,
  sec,
  type Usage,
  verdict,
} from './common.js';
import { buildTree } from './fixtures.js';
import { profileIn, summarizeProfile } from './profile.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const FILES = Number(process.env['BENCH_FILES'] ?? 20_000);
const FILE_SIZE = 12_500;
const SCALE_FILES = [20_000, 100_000];

interface Setup {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  target: SshTarget;
  files: SshFiles;
  pobsync(...args: string[]): string;
}

/** Sizes in the header, rounded as the issue quotes them. */
const describeTree = (files: number, size: number) => `${files.toLocaleString('en')} files / ${Math.round((files * size) / 1e6)} MB`;

export async function benchBackup(options: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  const sshd = await startSshd();
  try {
    const home = join(dir, 'home');
    const env = { ...process.env, POBSYNC_HOME: home };
    const pobsync = (...args: string[]) => {
      const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`pobsync ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    pobsync('configure-global', '--backup-root', join(dir, 'backups'));
    sshd.authorize(JSON.parse(pobsync('key', '--json')).authorizedKeysLine);
    // The baselines reach the sshd under the alias "bench", whose key pobsync pins here.
    const target = { name: 'bench', address: '127.0.0.1', user: sshd.user, port: sshd.port };
    pobsync('configure-host', 'bench', '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', '/tmp');
    pobsync('trust-host', 'bench', '--yes');
    const setup: Setup = {
      dir,
      home,
      env,
      target,
      files: { keyFile: join(home, 'keys/id_ed25519'), knownHostsFile: join(home, 'keys/known_hosts') },
      pobsync,
    };
    const addHost = (host: string, source: string) => {
      pobsync('configure-host', host, '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', source);
      pobsync('trust-host', host, '--yes');
    };

    const source = join(dir, 'source');
    process.stdout.write(`\nbackup: building ${describeTree(FILES, FILE_SIZE)}... `);
    buildTree(source, FILES, FILE_SIZE);
    process.stdout.write('done\n');
    if (process.env['BENCH_PAIRS'] !== '0') await pairs(setup, source, addHost);
    if (process.env['BENCH_PRUNE'] !== '0') pruneCycle(setup, source, addHost);
    if (options.profileDir) profiles(setup, source, addHost, options.profileDir);
    if (process.env['BENCH_SCALE'] !== '0') scale(setup, addHost);
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Variant = 'raw' | 'rawSync' | 'rsnapshot' | 'command' | 'pobsync';
const LABELS: Record<Variant, string> = {
  raw: 'raw rsync',
  rawSync: 'raw rsync + sync -f',
  rsnapshot: 'rsnapshot',
  command: "pobsync's rsync",
  pobsync: 'pobsync backup',
};

async function pairs(setup: Setup, source: string, addHost: (host: string, source: string) => void): Promise<void> {
  const { dir, target, files } = setup;
  const series = () =>
    Object.fromEntries(Object.entries(LABELS).map(([key, label]) => [key, new Series(label)])) as Record<Variant, Series>;
  const first = series();
  const second = series();
  const phases = { start: [] as number[], run: [] as number[], exit: [] as number[] };

  const raw = (destination: string, linkDest?: string) =>
    [
      'rsync',
      [
        '-aHAX',
        '--numeric-ids',
        '--delete',
        ...(linkDest ? [`--link-dest=${linkDest}`] : []),
        '-e',
        rsyncShellCommand(target, files),
        '--',
        `${target.user}@${target.name}:${source}/`,
        `${destination}/`,
      ],
    ] as const;
  const command = (destination: string, linkDest?: string) =>
    pullArgs({ sources: [source], destination, linkDest, excludes: [], extraArgs: [], remote: { target, files } });

  // Every measurement starts with nothing waiting to be written: pobsync flushes its tree to disk
  // (sync -f) before the rename, and must not pay for what an earlier measurement left dirty.
  const settled = (run: () => Usage) => {
    execFileSync('sync');
    return run();
  };
  const measureRaw = (destination: string, linkDest?: string) => settled(() => measure(...raw(destination, linkDest)));
  const measureRawSync = (destination: string, linkDest?: string) =>
    settled(() => {
      const [rsync, args] = raw(destination, linkDest);
      // sh only sequences the two; every word arrives as an argument, nothing is parsed from a string.
      return measure('sh', ['-c', '"$@" && sync -f "$0"', destination, rsync, ...args]);
    });
  const measureCommand = (destination: string, log: string, linkDest?: string) =>
    settled(() => {
      mkdirSync(destination, { recursive: true });
      const fd = openSync(log, 'a', 0o600);
      try {
        return measure('rsync', command(destination, linkDest), { stdout: fd });
      } finally {
        closeSync(fd);
      }
    });
  const measureRsnapshot = (config: string) => settled(() => measure('rsnapshot', ['-c', config, 'alpha']));
  const measurePobsync = (host: string) => {
    const usage = settled(() => measure(process.execPath, ['--import', CPU_HOOK, CLI, 'backup', host], { env: setup.env }));
    const run = JSON.parse(setup.pobsync('runs', '--host', host, '--limit', '1', '--json'))[0] as {
      startedAt: string;
      finishedAt: string;
      durationSeconds: number;
    };
    const [started, finished] = [Date.parse(run.startedAt), Date.parse(run.finishedAt)];
    // The run row's times, against the wall time measured outside: how long node took to get to
    // the run, and from its end to exit. Only differences of the row's own times are exact.
    phases.run.push((finished - started) / 1000);
    phases.start.push(usage.wall - (finished - started) / 1000);
    return usage;
  };

  for (let round = 1; round <= ROUNDS; round += 1) {
    const host = `bench${round}`;
    addHost(host, source);
    if (round === 1) {
      // Warm the page cache and sshd once, untimed.
      measure(...raw(join(dir, 'warmup')));
      rmSync(join(dir, 'warmup'), { recursive: true, force: true });
    }
    const path = (name: string) => join(dir, `r${round}-${name}`);
    const config = rsnapshotConfig(setup, path('rsnapshot'), source);
    inTurn(round, [
      () => first.raw.add(measureRaw(path('raw-a'))),
      () => first.rawSync.add(measureRawSync(path('sync-a'))),
      () => first.rsnapshot.add(measureRsnapshot(config)),
      () => first.command.add(measureCommand(path('cmd-a'), path('cmd-a.log'))),
      () => first.pobsync.add(measurePobsync(host)),
    ]);
    inTurn(round, [
      () => second.raw.add(measureRaw(path('raw-b'), path('raw-a'))),
      () => second.rawSync.add(measureRawSync(path('sync-b'), path('sync-a'))),
      () => second.rsnapshot.add(measureRsnapshot(config)),
      () => second.command.add(measureCommand(path('cmd-b'), path('cmd-b.log'), path('cmd-a'))),
      () => second.pobsync.add(measurePobsync(host)),
    ]);
    for (const name of ['raw-a', 'raw-b', 'sync-a', 'sync-b', 'cmd-a', 'cmd-b', 'rsnapshot']) {
      rmSync(path(name), { recursive: true, force: true });
    }
    rmSync(join(dir, 'backups', host), { recursive: true, force: true });
    process.stdout.write(`  round ${round}/${ROUNDS} done (load ${loadAverage()})\n`);
  }

  console.log(
    `\nbackup: ${describeTree(FILES, FILE_SIZE)} over a 127.0.0.1 sshd, median of ${ROUNDS} alternating rounds ` +
      `(whole process trees; load average ${loadAverage()})`,
  );
  for (const [label, set] of [
    ['first full backup', first],
    ['unchanged incremental', second],
  ] as const) {
    console.log(` ${label}:`);
    console.log(reportPair(set.pobsync, set.rawSync, { wall: 1.1 }));
    if (set === second) console.log(reportPair(set.pobsync, set.rsnapshot, { wall: 1.0 }));
    else console.log(reportPair(set.pobsync, set.rsnapshot));
    console.log(reportPair(set.pobsync, set.raw));
    console.log(reportPair(set.command, set.raw));
    console.log(reportPair(set.rsnapshot, set.raw));
    console.log(reportPair(set.rawSync, set.raw));
    const self = set.pobsync.values('self');
    console.log(
      `  pobsync's node process alone (no rsync, no ssh): cpu median ${sec(median(self))}, best ${sec(Math.min(...self))}` +
        (set === second ? `   goal <= 0.50 s: ${verdict(median(self) <= 0.5)}` : ''),
    );
  }
  console.log(
    `  pobsync backup by phase (medians over both runs): ${sec(median(phases.run))} in the run (from its row: rsync, the ` +
      `flush, the rename, the records), ${sec(median(phases.start))} outside it (node, the bundle, the catalogue, exit)`,
  );
  if (process.env['BENCH_VERBOSE']) {
    const rounded = (_: string, value: unknown) => (typeof value === 'number' ? Number(value.toFixed(3)) : value);
    console.log(JSON.stringify({ first, second, phases }, rounded));
  }
}

/**
 * The backup + prune cycle, with KEEP snapshots already there: `pobsync backup --prune` under a
 * keep-last KEEP policy (a new snapshot, the oldest removed) against rsnapshot's rotation with
 * `retain alpha KEEP` (alpha.KEEP-1 removed, the others renamed, a new alpha.0), alternating,
 * a few files changed before each pair. pobsync's wall runs to its exit, which waits for the
 * expired tree's removal at idle I/O priority; "to done" is its run row's end, where the
 * removal has only begun.
 */
function pruneCycle(setup: Setup, source: string, addHost: (host: string, source: string) => void): void {
  const KEEP = 10;
  const host = 'cycle';
  addHost(host, source);
  // `pobsync backup` makes manual snapshots: the policy must govern them too, or nothing is pruned.
  setup.pobsync('retention', host, '--keep-last', String(KEEP), '--kind', 'all', '--save');
  const config = rsnapshotConfig(setup, join(setup.dir, 'cycle-rsnapshot'), source);
  process.stdout.write(`\nbackup + prune: filling ${KEEP} snapshots on each side... `);
  for (let index = 0; index < KEEP; index += 1) {
    setup.pobsync('backup', host);
    spawnSync('rsnapshot', ['-c', config, 'alpha']);
  }
  process.stdout.write('done\n');
  const pobsync = new Series('pobsync backup --prune');
  const rsnapshot = new Series('rsnapshot rotation');
  const toDone: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    writeFileSync(join(source, `changed-${round}.txt`), `round ${round}\n`);
    inTurn(round, [
      () => {
        execFileSync('sync');
        pobsync.add(measure(process.execPath, [CLI, 'backup', host, '--prune'], { env: setup.env }));
        const run = JSON.parse(setup.pobsync('runs', '--host', host, '--limit', '1', '--json'))[0] as {
          startedAt: string;
          finishedAt: string;
        };
        toDone.push((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
      },
      () => {
        execFileSync('sync');
        rsnapshot.add(measure('rsnapshot', ['-c', config, 'alpha']));
      },
    ]);
  }
  const kept = JSON.parse(setup.pobsync('snapshots', host, '--json')).length;
  if (kept !== KEEP) throw new Error(`pobsync kept ${kept} snapshots of ${host}, not ${KEEP}: the cycle did not prune`);
  console.log(
    `\nbackup + prune: a new snapshot and the oldest removed, keep-last ${KEEP}, ${describeTree(FILES, FILE_SIZE)}, ` +
      `median of ${ROUNDS} alternating rounds (load ${loadAverage()}); each side keeps ${KEEP}`,
  );
  console.log(reportPair(pobsync, rsnapshot, { wall: 1.0 }));
  console.log(`  pobsync's run row, start to done (the removal still under way): median ${sec(median(toDone))}`);
}

/** rsnapshot's configuration: tabs between fields, its own lock and root, ssh as pobsync's. */
function rsnapshotConfig(setup: Setup, root: string, source: string): string {
  const path = `${root}.conf`;
  const lines = [
    ['config_version', '1.2'],
    ['snapshot_root', `${root}/`],
    ['no_create_root', '0'],
    ['cmd_cp', '/bin/cp'],
    ['cmd_rm', '/bin/rm'],
    ['cmd_rsync', '/usr/bin/rsync'],
    ['cmd_ssh', '/usr/bin/ssh'],
    ['link_dest', '1'],
    ['rsync_short_args', '-aHAX'],
    ['rsync_long_args', '--delete --numeric-ids --relative --delete-excluded'],
    ['ssh_args', sshOptions(setup.target, setup.files).join(' ')],
    ['verbose', '1'],
    ['loglevel', '1'],
    ['lockfile', `${root}.pid`],
    ['retain', 'alpha\t10'],
    ['backup', `${setup.target.user}@${setup.target.name}:${source}/\tbench/`],
  ];
  writeFileSync(path, `${lines.map((fields) => fields.join('\t')).join('\n')}\n`);
  return path;
}

/** `--profile`: CPU profiles of pobsync's node process during a first and an unchanged backup. */
function profiles(setup: Setup, source: string, addHost: (host: string, source: string) => void, profileDir: string): void {
  addHost('profiled', source);
  console.log(`\nbackup --profile: CPU profiles of pobsync's node process (open them in Chrome DevTools or speedscope)`);
  for (const run of ['first', 'unchanged']) {
    const out = join(profileDir, `backup-${run}`);
    rmSync(out, { recursive: true, force: true });
    execFileSync('sync');
    measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', out, CLI, 'backup', 'profiled'], { env: setup.env });
    const file = profileIn(out);
    console.log(`  ${run === 'first' ? 'first full backup' : 'unchanged incremental'}: ${file}`);
    console.log(summarizeProfile(file));
  }
  rmSync(join(setup.dir, 'backups', 'profiled'), { recursive: true, force: true });
}

/** pobsync's own CPU must not grow with the file count: an unchanged run at 20,000 and 100,000 small files. */
function scale(setup: Setup, addHost: (host: string, source: string) => void): void {
  const results: string[] = [];
  const medians: number[] = [];
  for (const count of SCALE_FILES) {
    const source = join(setup.dir, `scale-${count}`);
    buildTree(source, count, 1024);
    const host = `scale${count}`;
    addHost(host, source);
    setup.pobsync('backup', host);
    const self: number[] = [];
    const wall: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      execFileSync('sync');
      const usage = measure(process.execPath, ['--import', CPU_HOOK, CLI, 'backup', host], { env: setup.env });
      self.push(usage.self!);
      wall.push(usage.wall);
    }
    medians.push(median(self));
    results.push(`${count.toLocaleString('en')} files: cpu ${sec(median(self))} (run ${sec(median(wall))} wall)`);
    rmSync(source, { recursive: true, force: true });
    rmSync(join(setup.dir, 'backups', host), { recursive: true, force: true });
  }
  const growth = medians[1]! / medians[0]!;
  console.log(
    `\nbackup: pobsync's node process alone in an unchanged incremental of 1 KiB files, median of 3 (load ${loadAverage()})\n` +
      `  ${results.join('   ')}   ratio ${growth.toFixed(2)}x   goal flat (<= 1.10x) and <= 0.50 s: ` +
      verdict(growth <= 1.1 && medians.every((value) => value <= 0.5)),
  );
}
