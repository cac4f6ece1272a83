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
