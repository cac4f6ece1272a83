/**
 * Scale (issue #17): the listings an admin runs on a catalogue of 1,000 hosts, 1,000,000 snapshots
 * and 1,000,000 runs, against `node -e 0` and `pobsync --help` (start-up without a catalogue) in
 * the same run, alternating order. Measured twice on the same catalogue: with this build's
 * indexes, then with the indexes of Migration20261204100000ScaleIndexes dropped (the schema
 * before it), so the pair shows what the indexes are worth.
 *
 * BENCH_SCALE_ROUNDS (default 3); BENCH_SCALE_HOSTS (default 1000) with 1,000 snapshots and
 * 1,000 runs each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../../source/services/app.js';
import { type BenchOptions, CLI, inTurn, loadAverage, measure, reportPair, Series, secondsAsync } from './common.js';
import { catalogueAtScale } from './fixtures.js';

const ROUNDS = Number(process.env['BENCH_SCALE_ROUNDS'] ?? 3);
const HOSTS = Number(process.env['BENCH_SCALE_HOSTS'] ?? 1000);
const PER_HOST = 1000;

/** The indexes the scale migration adds: dropped for the "before" figures. */
const SCALE_INDEXES = ['snapshot_host_id_deleting_at_missing_since_kind_started_at_index', 'run_host_id_kind_status_index'];

const COMMANDS: string[][] = [
  ['status', '--json'],
  ['snapshots', 'host0500', '--json'],
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
    const env = { ...process.env, POBSYNC_HOME: home };
    const baselines = [new Series('node -e 0'), new Series('pobsync --help')];
    const after = COMMANDS.map((args) => ({ args, series: new Series(`pobsync ${args.join(' ')}`) }));
    round(env, after, baselines, ROUNDS);

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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
