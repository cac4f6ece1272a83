/**
 * Planning 100,000 snapshots in-process (goal < 200 ms), and `pobsync retention <host> --json`
 * over 100,000 records against `pobsync hosts --json` (the CLI's start-up) on the same catalogue,
 * alternating order: goal (issue #14) <= 1.5x in CPU.
 *
 * BENCH_RETENTION_ROUNDS (default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRetention, validatePolicy } from '../../source/domain/retention.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { type BenchOptions, CLI, inTurn, loadAverage, measure, median, ms, reportPair, Series, seconds, verdict } from './common.js';
import { catalogueWithSnapshots, hostName } from './fixtures.js';
import { profileIn, summarizeProfile } from './profile.js';

const ROUNDS = Number(process.env['BENCH_RETENTION_ROUNDS'] ?? 5);

export async function benchRetention(options: BenchOptions): Promise<void> {
  const count = 100_000;
  const plannerPolicy = validatePolicy({ keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 });
  const start = Date.parse('2015-01-01T00:00:00Z');
  const snapshots = Array.from({ length: count }, (_, index) => {
    const startedAt = new Date(start + index * 3_600_000);
    return {
      id: index + 1,
      name: snapshotName(startedAt),
      kind: 'scheduled' as const,
      status: 'complete' as const,
      startedAt,
      protected: false,
    };
  });
  const now = new Date(start + count * 3_600_000);
  const planTimes: number[] = [];
  const allocTimes: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    allocTimes.push(
      seconds(() =>
        snapshots
          .map((snapshot) => ({ snapshot, action: 'keep', reasons: [] as string[] }))
          .sort((a, b) => b.snapshot.startedAt.getTime() - a.snapshot.startedAt.getTime()),
      ),
    );
    planTimes.push(seconds(() => planRetention(snapshots, plannerPolicy, { now, timeZone: 'Europe/Berlin' })));
  }
  console.log(
    `\nretention: ${count.toLocaleString('en')} hourly snapshots, Europe/Berlin, hourly 24 / daily 7 / weekly 4 / monthly 12 / yearly 3`,
  );
  console.log(
    `  plan in-process        baseline (build + sort 100k entries) ${ms(median(allocTimes))}   planRetention ` +
      `${ms(median(planTimes))} (first ${ms(planTimes[0]!)})` +
      `   ratio ${(median(planTimes) / median(allocTimes)).toFixed(2)}   goal < 200 ms: ${verdict(median(planTimes) < 0.2)}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  try {
    const home = join(dir, 'home');
    await catalogueWithSnapshots(home, { hosts: 1, snapshotsPerHost: count, backupRoot: join(dir, 'backups'), timeZone: 'Europe/Berlin' });
    const env = { ...process.env, POBSYNC_HOME: home };
    const policy = ['--keep-hourly', '24', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-yearly', '3'];
    const commands = [
      { args: ['hosts', '--json'], series: new Series('pobsync hosts --json') },
      { args: ['retention', hostName(0), ...policy, '--json'], series: new Series('pobsync retention --json') },
    ] as const;
    for (const { args } of commands) measure(process.execPath, [CLI, ...args], { env });
    for (let round = 1; round <= ROUNDS; round += 1) {
      inTurn(
        round,
        commands.map(
          ({ args, series }) =>
            () =>
              series.add(measure(process.execPath, [CLI, ...args], { env })),
        ),
      );
    }
    const [hosts, retention] = [commands[0].series, commands[1].series];
    console.log(
      `  retention --json over ${count.toLocaleString('en')} snapshots, median of ${ROUNDS} alternating rounds (load ${loadAverage()})`,
    );
    console.log(reportPair(retention, hosts, { cpu: 1.5 }));
    if (options.profileDir) {
      const out = join(options.profileDir, 'retention');
      rmSync(out, { recursive: true, force: true });
      measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', out, CLI, ...commands[1].args], { env });
      const file = profileIn(out);
      console.log(`  retention --profile: ${file}`);
      console.log(summarizeProfile(file, 10));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
