/** What the bench sections measure against: a tree of files to back up, catalogues of many snapshots. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { openApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { configureGlobal } from '../../source/services/settings.js';

/** `files` files of `fileSize` bytes, 100 to a directory: the same bytes in every run. */
export function buildTree(root: string, files: number, fileSize: number): void {
  const perDir = 100;
  const block = randomBytes(fileSize * 64);
  for (let index = 0; index < files; index += 1) {
    const dir = join(root, `d${String(Math.floor(index / perDir)).padStart(4, '0')}`);
    if (index % perDir === 0) mkdirSync(dir, { recursive: true });
    const offset = (index * 997) % (block.length - fileSize);
    writeFileSync(join(dir, `f${index}.bin`), block.subarray(offset, offset + fileSize));
  }
}

export const hostName = (index: number) => `host${String(index).padStart(3, '0')}`;

/**
 * A catalogue in `home` with `hosts` local hosts (host000, host001, ...) and `snapshotsPerHost`
 * hourly snapshots each, recorded straight into the table (nothing on disk).
 */
export async function catalogueWithSnapshots(
  home: string,
  options: { hosts: number; snapshotsPerHost: number; backupRoot: string; timeZone?: string },
): Promise<void> {
  const app = await openApp(home);
  try {
    await configureGlobal(app, { backupRoot: options.backupRoot, timeZone: options.timeZone ?? 'UTC' });
    for (let index = 0; index < options.hosts; index += 1)
      await configureHost(app, hostName(index), { address: 'local', sources: ['/etc'] });
    const connection = app.catalogue.em().getConnection();
    await connection.execute('begin');
    const start = Date.now() - options.snapshotsPerHost * 3_600_000;
    for (let host = 1; host <= options.hosts; host += 1) {
      for (let offset = 0; offset < options.snapshotsPerHost; offset += 250) {
        const times = Array.from(
          { length: Math.min(250, options.snapshotsPerHost - offset) },
          (_, index) => new Date(start + (offset + index) * 3_600_000 + host * 1000),
        );
        await connection.execute(
          `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, protected, created_at)
           values ${times.map(() => "(?, ?, 'scheduled', 'complete', ?, ?, ?, 0, 0)").join(', ')}`,
          times.flatMap((time) => [
            host,
            snapshotName(time),
            join(options.backupRoot, hostName(host - 1), snapshotName(time)),
            time.getTime(),
            time.getTime() + 60_000,
          ]),
        );
      }
    }
    await connection.execute('commit');
  } finally {
    await app.close();
  }
}

/**
 * A catalogue at the scale of issue #17 in `home`: `hosts` hosts (host0000, ...), each with a
 * nightly `H 2 * * *` schedule, `snapshotsPerHost` snapshots and `runsPerHost` runs (mostly
 * succeeded, one in ten failed, one in twenty skipped, each with its stats), written by SQL
 * that generates the rows inside the database: a million rows take seconds, not the ORM's hour.
 * On the catalogue POBSYNC_DATABASE_URL names when it is set (MariaDB: the same rows).
 */
export async function catalogueAtScale(
  home: string,
  options: { hosts: number; snapshotsPerHost: number; runsPerHost: number; backupRoot: string },
): Promise<void> {
  const app = await openApp(home);
  try {
    await configureGlobal(app, { backupRoot: options.backupRoot, timeZone: 'UTC' });
    if (app.catalogue.dialect === 'mariadb') {
      await mariaDbAtScale(app.catalogue.em().getConnection(), home, options);
      return;
    }
    const connection = app.catalogue.em().getConnection();
    const now = Date.now();
    const hours = Math.max(options.snapshotsPerHost, options.runsPerHost);
    const start = now - hours * 3_600_000;
    // The indexes of a million rows inserted in time order (hosts interleaved) want a large page cache.
    await connection.execute('pragma cache_size = -512000');
    const sequence = (count: number) => `with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${count - 1})`;
    await connection.execute('begin');
    await connection.execute(
      `insert into host (name, address, user, port, sources, excludes, rsync_args, enabled, created_at, updated_at)
       ${sequence(options.hosts)}
       select 'host' || substr('0000' || n, -4), 'local', 'root', 22, '["/etc"]', '[]', '[]', 1, ${start}, ${start} from seq`,
    );
    await connection.execute(
      `insert into schedule (host_id, name, cron, prune, enabled, action, created_at, updated_at)
       select id, 'default', 'H 2 * * *', 0, 1, 'backup', ${start}, ${start} from host`,
    );
    // Hour k of host h: started at start + k hours + h seconds, named by that time.
    await connection.execute(
      `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, stats, protected, created_at, dumps)
       ${sequence(options.hosts * options.snapshotsPerHost)}
       select h, strftime('%Y-%m-%dT%H%M%SZ', t / 1000, 'unixepoch'), 'scheduled', 'complete',
              '${options.backupRoot}/host' || substr('0000' || (h - 1), -4) || '/' || strftime('%Y-%m-%dT%H%M%SZ', t / 1000, 'unixepoch'),
              t, t + 60000, '{"files":1000,"totalSize":1000000,"transferredSize":' || (n % 5000) || '}', 0, t, '[]'
         from (select n, n % ${options.hosts} + 1 as h, ${start} + (n / ${options.hosts}) * 3600000 + (n % ${options.hosts} + 1) * 1000 as t
                 from seq)`,
    );
    await connection.execute(
      `insert into run (host_id, kind, status, queued_at, started_at, finished_at, schedule_id, scheduled_for, prune,
                        cancel_requested, attempt, stats, error, log_path)
       ${sequence(options.hosts * options.runsPerHost)}
       select h, 'scheduled', case when (n + k) % 20 = 7 then 'skipped' when (n + k) % 10 = 3 then 'failed' else 'succeeded' end,
              t, case when (n + k) % 20 = 7 then null else t end, t + 60000, h, t, 0, 0, 1,
              case when (n + k) % 10 = 3 or (n + k) % 20 = 7 then null
                   else '{"files":1000,"totalSize":1000000,"transferredSize":' || (n % 5000) || '}' end,
              case when (n + k) % 10 = 3 then 'rsync exited 23' when (n + k) % 20 = 7 then 'skipped: busy' end,
              '${home}/logs/' || (n + 1) || '.log'
         from (select n, n / ${options.hosts} as k, n % ${options.hosts} + 1 as h,
                      ${start} + (n / ${options.hosts}) * 3600000 + (n % ${options.hosts} + 1) * 1000 as t
                 from seq)`,
    );
    await connection.execute('commit');
  } finally {
    await app.close();
  }
}

/**
 * catalogueAtScale's rows on MariaDB, from its sequence tables (seq_0_to_N). Times are DATETIME(3)
 * in UTC, computed from the epoch without the session's time zone; each INSERT ... SELECT is one
 * statement (the pool gives no one connection to hold a transaction on).
 */
async function mariaDbAtScale(
  connection: { execute(sql: string): Promise<unknown> },
  home: string,
  options: { hosts: number; snapshotsPerHost: number; runsPerHost: number; backupRoot: string },
): Promise<void> {
  const hosts = options.hosts;
  const now = Date.now();
  const start = now - Math.max(options.snapshotsPerHost, options.runsPerHost) * 3_600_000;
  const at = (ms: string) => `('1970-01-01' + interval (${ms}) * 1000 microsecond)`;
  const name = (time: string) => `date_format(${time}, '%Y-%m-%dT%H%i%sZ')`;
  await connection.execute(
    `insert into host (name, address, user, port, sources, excludes, rsync_args, enabled, created_at, updated_at)
     select concat('host', lpad(seq, 4, '0')), 'local', 'root', 22, '["/etc"]', '[]', '[]', 1, ${at(String(start))}, ${at(String(start))}
       from seq_0_to_${hosts - 1} order by seq`,
  );
  await connection.execute(
    `insert into schedule (host_id, name, cron, prune, enabled, action, created_at, updated_at)
     select id, 'default', 'H 2 * * *', 0, 1, 'backup', ${at(String(start))}, ${at(String(start))} from host order by id`,
  );
  // Hour k of host h: started at start + k hours + h seconds, named by that time (as on SQLite).
  const rows = (count: number) =>
    `(select seq as n, seq div ${hosts} as k, seq % ${hosts} + 1 as h,
             ${at(`${start} + (seq div ${hosts}) * 3600000 + (seq % ${hosts} + 1) * 1000`)} as t
        from seq_0_to_${count - 1}) as generated`;
  await connection.execute(
    `insert into snapshot (host_id, name, kind, status, path, started_at, finished_at, stats, protected, created_at, dumps)
     select h, ${name('t')}, 'scheduled', 'complete',
            concat('${options.backupRoot}/host', lpad(h - 1, 4, '0'), '/', ${name('t')}),
            t, t + interval 60 second, concat('{"files":1000,"totalSize":1000000,"transferredSize":', n % 5000, '}'), 0, t, '[]'
       from ${rows(hosts * options.snapshotsPerHost)}`,
  );
  await connection.execute(
    `insert into run (host_id, kind, status, queued_at, started_at, finished_at, schedule_id, scheduled_for, prune,
                      cancel_requested, attempt, stats, error, log_path)
     select h, 'scheduled', case when (n + k) % 20 = 7 then 'skipped' when (n + k) % 10 = 3 then 'failed' else 'succeeded' end,
            t, case when (n + k) % 20 = 7 then null else t end, t + interval 60 second, h, t, 0, 0, 1,
            case when (n + k) % 10 = 3 or (n + k) % 20 = 7 then null
                 else concat('{"files":1000,"totalSize":1000000,"transferredSize":', n % 5000, '}') end,
            case when (n + k) % 10 = 3 then 'rsync exited 23' when (n + k) % 20 = 7 then 'skipped: busy' end,
            concat('${home}/logs/', n + 1, '.log')
       from ${rows(hosts * options.runsPerHost)}`,
  );
}
