/**
 * Trust and carry, each against its baseline in the same run, over 20,000 files / 200 MB backed
 * up through the loopback sshd:
 *
 *   manifest, unchanged incremental   the manifest's time inside `pobsync backup` against the rest
 *                                     of that backup (goal: at most 10% more)
 *   manifest, first backup            hashing speed against `b2sum` over the same files (>= 0.8x)
 *   archive create                    against `tar czf` of the same snapshot (>= 0.8x throughput)
 *   archive verify                    its checksum against `b2sum` of the same archive file (>= 0.8x)
 *
 * The manifest's time is what the backup's log says it took (the manifest note). Archive create
 * is the command as an admin runs it, start-up included. Archive verify compares its checksum
 * (its first step, timed in its log) with b2sum; the whole verify, which then inflates and reads
 * every entry, is printed beside it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

interface RunRow {
  id: number;
  startedAt: string;
  finishedAt: string;
  logPath: string;
}

/** The manifest note of a backup's log: how long the manifest took, and how many bytes it hashed. */
function manifestPhase(run: RunRow): { seconds: number; hashedBytes: number } {
  const line = readFileSync(run.logPath, 'utf8')
    .split('\n')
    .find((entry) => entry.includes('] manifest: '));
  const took = line && /in ([\d.]+) s$/.exec(line);
  const hashed = line && /(\d+) hashed \(([\d.]+) (B|KiB|MiB|GiB)\)/.exec(line);
  if (!took || !hashed) throw new Error(`no manifest note in ${run.logPath}`);
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[hashed[3] as 'B'];
  return { seconds: Number(took[1]), hashedBytes: Number(hashed[2]) * unit };
}

/** How long an archive verify's checksum took, from its log. */
function checksumPhase(run: RunRow): number {
  const took = /\] checksum: matches .* in ([\d.]+) s$/m.exec(readFileSync(run.logPath, 'utf8'));
  if (!took) throw new Error(`no checksum note in ${run.logPath}`);
  return Number(took[1]);
}

const runSeconds = (run: RunRow) => (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;

export async function benchTrust(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-trust-'));
  const sshd = await startSshd();
  try {
    const source = join(dir, 'source');
    const home = join(dir, 'home');
    const root = join(dir, 'backups');
    const env = { ...process.env, POBSYNC_HOME: home };
    const pobsync = (...args: string[]) => {
      const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (result.status !== 0) throw new Error(`pobsync ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    const lastRun = (host: string) => JSON.parse(pobsync('runs', '--host', host, '--limit', '1', '--json'))[0] as RunRow;
    // Nothing left to write when a measurement starts: each one pays only for its own work.
    const settled = (run: () => void) => {
      execFileSync('sync');
      return seconds(run);
    };
    process.stdout.write(`building ${FILES} files of ${FILE_SIZE / 1024} KiB (${(FILES * FILE_SIZE) / 1024 ** 2} MiB)... `);
    buildTree(source);
    process.stdout.write('done\n');
    pobsync('configure-global', '--backup-root', root);
    sshd.authorize(JSON.parse(pobsync('key', '--json')).authorizedKeysLine);

    const times = {
      firstManifest: [] as number[],
      b2sumFiles: [] as number[],
      incrementalManifest: [] as number[],
      incrementalRest: [] as number[],
      tar: [] as number[],
      create: [] as number[],
      createRun: [] as number[],
      b2sumArchive: [] as number[],
      verify: [] as number[],
      verifyRun: [] as number[],
      verifyChecksum: [] as number[],
    };
    let archiveBytes = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const host = `trust${round}`;
      pobsync('configure-host', host, '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', source);
      pobsync('trust-host', host, '--yes');

      settled(() => pobsync('backup', host));
      const first = manifestPhase(lastRun(host));
      const snapshot = JSON.parse(pobsync('snapshots', host, '--json')).at(-1) as { path: string };
      times.firstManifest.push(first.seconds);
      // b2sum over the same files, the snapshot's, just as warm in the page cache.
      times.b2sumFiles.push(
        settled(() =>
          execFileSync('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 b2sum > /dev/null', 'sh', join(snapshot.path, 'data')]),
        ),
      );

      settled(() => pobsync('backup', host));
      const second = lastRun(host);
      const incremental = manifestPhase(second);
      times.incrementalManifest.push(incremental.seconds);
      times.incrementalRest.push(runSeconds(second) - incremental.seconds);

      const latest = JSON.parse(pobsync('snapshots', host, '--json')).at(-1) as { path: string };
      const tarball = join(dir, `tar${round}.tar.gz`);
      const inTurn = (steps: (() => void)[]) => {
        for (const step of round % 2 === 0 ? steps.reverse() : steps) step();
      };
      let archive = { id: 0, path: '', bytes: 0 };
      inTurn([
        () => times.tar.push(settled(() => execFileSync('tar', ['czf', tarball, '-C', latest.path, 'data']))),
        () =>
          times.create.push(
            settled(() => {
              archive = JSON.parse(pobsync('archive', 'create', host, '--json')).archive;
            }),
          ),
      ]);
      times.createRun.push(runSeconds(lastRun(host)));
      archiveBytes = archive.bytes;
      inTurn([
        () => times.b2sumArchive.push(settled(() => execFileSync('b2sum', [archive.path], { stdio: 'ignore' }))),
        () => times.verify.push(settled(() => pobsync('archive', 'verify', String(archive.id)))),
      ]);
      const verifyRun = lastRun(host);
      times.verifyRun.push(runSeconds(verifyRun));
      times.verifyChecksum.push(checksumPhase(verifyRun));
      for (const path of [tarball, archive.path, `${archive.path}.b2`, join(root, host)]) rmSync(path, { recursive: true, force: true });
    }

    const m = (values: number[]) => median(values);
    const f = (value: number) => value.toFixed(2);
    const say = (label: string, ...parts: string[]) => console.log(`  ${label.padEnd(33)}${parts.join('')}`);
    console.log(`\ntrust: median of ${ROUNDS} rounds, ${FILES} files / ${(FILES * FILE_SIZE) / 1024 ** 2} MiB, 127.0.0.1 sshd`);
    const overhead = m(times.incrementalManifest) / m(times.incrementalRest);
    say(
      'manifest, unchanged incremental',
      `${f(m(times.incrementalManifest))} s of a ${f(m(times.incrementalRest) + m(times.incrementalManifest))} s backup: `,
      `+${(overhead * 100).toFixed(1)}% over the backup without it (goal <= 10%: ${verdict(overhead <= 0.1)})`,
    );
    const hashing = m(times.b2sumFiles) / m(times.firstManifest);
    say(
      'manifest, first backup',
      `${f(m(times.firstManifest))} s to hash every file, b2sum ${f(m(times.b2sumFiles))} s: `,
      `${f(hashing)}x b2sum's speed (goal >= 0.8x: ${verdict(hashing >= 0.8)})`,
    );
    const create = m(times.tar) / m(times.create);
    say(
      'archive create',
      `tar czf ${f(m(times.tar))} s, pobsync ${f(m(times.create))} s (its run ${f(m(times.createRun))} s): `,
      `${f(create)}x tar's throughput (goal >= 0.8x: ${verdict(create >= 0.8)})`,
    );
    const checksum = m(times.b2sumArchive) / m(times.verifyChecksum);
    say(
      `archive verify (${(archiveBytes / 1024 ** 2).toFixed(0)} MiB)`,
      `b2sum ${f(m(times.b2sumArchive))} s, pobsync's checksum ${f(m(times.verifyChecksum))} s: `,
      `${f(checksum)}x b2sum's speed (goal >= 0.8x: ${verdict(checksum >= 0.8)})`,
    );
    say(
      '',
      `the whole verify (checksum, then every entry against the manifests): ${f(m(times.verify))} s, its run ${f(m(times.verifyRun))} s`,
    );
    if (process.env['BENCH_VERBOSE'])
      console.log(JSON.stringify(times, (_, value) => (typeof value === 'number' ? Number(value.toFixed(3)) : value)));
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
