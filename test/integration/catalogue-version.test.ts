/**
 * The catalogue's version: what a viewer (the TUI) polls instead of reading everything again.
 * It stays while nothing is written and changes with a write through this connection or another.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type App, catalogueVersion, openApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { status } from '../../source/services/monitoring/status.js';
import { renewLease, tryAcquireLease } from '../../source/services/schedule/lease.js';
import { heartbeat } from '../../source/services/servers.js';
import { testingOnMariaDb } from '../helpers/mariadb.js';
import { type Workspace, workspace } from '../helpers/pobsync.js';

let ws: Workspace | undefined;
const opened: App[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
  ws?.cleanup();
});

describe('the catalogue version', () => {
  it.skipIf(testingOnMariaDb())('stays while only reads happen, and changes with a write here or in another process', async () => {
    ws = workspace();
    const viewer = await openApp(ws.home);
    const other = await openApp(ws.home);
    opened.push(viewer, other);

    await status(viewer);
    const first = await catalogueVersion(viewer);
    await status(viewer);
    await status(viewer);
    expect(await catalogueVersion(viewer)).toBe(first);

    await configureHost(viewer, 'web1', { address: 'local', sources: ['/etc'] });
    const afterOwn = await catalogueVersion(viewer);
    expect(afterOwn).not.toBe(first);

    await configureHost(other, 'web2', { address: 'local', sources: ['/etc'] });
    expect(await catalogueVersion(viewer)).not.toBe(afterOwn);
  });

  it.skipIf(testingOnMariaDb())(
    'stays through the lease and server heartbeats of this process, and still changes with any other write',
    async () => {
      ws = workspace();
      const viewer = await openApp(ws.home);
      opened.push(viewer);
      expect((await tryAcquireLease(viewer, 'tui', 'tui')).acquired).toBe(true);
      const before = await catalogueVersion(viewer);
      expect(await renewLease(viewer, 'tui')).toBe(true);
      expect(await renewLease(viewer, 'tui')).toBe(true);
      expect(await catalogueVersion(viewer)).toBe(before);
      // and through this server's heartbeats after its first
      await heartbeat(viewer, new Date(), true);
      const beating = await catalogueVersion(viewer);
      await heartbeat(viewer);
      await heartbeat(viewer);
      expect(await catalogueVersion(viewer)).toBe(beating);

      await configureHost(viewer, 'web1', { address: 'local', sources: ['/etc'] });
      const afterWrite = await catalogueVersion(viewer);
      expect(afterWrite).not.toBe(before);
      // A renewal that renews nothing (the lease is another's) hides no write either.
      expect(await renewLease(viewer, 'someone else')).toBe(false);
      await configureHost(viewer, 'web2', { address: 'local', sources: ['/etc'] });
      expect(await catalogueVersion(viewer)).not.toBe(afterWrite);
    },
  );

  it.runIf(testingOnMariaDb())('is unknown on MariaDB (no counter of commits to read), so a viewer reads again each time', async () => {
    ws = workspace();
    const viewer = await openApp(ws.home);
    opened.push(viewer);
    expect(await catalogueVersion(viewer)).toBeUndefined();
    await configureHost(viewer, 'web1', { address: 'local', sources: ['/etc'] });
    expect(await catalogueVersion(viewer)).toBeUndefined();
  });
});
