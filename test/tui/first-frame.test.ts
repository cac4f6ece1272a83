/**
 * The TUI draws before the catalogue is open: tmux runs `pobsync` while another process holds
 * the catalogue locked, the screen says what it waits for, and the hosts fill it once it opens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { configureGlobal } from '../../source/services/settings.js';
import { type Workspace, waitFor, workspace } from '../helpers/pobsync.js';
import { terminal } from '../helpers/tmux.js';

let ws: Workspace | undefined;
let locker: ChildProcess | undefined;
const { open, screen, keys, close } = terminal('frame');

afterEach(() => {
  locker?.kill();
  close();
  ws?.cleanup();
});

/** Holds the catalogue locked (no other connection can read it) until its stdin closes. */
async function lockCatalogue(path: string): Promise<ChildProcess> {
  const child = spawn(
    'python3',
    [
      '-c',
      `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA locking_mode=EXCLUSIVE')
c.execute('BEGIN EXCLUSIVE')
c.execute('update host set enabled = enabled')
print('locked', flush=True)
sys.stdin.read()`,
      path,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await waitFor('the catalogue to be locked', () => out.includes('locked'));
  return child;
}

/** A catalogue with one host, locked by another process, and the TUI started on it: its first frame drawn. */
async function tuiOnLockedCatalogue(): Promise<ChildProcess> {
  ws = workspace();
  const app = await openApp(ws.home);
  await configureGlobal(app, { backupRoot: ws.backupRoot });
  await configureHost(app, 'web1', { address: 'local', sources: ['/etc'] });
  await app.close();
  const child = await lockCatalogue(join(ws.home, 'pobsync.sqlite'));
  open(ws.home, { POBSYNC_CATALOGUE_WAIT: '120' });
  await waitFor('the first frame', () => screen().includes('opening the catalogue'));
  return child;
}

describe('the first frame', () => {
  it('is drawn while the catalogue cannot be opened yet, and the hosts fill it once it opens', async () => {
    locker = await tuiOnLockedCatalogue();
    expect(screen()).toContain('pobsync');
    expect(screen()).not.toContain('web1');

    locker!.stdin!.end();
    await waitFor('the hosts', () => screen().includes('Hosts (1)') && screen().includes('web1'), 60_000);
    expect(screen()).not.toContain('opening the catalogue');
    keys('q');
    await waitFor('pobsync to exit', () => screen().includes('pobsync exited 0'));
  });

  it('quits with q before the catalogue opens, without waiting for it', async () => {
    locker = await tuiOnLockedCatalogue();
    keys('q');
    // At once, though the catalogue is still locked.
    await waitFor('pobsync to exit', () => screen().includes('pobsync exited 0'));
    // It did not wait for the lock: the locker still holds it.
    expect(locker!.exitCode).toBeNull();
  });
});
