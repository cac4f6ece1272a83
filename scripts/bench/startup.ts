/**
 * Start-up: what a command costs before it does anything, on a catalogue of 200 hosts and 50,000
 * snapshots, against `node -e 0` (node's own start-up) in the same run, alternating order.
 * Goal (issue #14): `hosts --json`, `status --json` and `snapshots <host> --json` <= 2x node's CPU.
 * `--help` opens no catalogue: what pobsync costs before the ORM.
 *
 * BENCH_STARTUP_ROUNDS (default 11).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, CLI, inTurn, loadAverage, measure, reportPair, Series } from './common.js';
import { catalogueWithSnapshots, hostName } from './fixtures.js';
import { profileIn, summarizeProfile } from './profile.js';

const ROUNDS = Number(process.env['BENCH_STARTUP_ROUNDS'] ?? 11);

export const STARTUP_COMMANDS: string[][] = [['hosts', '--json'], ['status', '--json'], ['snapshots', hostName(0), '--json'], ['--help']];

export async function benchStartup(options: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  try {
    const home = join(dir, 'home');
    process.stdout.write('\nstart-up: building a catalogue of 200 hosts / 50,000 snapshots... ');
    await catalogueWithSnapshots(home, { hosts: 200, snapshotsPerHost: 250, backupRoot: join(dir, 'backups') });
    process.stdout.write('done\n');
    const env = { ...process.env, POBSYNC_HOME: home };
    const node = new Series('node -e 0');
    const commands = STARTUP_COMMANDS.map((args) => ({ args, series: new Series(`pobsync ${args.join(' ')}`) }));
    // Once untimed: the catalogue's pages into the cache, the WAL checkpointed.
    for (const { args } of commands) measure(process.execPath, [CLI, ...args], { env });
    for (let round = 1; round <= ROUNDS; round += 1) {
      inTurn(round, [
        () => node.add(measure(process.execPath, ['-e', '0'])),
        ...commands.map(
          ({ args, series }) =>
            () =>
              series.add(measure(process.execPath, [CLI, ...args], { env })),
        ),
      ]);
    }
    console.log(`\nstart-up: 200 hosts / 50,000 snapshots, median of ${ROUNDS} alternating rounds (load average ${loadAverage()})`);
    for (const { args, series } of commands) console.log(reportPair(series, node, args[0] === '--help' ? undefined : { cpu: 2 }));

    if (options.profileDir) {
      console.log('\nstart-up --profile: CPU profiles of each command');
      for (const { args } of commands) {
        const out = join(options.profileDir, `startup-${args[0]!.replace(/^-+/, '')}`);
        rmSync(out, { recursive: true, force: true });
        measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', out, CLI, ...args], { env });
        const file = profileIn(out);
        console.log(`  pobsync ${args.join(' ')}: ${file}`);
        console.log(summarizeProfile(file, 10));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
