/**
 * The fault suite, who may touch the snapshots: directories another local user could write
 * into or owns are repaired or refused, and a host's key can be narrowed to a read-only rrsync
 * (the real rrsync shipped with Debian's rsync, behind a real sshd's forced command).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { differences } from '../helpers/history.js';
import { localHostWorkspace, setUpRemoteHost, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const asRoot = process.getuid?.() === 0;

async function localHost(): Promise<void> {
  ws = await localHostWorkspace({ 'a.txt': 'a\n' });
}

describe('the directories that hold snapshots are pobsync’s alone', () => {
  it('closes a backup root that others could enter, and says so', async () => {
    await localHost();
    chmodSync(ws.backupRoot, 0o777);
    const { run } = await ws.json(['backup', 'web1']);
    expect(statSync(ws.backupRoot).mode & 0o777).toBe(0o700);
    expect(readFileSync(run.logPath, 'utf8')).toMatch(/the backup root .* had mode 0777; it is now 0700/);
  });

  it.skipIf(!asRoot)('refuses a host directory another user made, and a snapshot directory another user owns', async () => {
    await localHost();
    // Another local user got there first, while the root was open.
    const hostDir = join(ws.backupRoot, 'web1');
    mkdirSync(hostDir, { recursive: true });
    chownSync(hostDir, 4242, 4242);
    const refused = await ws.run(['backup', 'web1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the host directory .*web1 belongs to uid 4242, not to pobsync's user \(uid 0\)/);
    expect(readdirSync(hostDir)).toEqual([]);

    chownSync(hostDir, 0, 0);
    const { snapshot } = await ws.json(['backup', 'web1']);
    // Someone swaps the snapshot for their own: pobsync no longer vouches for it.
    chownSync(snapshot.path, 4242, 4242);
    for (const args of [
      ['ls', 'web1', snapshot.name],
      ['restore', 'web1', snapshot.name, '--to', join(ws.dir, 'restored')],
    ]) {
      const result = await ws.run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/the snapshot directory .* belongs to uid 4242/);
    }
    expect(existsSync(join(ws.dir, 'restored'))).toBe(false);
  });

  it('refuses a host directory that is a symlink', async () => {
    await localHost();
    mkdirSync(join(ws.dir, 'elsewhere'));
    mkdirSync(ws.backupRoot, { recursive: true });
    symlinkSync(join(ws.dir, 'elsewhere'), join(ws.backupRoot, 'web1'));
    const result = await ws.run(['backup', 'web1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the host directory .*web1 is a symlink: pobsync does not follow links/);
    expect(readdirSync(join(ws.dir, 'elsewhere'))).toEqual([]);
  });
});

describe('a restricted key: rrsync -ro behind a forced command', () => {
  it.skipIf(!asRoot)('backs up through rrsync, and refuses what the key cannot do', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/app.conf': 'listen 80\n', 'my dir/with space.txt': 'spaced\n' });
    // Its own sshd: the forced command below would lock out every other test sharing one.
    const sshd = await startSshd({ private: true });
    try {
      await restrictedBackups(sshd);
    } finally {
      await sshd.stop();
    }
  });
});

async function restrictedBackups(sshd: TestSshd): Promise<void> {
  {
    await setUpRemoteHost(ws, sshd, 'web1', { access: 'restricted' });
    // The host trusts pobsync's key only as a read-only rsync from this address.
    const key = await ws.json(['key', '--from', '127.0.0.1']);
    expect(key.restrictedKeysLine).toMatch(/^command="rrsync -ro \/",restrict,from="127\.0\.0\.1" ssh-ed25519 /);
    sshd.replaceAuthorized(key.restrictedKeysLine);

    const first = await ws.json(['backup', 'web1']);
    expect(first.run.status).toBe('succeeded');
    expect(differences(ws.source, join(first.snapshot.path, 'data', ws.source))).toEqual([]);
    writeTree(ws.source, { 'etc/app.conf': 'listen 81\n' });
    const second = await ws.json(['backup', 'web1']);
    expect(differences(ws.source, join(second.snapshot.path, 'data', ws.source))).toEqual([]);

    // The key runs rrsync and nothing else: no shell for a stolen key.
    const files = join(ws.home, 'keys');
    const shell = (() => {
      try {
        return execFileSync(
          'ssh',
          [
            '-i',
            join(files, 'id_ed25519'),
            '-o',
            'BatchMode=yes',
            '-o',
            `UserKnownHostsFile=${join(files, 'known_hosts')}`,
            '-o',
            'HostKeyAlias=web1',
            '-p',
            String(sshd.port),
            `${sshd.user}@127.0.0.1`,
            'id',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
      } catch (error) {
        return String((error as { stderr?: string }).stderr ?? error);
      }
    })();
    expect(shell).not.toMatch(/uid=/);

    const restore = await ws.run(['restore', 'web1', first.snapshot.name, '--to-host', '--yes']);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(/web1 has restricted access: .* nothing can be restored onto it/);
  }
}
