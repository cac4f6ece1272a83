/**
 * The fault suite, bad input: what would change history, delete a host's files or hide a missing
 * source is refused before anything is written (exit 2, the catalogue as it was), and a setting
 * stored before a rule existed is refused again before a backup runs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectOk, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';
import { sqlite } from '../helpers/sqlite.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

async function localHost(): Promise<void> {
  ws = workspace();
  writeTree(ws.source, { 'a.txt': 'a\n' });
  await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot]));
  await expectOk(ws.run(['configure-host', 'web1', '--address', 'local', '--source', ws.source]));
}

describe('refused before anything is written', () => {
  it('refuses rsync options that rewrite shared inodes, delete the host files or hide a missing source', async () => {
    await localHost();
    const before = await ws.json(['host', 'web1']);
    for (const option of [
      '--inplace',
      '--append',
      '--append-verify',
      '--remove-source-files',
      '--remove-sent-files',
      '--ignore-missing-args',
      '--delete-missing-args',
      '--size-only',
    ]) {
      const result = await ws.run(['configure-host', 'web1', '--rsync-arg', option]);
      expect(result.code, option).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^pobsync: rsync argument "${option}" is not allowed: ${option} is not one of the options`));
      const global = await ws.run(['configure-global', '--rsync-arg', option]);
      expect(global.code, option).toBe(2);
    }
    expect(await ws.json(['host', 'web1'])).toEqual(before);
    expect((await ws.json(['configure-global'])).defaultRsyncArgs).toEqual([]);
  });

  it('refuses to back up with an unsafe option stored before the allowlist, naming it, and writes nothing', async () => {
    await localHost();
    await expectOk(ws.run(['backup', 'web1']));
    // As an older pobsync would have stored it.
    await sqlite(join(ws.home, 'pobsync.sqlite'), `update host set rsync_args = '["--inplace"]' where name = 'web1'`);
    const result = await ws.run(['backup', 'web1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rsync argument "--inplace" is not allowed.*configure-host web1 --clear-rsync-args/);
    expect(readdirSync(join(ws.backupRoot, 'web1/.incomplete'))).toEqual([]);
    expect(await ws.json(['snapshots', 'web1'])).toHaveLength(1);
  });

  it('refuses a cron expression that never fires, and a backup root inside pobsync home', async () => {
    await localHost();
    const never = await ws.run(['schedule', 'web1', '--cron', '0 0 31 2 *']);
    expect(never.code).toBe(2);
    expect(never.stderr).toBe('pobsync: cron expression "0 0 31 2 *" is not allowed: it never fires (no such date in any year)\n');
    expect(await ws.json(['schedules'])).toEqual([]);

    const inside = await ws.run(['configure-global', '--backup-root', join(ws.home, 'backups')]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/backup root ".*" is not allowed: it overlaps pobsync's home/);
    expect(existsSync(join(ws.home, 'backups'))).toBe(false);
    expect((await ws.json(['configure-global'])).backupRoot).toBe(ws.backupRoot);
  });

  it('refuses what a restricted key cannot do: dumps, a local host, a restore onto the host', async () => {
    await localHost();
    await expectOk(ws.run(['backup', 'web1']));
    const local = await ws.run(['configure-host', 'web1', '--access', 'restricted']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/access restricted is not allowed for web1: a local host is copied without ssh/);
    await expectOk(ws.run(['configure-host', 'web2', '--address', '127.0.0.1', '--source', ws.source, '--access', 'restricted']));
    const dumps = await ws.run(['configure-host', 'web2', '--dump', 'x.sql=true']);
    expect(dumps.code).toBe(2);
    expect(dumps.stderr).toMatch(/access restricted is not allowed for web2 with dumps: a dump is a command/);
    expect((await ws.json(['host', 'web2'])).dumps).toEqual([]);
    const bad = await ws.run(['configure-host', 'web2', '--access', 'read-only']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/access "read-only" is not allowed: use full .* or restricted/);
  });
});
