/**
 * Trusting a host's key from the Host tab (t), on a real catalogue and a real sshd: the
 * fingerprint shown, pinned only after the host's name is typed; a changed key shows the old
 * and the new fingerprints side by side with a warning; a local host has no key to trust.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keyFiles, pinnedKeys, scanHostKeys } from '../../source/engine/ssh-keys.js';
import { openApp, type App as PobsyncApp } from '../../source/services/app.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { trustHost } from '../../source/services/hosts/keys.js';
import { configureGlobal } from '../../source/services/settings.js';
import { App } from '../../source/tui/app.js';
import { createBackend } from '../../source/tui/backend.js';
import { ENTER, ESC, flat, press, renderView } from '../helpers/ink.js';
import { sshdForFile } from '../helpers/pobsync.js';
import { startSshd } from '../helpers/sshd.js';

let dir: string;
let app: PobsyncApp;
const sshd = sshdForFile();
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-trust-'));
  app = await openApp(join(dir, 'home'));
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const pinned = async (host: string) => (await pinnedKeys(keyFiles(app.paths.keys).knownHostsFile, host)).map((key) => key.fingerprint);

/** The App on the Host tab of `host`, the only host. */
async function onHostTab(host: string) {
  const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 40 }} />);
  await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
  await press(view, '4', 'l');
  await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`name\\s+${host}`)), { timeout: 15_000 });
  return view;
}

describe('TUI trust a host key', () => {
  it('shows the fingerprint the host offers and pins it only once the host name is typed', async () => {
    await configureHost(app, 'ssh1', { address: '127.0.0.1', port: sshd.port, user: sshd.user, sources: ['/etc'] });
    const [offered] = await scanHostKeys('127.0.0.1', sshd.port);
    const view = await onHostTab('ssh1');

    await press(view, 't');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Type ssh1 to confirm'), { timeout: 30_000 });
    expect(flat(view.lastFrame())).toContain(offered!.fingerprint);
    expect(flat(view.lastFrame())).not.toContain('CHANGED');
    // Escape pins nothing.
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('nothing was pinned for ssh1'));
    expect(await pinned('ssh1')).toEqual([]);

    await press(view, 't');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Type ssh1 to confirm'), { timeout: 30_000 });
    await press(view, 's', 's', 'h', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('"ssh" is not ssh1: nothing was done'));
    expect(await pinned('ssh1')).toEqual([]);
    await press(view, '1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('ssh1: keys pinned'), { timeout: 30_000 });
    expect(await pinned('ssh1')).toContain(offered!.fingerprint);

    // Pinned and unchanged: said so, nothing asked.
    await press(view, 't');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('ssh1: its keys are pinned already and unchanged'), {
      timeout: 30_000,
    });
    view.unmount();
  });

  it('shows the old and the new fingerprints side by side with a warning when the key changed, and re-trusts it', async () => {
    const own = await startSshd({ private: true });
    try {
      await configureHost(app, 'ssh2', { address: '127.0.0.1', port: own.port, user: own.user, sources: ['/etc'] });
      const { offer } = await trustHost(app, 'ssh2', async () => true);
      const old = offer.offered[0]!.fingerprint;
      await own.changeHostKey();
      const [fresh] = await scanHostKeys('127.0.0.1', own.port);
      expect(fresh!.fingerprint).not.toBe(old);

      const view = await onHostTab('ssh2');
      await press(view, 't');
      await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Type ssh2 to confirm'), { timeout: 30_000 });
      const frame = view.lastFrame()!;
      expect(frame).toMatch(/pinned before \(old\), SHA256\s+offered now \(new\), SHA256/);
      // Side by side: the old fingerprint and the new one on the same line.
      const bare = (fingerprint: string) => fingerprint.replace(/^SHA256:/, '');
      const line = frame.split('\n').find((each) => each.includes(bare(old)));
      expect(line).toBeDefined();
      expect(line).toContain(bare(fresh!.fingerprint));
      expect(flat(frame)).toContain('WARNING: the host key has CHANGED');

      await press(view, 's', 's', 'h', '2', ENTER);
      await vi.waitFor(() => expect(view.lastFrame()).toContain('ssh2: keys pinned (the ones pinned before are replaced)'), {
        timeout: 30_000,
      });
      expect(await pinned('ssh2')).toContain(fresh!.fingerprint);
      expect(await pinned('ssh2')).not.toContain(old);
      view.unmount();
    } finally {
      await own.stop();
    }
  });

  it('says a local host has no key to trust', async () => {
    await configureHost(app, 'web1', { address: 'local', sources: ['/etc'] });
    const view = await onHostTab('web1');
    await press(view, 't');
    await vi.waitFor(() =>
      expect(flat(view.lastFrame())).toContain('host web1 is local (copied on this server without ssh): it has no key to trust'),
    );
    view.unmount();
  });
});
