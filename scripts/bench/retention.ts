/**
 * Planning 100,000 snapshots in-process (goal < 200 ms), and `pobsync retention <host> --json`
 * over 100,000 records (goal < 2 s end to end), against the CLI's bare start-up
 * (`pobsync hosts --json`) on the same catalogue.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRetention, validatePolicy } from '../../source/domain/retention.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { openApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { configureGlobal } from '../../source/services/settings.js';
import { CLI } from '../../test/helpers/pobsync.js';
import { median, ms, seconds, verdict } from './common.js';

export async function benchRetention(): Promise<void> {
  const count = 100_000;
  const policy = validatePolicy({ keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 });
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
    planTimes.push(seconds(() => planRetention(snapshots, policy, { now, timeZone: 'Europe/Berlin' })));
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
    const app = await openApp(home);
    await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'Europe/Berlin' });
    await configureHost(app, 'web1', { address: 'local', sources: ['/etc'] });
    const connection = app.catalogue.em().getConnection();
    await connection.execute('begin');
    for (let offset = 0; offset < count; offset += 500) {
      const rows = snapshots.slice(offset, offset + 500);
      await connection.execute(
        `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, protected, created_at) values ` +
          `${rows.map(() => '(1, ?, ?, ?, ?, ?, ?, 0, ?)').join(', ')}`,
        rows.flatMap((row) => [
          row.name,
          row.kind,
          row.status,
          join(dir, 'backups/web1', row.name),
          row.startedAt.getTime(),
          row.startedAt.getTime() + 60_000,
          Date.now(),
        ]),
      );
    }
    await connection.execute('commit');
    await configureHost(app, 'web1', { enabled: true });
    await app.close();
    const env = { ...process.env, POBSYNC_HOME: home };
    const cli =
      (...args: string[]) =>
      () => {
        const result = spawnSync(process.execPath, [CLI, ...args], { env, maxBuffer: 1 << 30 });
        if (result.status !== 0) throw new Error(`pobsync ${args.join(' ')}: ${result.stderr}`);
      };
    const startup: number[] = [];
    const retention: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      startup.push(seconds(cli('hosts', '--json')));
      retention.push(
        seconds(
          cli(
            'retention',
            'web1',
            '--keep-hourly',
            '24',
            '--keep-daily',
            '7',
            '--keep-weekly',
            '4',
            '--keep-monthly',
            '12',
            '--keep-yearly',
            '3',
            '--json',
          ),
        ),
      );
    }
    console.log(
      `  retention --json CLI   baseline (pobsync hosts --json) ${median(startup).toFixed(2)} s   retention ` +
        `${median(retention).toFixed(2)} s` +
        `   ratio ${(median(retention) / median(startup)).toFixed(2)}   goal < 2 s: ${verdict(median(retention) < 2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
