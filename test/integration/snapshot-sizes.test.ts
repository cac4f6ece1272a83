/**
 * Snapshot sizes: what deleting a snapshot would free (its files no other snapshot links to) and
 * its full size, measured on real hard-linked trees made by real backups, kept in the catalogue
 * and measured again when the host's snapshots change.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, openApp } from '../../source/services/app.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { configureGlobal } from '../../source/services/settings.js';
import { measureSnapshotSizes } from '../../source/services/snapshots/sizes.js';
import { deleteSnapshot, listSnapshots } from '../../source/services/snapshots/snapshots.js';

const BIG = 512 * 1024;

let dir: string;
let app: App;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-sizes-'));
  app = await openApp(join(dir, 'home'));
  mkdirSync(join(dir, 'source'));
  writeFileSync(join(dir, 'source/big.bin'), Buffer.alloc(BIG, 7));
  writeFileSync(join(dir, 'source/notes.txt'), 'first\n');
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
  await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('snapshot sizes', () => {
  it('count a file two snapshots share in both totals and in neither freed, and change when one goes', async () => {
    await backupHost(app, 'web1');
    writeFileSync(join(dir, 'source/notes.txt'), 'second, longer\n');
    await backupHost(app, 'web1');
    expect((await listSnapshots(app, 'web1')).map((snapshot) => snapshot.size)).toEqual([null, null]);

    expect(await measureSnapshotSizes(app, 'web1')).toBe(2);
    const [first, second] = await listSnapshots(app, 'web1');
    for (const snapshot of [first!, second!]) {
      expect(snapshot.size!.current).toBe(true);
      expect(snapshot.size!.total).toBeGreaterThanOrEqual(BIG);
      // big.bin is in both, hard-linked: deleting either one alone frees only notes.txt and directories.
      expect(snapshot.size!.freed).toBeLessThan(BIG);
      expect(snapshot.size!.freed).toBeGreaterThan(0);
    }
    expect(await measureSnapshotSizes(app, 'web1')).toBe(0);

    await deleteSnapshot(app, 'web1', second!.name, async () => true);
    const [alone] = await listSnapshots(app, 'web1');
    expect(alone!.size!.current).toBe(false);
    expect(await measureSnapshotSizes(app, 'web1')).toBe(1);
    const [measured] = await listSnapshots(app, 'web1');
    expect(measured!.size).toMatchObject({ current: true, freed: measured!.size!.total });
    expect(measured!.size!.freed).toBeGreaterThanOrEqual(BIG);
  });
});
