/**
 * The first run, on a real catalogue without a backup root: the settings form, the server's key
 * lines, the host form, the key to trust and the first backup, one after the other, landing on
 * the host's Runs tab with the backup streaming; or each skipped with Esc, leaving the TUI as
 * it is without them.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { serverKey } from '../../source/services/hosts/server-key.js';
import { type Supervisor, startSupervisor } from '../../source/services/schedule/supervisor.js';
import { getSettings } from '../../source/services/settings.js';
import { App } from '../../source/tui/app.js';
import { createBackend, EventHub } from '../../source/tui/backend.js';
import { DOWN, ENTER, ESC, flat, press, renderView, type View } from '../helpers/ink.js';
import { startSshd } from '../helpers/sshd.js';

const CLEAR = '\u0015';

let dir: string;
let app: PobsyncApp;
let supervisor: Supervisor | undefined;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-first-run-'));
  app = await openApp(join(dir, 'home'));
  mkdirSync(join(dir, 'source'));
  writeFileSync(join(dir, 'source/a.txt'), 'a\n');
});
afterEach(async () => {
  await supervisor?.stop(0);
  supervisor = undefined;
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The App at 100x40 with a worker of its own (no scheduler), as the TUI runs one: the first backup really runs. */
async function openWithWorker(): Promise<View> {
  const events = new EventHub();
  supervisor = await startSupervisor(app, {
    role: 'tui',
    schedule: false,
    work: true,
    schedulerIntervalMs: 60_000,
    workerIntervalMs: 60_000,
    emit: events.emit,
  });
  return renderView(<App backend={createBackend(app, supervisor, events)} size={{ columns: 100, rows: 40 }} />);
}

describe('TUI first run', () => {
  it('walks from the backup root to the first backup of the first host, streaming in its Runs tab', async () => {
    const view = await openWithWorker();
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 1/5 (Esc skips): where snapshots go'), { timeout: 15_000 });

    const root = join(dir, 'backups');
    await press(view, ...root, DOWN, CLEAR, ...'UTC', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain("First run 2/5 (Esc skips): The server's SSH key"), {
      timeout: 15_000,
    });
    expect(await getSettings(app)).toMatchObject({ backupRoot: root, timeZone: 'UTC' });
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(view.lastFrame()).toContain('ssh-ed25519 ');

    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 3/5 (Esc skips): Add a host'));
    await press(view, ...'web1', DOWN, ...'local', DOWN, DOWN, DOWN, ...join(dir, 'source'), ENTER);
    // A local host has no key to trust: the trust step says so and the backup step follows.
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('First run 5/5 (Esc skips): queue the first backup of web1 now?'), {
      timeout: 15_000,
    });
    await press(view, 'y');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/1 Runs.*web1/), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #1'), { timeout: 30_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toContain('succeeded: snapshot'), { timeout: 60_000 });
    expect(view.lastFrame()).not.toContain('First run');
    view.unmount();
  });

  it('asks to trust the key of a host reached over ssh, then backs it up over ssh', async () => {
    const sshd = await startSshd();
    sshd.authorize((await serverKey(app)).authorizedKeysLine);
    const view = await openWithWorker();
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 1/5'), { timeout: 15_000 });
    await press(view, ...join(dir, 'backups'), ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 2/5'), { timeout: 15_000 });
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 3/5'));
    await press(view, ...'ssh1', DOWN, ...'127.0.0.1', DOWN, CLEAR, ...sshd.user, DOWN, CLEAR, ...String(sshd.port), DOWN);
    await press(view, ...join(dir, 'source'), ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Type ssh1 to confirm'), { timeout: 30_000 });
    expect(flat(view.lastFrame())).toContain('First run 4/5 (Esc skips): ssh1 (127.0.0.1 port');
    expect(flat(view.lastFrame())).toContain('offers these keys');
    await press(view, ...'ssh1', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('queue the first backup of ssh1 now?'), { timeout: 30_000 });
    await press(view, 'y');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('succeeded: snapshot'), { timeout: 60_000 });
    view.unmount();
    await sshd.stop();
  });

  it('skips every step with Esc and leaves the TUI as it is without them', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 40 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 1/5'), { timeout: 15_000 });
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 2/5'), { timeout: 15_000 });
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('First run 3/5'));
    await press(view, ESC);
    // No host added: nothing to trust or back up, the guide is over.
    await vi.waitFor(() => expect(view.lastFrame()).toContain('No hosts yet: press n to add one.'));
    expect(view.lastFrame()).not.toContain('First run');
    expect(view.lastFrame()).toContain('root (not set: S sets it)');
    expect((await getSettings(app)).backupRoot).toBeNull();
    // Each step has its own key still: S opens the settings.
    await press(view, 'S');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Global settings'));
    view.unmount();
  });
});
