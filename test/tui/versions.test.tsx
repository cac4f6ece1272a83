/** The versions dialog (`v` in the snapshot browser): a cursor over the versions, scrolled when they do not fit, Enter browses one. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import type { FileVersion, VersionsView } from '../../source/services/restore/browse.js';
import { configureGlobal } from '../../source/services/settings.js';
import { listSnapshots } from '../../source/services/snapshots/snapshots.js';
import { App } from '../../source/tui/app.js';
import { type Backend, createBackend } from '../../source/tui/backend.js';
import type { Panes } from '../../source/tui/panes/pane.js';
import { ENTER, flat, PGDN, PGUP, press, renderView } from '../helpers/ink.js';
import { DialogHarness, testEnv } from './harness.js';

function version(number: number): FileVersion {
  const day = String(number).padStart(2, '0');
  return {
    version: number,
    type: 'file',
    size: 100 + number,
    mtime: '2026-11-01T00:00:00.000Z',
    mode: 0o644,
    uid: 0,
    gid: 0,
    inode: `1:${number}`,
    blake2b: null,
    snapshots: [`2026-10-${day}T021500Z`],
  };
}

describe('versions dialog', () => {
  it('moves a cursor over more versions than fit, scrolling them, and Enter browses the snapshot of the one under it', async () => {
    const versions: VersionsView = {
      host: 'web1',
      path: '/srv/www/index.php',
      versions: Array.from({ length: 50 }, (_, index) => version(index + 1)),
      absentFrom: [],
    };
    const browse = vi.fn();
    const env = testEnv({} as Backend, { panes: () => ({ snapshots: { browse } }) as unknown as Panes });
    // The harness draws dialogs 40 rows tall: 35 versions show at once.
    const view = await renderView(<DialogHarness env={env} dialog={{ kind: 'versions', versions, page: 35 }} />);
    expect(view.lastFrame()).toMatch(/▶ #1 /);
    expect(view.lastFrame()).toContain('versions 1-35 of 50');
    expect(view.lastFrame()).not.toContain('#36 ');
    await press(view, 'jjj');
    expect(view.lastFrame()).toMatch(/▶ #4 /);
    await press(view, PGDN);
    expect(view.lastFrame()).toMatch(/▶ #38 /);
    expect(view.lastFrame()).toContain('versions 4-38 of 50');
    expect(view.lastFrame()).not.toMatch(/#3 /);
    await press(view, 'G');
    expect(view.lastFrame()).toMatch(/▶ #50 /);
    expect(view.lastFrame()).toContain('versions 16-50 of 50');
    await press(view, PGUP, 'k');
    expect(view.lastFrame()).toMatch(/▶ #15 /);
    await press(view, ENTER);
    expect(view.lastFrame()).toContain('(closed)');
    expect(browse).toHaveBeenCalledWith({ snapshot: '2026-10-15T021500Z', path: '/srv/www', from: 'index.php' });
  });
});

describe('versions dialog in the App', () => {
  let dir: string;
  let app: PobsyncApp;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-versions-'));
    app = await openApp(join(dir, 'home'));
    mkdirSync(join(dir, 'source'));
    await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
    await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
  });
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Enter on the first version opens the browser in the snapshot where it appeared, on the file', async () => {
    writeFileSync(join(dir, 'source/0.txt'), '0\n');
    writeFileSync(join(dir, 'source/a.txt'), 'a\n');
    await backupHost(app, 'web1');
    writeFileSync(join(dir, 'source/a.txt'), 'a, changed\n');
    await backupHost(app, 'web1');
    const [oldest, newest] = await listSnapshots(app, 'web1');
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
    await press(view, '2', 'l');
    await vi.waitFor(() => expect(view.lastFrame()!.match(/manual\s+complete/g)).toHaveLength(2), { timeout: 15_000 });
    await press(view, ENTER);
    const parts = join(dir, 'source').split('/').filter(Boolean);
    for (const [index, part] of parts.entries()) {
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`\\s${part}/`)), { timeout: 15_000 });
      await press(view, ENTER);
      await vi.waitFor(() => expect(view.lastFrame()).toContain(`:/${parts.slice(0, index + 1).join('/')}`), { timeout: 15_000 });
    }
    expect(view.lastFrame()).toContain(`${newest!.name}:`);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/\sa\.txt/), { timeout: 15_000 });
    await press(view, 'j', 'v');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`Versions of ${join(dir, 'source/a.txt')} on web1`), {
      timeout: 15_000,
    });
    await press(view, 'j', 'k', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`${oldest!.name}:${join(dir, 'source')}`), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/\s2 B .* a\.txt/), { timeout: 15_000 });
    // The cursor is on the file: v shows its versions again.
    await press(view, 'v');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`Versions of ${join(dir, 'source/a.txt')} on web1`), {
      timeout: 15_000,
    });
    view.unmount();
  });
});
