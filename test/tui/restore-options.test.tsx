/**
 * The TUI's restore options, as `pobsync restore` has them: --delete and no safety snapshot onto
 * the host (refused into a directory, with the CLI's reasons), and a snapshot's database dump
 * restored with its restore command. A real catalogue, real rsync, a local host.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { listRuns } from '../../source/services/runs/runs.js';
import { configureGlobal } from '../../source/services/settings.js';
import { listSnapshots } from '../../source/services/snapshots/snapshots.js';
import { App } from '../../source/tui/app.js';
import { createBackend } from '../../source/tui/backend.js';
import { CTRL_U, ENTER, ESC, flat, press, renderView, TAB, UP, type View } from '../helpers/ink.js';

let dir: string;
let app: PobsyncApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-restore-'));
  app = await openApp(join(dir, 'home'));
  mkdirSync(join(dir, 'source'));
  writeFileSync(join(dir, 'source/a.txt'), 'a\n');
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The App with web1's only snapshot open in the browser at `path`'s parent, the cursor on `path`. */
async function browseOnto(path: string): Promise<View> {
  const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
  await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
  await press(view, '2', 'l');
  await vi.waitFor(() => expect(view.lastFrame()).toMatch(/manual\s+complete/), { timeout: 15_000 });
  await press(view, ENTER);
  const parts = path.split('/').filter(Boolean);
  for (const [index, part] of parts.slice(0, -1).entries()) {
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`\\s${part}/`)), { timeout: 15_000 });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`:/${parts.slice(0, index + 1).join('/')}`), { timeout: 15_000 });
  }
  await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`\\s${parts.at(-1)}/`)), { timeout: 15_000 });
  return view;
}

/** Fills the restore form: where to, --delete, the safety snapshot; then Enter. */
async function restoreForm(view: View, to: string, remove: 'yes' | 'no', safety: 'yes' | 'no'): Promise<void> {
  await press(view, 'r');
  await vi.waitFor(() => expect(view.lastFrame()).toContain('restore to'));
  await press(view, CTRL_U, to, TAB, CTRL_U, remove, TAB, CTRL_U, safety, ENTER);
}

describe('TUI restore options', () => {
  beforeEach(async () => {
    await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
    await backupHost(app, 'web1');
  });

  it('refuses --delete and no safety snapshot into a directory, with the reasons pobsync restore gives', async () => {
    const view = await browseOnto(join(dir, 'source'));
    await restoreForm(view, join(dir, 'out'), 'yes', 'yes');
    await vi.waitFor(
      () => expect(flat(view.lastFrame())).toContain('--delete is only for --to-host: a restore into a directory never deletes anything'),
      { timeout: 15_000 },
    );
    // The form keeps its focus on the last field: up to --delete, then the safety snapshot again.
    await press(view, UP, CTRL_U, 'no', TAB, CTRL_U, 'no', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('--no-safety-snapshot is only for --to-host'), { timeout: 15_000 });
    await press(view, UP, CTRL_U, 'maybe', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('delete "maybe" is not allowed: answer yes or no'));
    expect(existsSync(join(dir, 'out'))).toBe(false);
    view.unmount();
  });

  it('mirrors a directory onto the host with --delete and no safety snapshot, after a warning and the host name', async () => {
    writeFileSync(join(dir, 'source/a.txt'), 'a, changed\n');
    writeFileSync(join(dir, 'source/new.txt'), 'not in the snapshot\n');
    // The directory's time differs from the snapshot's whatever second the backup ran in.
    utimesSync(join(dir, 'source'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const view = await browseOnto(join(dir, 'source'));
    await restoreForm(view, 'host', 'yes', 'no');
    // a.txt and the directory's time updated, new.txt deleted.
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Dry run: 0 to create, 2 to update, 1 to delete.'), {
      timeout: 15_000,
    });
    const frame = flat(view.lastFrame());
    expect(frame).toContain(`Files under ${join(dir, 'source')} on web1 that are not in the snapshot are deleted (--delete)`);
    expect(frame).toContain('No safety snapshot is taken');
    expect(frame).not.toContain('A safety snapshot of');
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`restored ${join(dir, 'source')} from`), { timeout: 30_000 });
    expect(readFileSync(join(dir, 'source/a.txt'), 'utf8')).toBe('a\n');
    expect(existsSync(join(dir, 'source/new.txt'))).toBe(false);
    expect((await listSnapshots(app, 'web1')).map((snapshot) => snapshot.kind)).toEqual(['manual']);
    const [restore] = (await listRuns(app, { host: 'web1' })).filter((run) => run.kind === 'restore');
    expect(restore?.restore).toMatchObject({ delete: true, safetySnapshot: null });
    view.unmount();
  });
});

describe('TUI dump restore', () => {
  it('restores a snapshot’s dump with its restore command, after a safety snapshot with a fresh dump and the host name', async () => {
    const restored = join(dir, 'restored.sql');
    writeFileSync(join(dir, 'database'), 'rows as they were\n');
    await configureHost(app, 'web1', {
      address: 'local',
      sources: [join(dir, 'source')],
      dumps: [`db.sql=cat ${join(dir, 'database')}`],
      dumpRestores: [`db.sql=cat > ${restored}`],
    });
    await backupHost(app, 'web1');
    writeFileSync(join(dir, 'database'), 'rows broken since\n');
    const [snapshot] = await listSnapshots(app, 'web1');
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
    await press(view, '2', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/manual\s+complete/), { timeout: 15_000 });
    await press(view, 'u');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`Restore a dump of ${snapshot!.name} of web1`));
    expect(flat(view.lastFrame())).toContain('db.sql');
    await press(view, CTRL_U, 'nope.sql', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('host "web1" has no dump "nope.sql" (its dumps: db.sql)'), {
      timeout: 15_000,
    });
    await press(view, CTRL_U, 'db.sql', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`This runs "cat > ${restored}" on web1`), { timeout: 15_000 });
    expect(flat(view.lastFrame())).toContain('A safety snapshot with a fresh dump db.sql is taken first.');
    await press(view, 'web2', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('"web2" is not web1: nothing was done'));
    await press(view, CTRL_U, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('restored dump db.sql'), { timeout: 30_000 });
    expect(readFileSync(restored, 'utf8')).toBe('rows as they were\n');
    const safety = (await listSnapshots(app, 'web1')).find((each) => each.kind === 'safety');
    expect(readFileSync(join(safety!.path, 'dumps/db.sql'), 'utf8')).toBe('rows broken since\n');
    await press(view, ESC);
    view.unmount();
  });

  it('offers no dump restore for a snapshot without dumps', async () => {
    await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
    await backupHost(app, 'web1');
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
    await press(view, '2', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/manual\s+complete/), { timeout: 15_000 });
    expect(view.lastFrame()).not.toContain('restore dump');
    await press(view, 'u');
    expect(view.lastFrame()).not.toContain('Restore a dump');
    view.unmount();
  });
});
