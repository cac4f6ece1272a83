/**
 * The global settings form (S) on a real catalogue: each field checked as configure-global
 * checks its flag, saved by its service; a backup root another catalogue uses is refused with
 * the service's reason, and taking it over is left to the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { configureGlobal, getSettings } from '../../source/services/settings.js';
import { App } from '../../source/tui/app.js';
import { createBackend } from '../../source/tui/backend.js';
import { DOWN, ENTER, flat, press, renderView } from '../helpers/ink.js';

const CLEAR = '\u0015'; // Ctrl-U: deletes the field's text before the cursor (all of it, the cursor at its end)

let dir: string;
let app: PobsyncApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-settings-'));
  app = await openApp(join(dir, 'home'));
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function settingsOpen() {
  const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
  await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (0)'), { timeout: 15_000 });
  await press(view, 'S');
  await vi.waitFor(() => expect(view.lastFrame()).toContain('Global settings'), { timeout: 15_000 });
  return view;
}

describe('TUI global settings', () => {
  it('checks each field as configure-global does and saves them through its service', async () => {
    const view = await settingsOpen();
    expect(view.lastFrame()).toContain(join(dir, 'backups'));
    await press(view, DOWN, CLEAR, ...'Mars/Base', DOWN);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('time zone "Mars/Base" is not allowed'));
    await press(view, CLEAR, ...'0', DOWN);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('max concurrent "0" is not allowed'));
    await press(view, ENTER);
    expect((await getSettings(app)).timeZone).toBe('UTC');

    // The cursor is on the last field: round to the time zone.
    await press(view, DOWN, DOWN, CLEAR, ...'Europe/Berlin', DOWN, CLEAR, '3', DOWN, ...'--bwlimit=20m', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('saved the global settings'), { timeout: 15_000 });
    const saved = await getSettings(app);
    expect(saved).toMatchObject({ backupRoot: join(dir, 'backups'), timeZone: 'Europe/Berlin', maxConcurrent: 3 });
    expect(saved.defaultRsyncArgs).toEqual(['--bwlimit=20m']);
    view.unmount();
  });

  it("refuses a backup root another catalogue uses, with the service's reason, and leaves --adopt to the CLI", async () => {
    const other = await openApp(join(dir, 'other-home'));
    await configureGlobal(other, { backupRoot: join(dir, 'theirs') });
    await other.close();

    const view = await settingsOpen();
    await press(view, CLEAR, ...join(dir, 'theirs'), ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('belongs to another pobsync catalogue'), { timeout: 15_000 });
    expect(flat(view.lastFrame())).toContain('Taking a backup root over is not done here');
    expect(flat(view.lastFrame())).toContain('--adopt" from the command line');
    expect((await getSettings(app)).backupRoot).toBe(join(dir, 'backups'));
    view.unmount();
  });
});
