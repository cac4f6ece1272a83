/**
 * The whole App on a real catalogue (temp SQLite, a local host, a real backup), in the fake
 * terminal at 80x24: navigation, the retention scope switch re-planning, filter and help.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { listArchives } from '../../source/services/archives/archives.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost, listHosts } from '../../source/services/hosts/hosts.js';
import { configureGlobal } from '../../source/services/settings.js';
import { savePolicy } from '../../source/services/snapshots/retention.js';
import { App } from '../../source/tui/app.js';
import { createBackend } from '../../source/tui/backend.js';
import { press, renderView } from '../helpers/ink.js';

const ESC = '\u001B';
const ENTER = '\r';
const DOWN = '\u001B[B';
const BACKSPACE = '\u007F';

let dir: string;
let app: PobsyncApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-app-'));
  app = await openApp(join(dir, 'home'));
  mkdirSync(join(dir, 'source'));
  writeFileSync(join(dir, 'source/a.txt'), 'a\n');
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
  await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
  await configureHost(app, 'db1', { address: 'local', sources: [join(dir, 'source')] });
  await backupHost(app, 'web1');
  await savePolicy(app, 'web1', { keepLast: 1 });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TUI app', () => {
  it('fits 80x24, and the retention tab re-plans when the scope switches', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    const frame = view.lastFrame()!;
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(Math.max(...frame.split('\n').map((line) => [...line].length))).toBeLessThanOrEqual(80);

    await press(view, 'j'); // hosts are sorted: db1, web1
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/5 Archives\s+web1/), { timeout: 15_000 });
    await press(view, '3');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('out of scope (manual)'), { timeout: 15_000 });
    expect(view.lastFrame()).toContain('last 1; kinds: scheduled');
    await press(view, 'l', 'm');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('[manual]'), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/KEEP\s+last #1, latest/), { timeout: 15_000 });
    view.unmount();
  });

  it('filters hosts with /, and shows every key with ?', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, '/', 'w', 'e', 'b');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/web'));
    expect(view.lastFrame()).not.toContain('db1');
    await press(view, ESC);
    // db1 is back: the Esc was read on its own (press() lets Ink flush a lone Esc before the next
    // key, which would otherwise read as Alt+?).
    await vi.waitFor(() => expect(view.lastFrame()).toContain('db1'));
    await press(view, '?');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Keys (Esc or ? closes)'));
    expect(view.lastFrame()).toContain('queue a backup of the host');
    view.unmount();
  });

  it('keeps the selected host and the Runs log mode while help is open', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #1 succeeded (following)  Enter: into the log'), {
      timeout: 15_000,
    });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Esc runs'));
    expect(view.lastFrame()).not.toContain('Enter: into the log');

    await press(view, '?');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Keys (Esc or ? closes)'));
    expect(view.lastFrame()).toContain('Run log:');
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('Keys (Esc or ? closes)'));
    expect(view.lastFrame()).toMatch(/5 Archives\s+web1/);
    expect(view.lastFrame()).toContain('Esc runs');
    expect(view.lastFrame()).toContain('log of run #1 succeeded (following)');
    expect(view.lastFrame()).not.toContain('Enter: into the log');
  });

  it('takes a filter typed in the same read as the / that starts it', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, '/db');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/db'));
    expect(view.lastFrame()).toContain('Hosts (1)');
    expect(view.lastFrame()).not.toContain('web1');
  });

  it('creates, verifies and deprecates an archive from the Archives tab', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '5', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('no archives yet: a creates one'), { timeout: 15_000 });
    await press(view, 'a');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Archive a snapshot of web1'));
    await press(view, DOWN, BACKSPACE.repeat('+dumps'.length), ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/archive #1 of \S+: 1 file/), { timeout: 30_000 });
    const [archive] = await listArchives(app, { host: 'web1' });
    expect(archive).toMatchObject({ optionSet: 'data', state: 'current' });
    expect(existsSync(archive!.path)).toBe(true);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/1\s+\S+\s+data\s+current/), { timeout: 15_000 });
    expect(view.lastFrame()).toContain(`b2sum ${archive!.blake2b.slice(0, 40)}`);

    await press(view, 'v');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('archive #1 ok: checksum matches, 1 file'), { timeout: 30_000 });

    await press(view, 'D');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('This cannot be undone'));
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/1\s+\S+\s+data\s+deprecated/), { timeout: 15_000 });
    expect((await listArchives(app, { host: 'web1' }))[0]!.state).toBe('deprecated');
    view.unmount();
  });

  it('renames a host, and removes one after its name is typed, keeping its snapshots', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '4', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/name\s+web1/), { timeout: 15_000 });
    await press(view, 'R');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Rename host web1'));
    await press(view, BACKSPACE, '2', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web1 is now web2'), { timeout: 15_000 });
    expect(readdirSync(join(dir, 'backups'))).toContain('web2');
    expect(readdirSync(join(dir, 'backups'))).not.toContain('web1');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/name\s+web2/), { timeout: 15_000 });

    await press(view, 'X');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('DELETE its 1 snapshot'));
    await press(view, 'web', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('"web" is not web2: nothing was done'));
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web2 was not removed'));

    await press(view, 'D');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('keeping its 1 snapshot'));
    await press(view, 'web2', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web2 is disabled, its schedules removed'), { timeout: 15_000 });
    const web2 = (await listHosts(app)).find((host) => host.name === 'web2');
    expect(web2?.enabled).toBe(false);
    view.unmount();
  });
});
