/**
 * Raw rsync vs `pobsync backup`: the same flags over the same loopback sshd, 20,000 files /
 * 200 MB, first run and unchanged second run. Goal: pobsync adds at most 10% (or 0.5 s).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RSYNC_SNAPSHOT_OPTIONS } from '../../source/domain/rsync-args.js';
import { rsyncShellCommand } from '../../source/domain/ssh-args.js';
import { CLI } from '../../test/helpers/pobsync.js';
import { startSshd } from '../../test/helpers/sshd.js';
import { median, seconds, verdict } from './common.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const FILES = 20_000;
const FILE_SIZE = 10 * 1024;

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

export async function benchBackup(): Promise<void> {
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
      const args = [
        ...RSYNC_SNAPSHOT_OPTIONS,
        ...(linkDest ? [`--link-dest=${linkDest}`] : []),
        '-e',
        rsyncShellCommand(target, files),
        '--',
        `${sshd.user}@bench:${source}`,
        `${destination}/`,
      ];
      execFileSync('rsync', args, { stdio: 'ignore' });
    };

    const times = {
      rawFirst: [] as number[],
      rawSecond: [] as number[],
      rawSyncFirst: [] as number[],
      rawSyncSecond: [] as number[],
      pobsyncFirst: [] as number[],
      pobsyncSecond: [] as number[],
    };
    // Every measurement starts with nothing waiting to be written: pobsync flushes its tree to disk
    // (sync -f) before the rename, and must not pay for what an earlier measurement left dirty.
    const settled = (run: () => void): number => {
      execFileSync('sync');
      return seconds(run);
    };
    // The same durability as pobsync's, for comparison: raw rsync, then the flush.
    const rawDurable = (destination: string, linkDest?: string) => {
      raw(destination, linkDest);
      execFileSync('sync', ['-f', destination]);
    };
    // Where pobsync's time goes, from its run rows: before the run starts (node, the bundle, the
    // catalogue), the run itself (rsync, the flush, the rename, the records), and exiting.
    const phases = { start: [] as number[], run: [] as number[], exit: [] as number[] };
    const timedBackup = (host: string): number => {
      let [spawned, exited] = [0, 0];
      const took = settled(() => {
        spawned = Date.now();
        pobsync('backup', host);
        exited = Date.now();
      });
      const run = JSON.parse(pobsync('runs', '--host', host, '--limit', '1', '--json'))[0] as { startedAt: string; finishedAt: string };
      const [started, finished] = [Date.parse(run.startedAt), Date.parse(run.finishedAt)];
      phases.start.push((started - spawned) / 1000);
      phases.run.push((finished - started) / 1000);
      phases.exit.push((exited - finished) / 1000);
      return took;
    };
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
      const [rawA, rawB, syncA, syncB] = ['a', 'b', 'sync-a', 'sync-b'].map((name) => join(dir, `raw${round}-${name}`)) as [
        string,
        string,
        string,
        string,
      ];
      // Every other round measures pobsync first: what one measurement leaves behind (a warm
      // cache, metadata still being written) must not always favour the same side.
      const inTurn = (steps: (() => void)[]) => {
        for (const step of round % 2 === 0 ? steps.reverse() : steps) step();
      };
      inTurn([
        () => times.rawFirst.push(settled(() => raw(rawA))),
        () => times.rawSyncFirst.push(settled(() => rawDurable(syncA))),
        () => times.pobsyncFirst.push(timedBackup(host)),
      ]);
      inTurn([
        () => times.rawSecond.push(settled(() => raw(rawB, rawA))),
        () => times.rawSyncSecond.push(settled(() => rawDurable(syncB, syncA))),
        () => times.pobsyncSecond.push(timedBackup(host)),
      ]);
      for (const tree of [rawA, rawB, syncA, syncB, join(root, host)]) rmSync(tree, { recursive: true, force: true });
    }

    console.log(`\nbackup: median of ${ROUNDS} rounds, 127.0.0.1 sshd`);
    report('first run', times.rawFirst, times.pobsyncFirst);
    report('unchanged second run', times.rawSecond, times.pobsyncSecond);
    console.log('  against raw rsync followed by sync -f (the flush pobsync does before publishing a snapshot):');
    report('first run', times.rawSyncFirst, times.pobsyncFirst);
    report('unchanged second run', times.rawSyncSecond, times.pobsyncSecond);
    const [start, run, exit] = [median(phases.start), median(phases.run), median(phases.exit)];
    console.log(
      `  pobsync backup, by phase (medians over both runs): ${start.toFixed(2)} s until the run starts (node, the bundle, the catalogue: ` +
        `paid whatever the size of the backup), ${run.toFixed(2)} s running, ${exit.toFixed(2)} s to exit`,
    );
    if (process.env['BENCH_VERBOSE'])
      console.log(JSON.stringify({ ...times, ...phases }, (_, value) => (typeof value === 'number' ? Number(value.toFixed(2)) : value)));
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The goal is judged on the medians. The best of each is printed too: on a shared machine one
 * run can vary by half a second, and the fastest runs show what pobsync itself adds.
 */
function report(label: string, rawTimes: number[], pobsyncTimes: number[]): void {
  const [baseline, measured] = [median(rawTimes), median(pobsyncTimes)];
  const allowed = Math.max(baseline * 0.1, 0.5);
  const added = measured - baseline;
  const best = Math.min(...pobsyncTimes) - Math.min(...rawTimes);
  console.log(
    `  ${label.padEnd(22)} raw rsync ${baseline.toFixed(2)} s   pobsync ${measured.toFixed(2)} s   ` +
      `ratio ${(measured / baseline).toFixed(2)}   added ${added.toFixed(2)} s (goal <= ${allowed.toFixed(2)} s: ` +
      `${verdict(added <= allowed)}; best runs: added ${best.toFixed(2)} s)`,
  );
}
