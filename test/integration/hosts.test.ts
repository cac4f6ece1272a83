/**
 * Hosts as a whole: removing one (keeping or deleting its snapshots), renaming one (idle, and
 * refused while it runs), and rebuilding a lost catalogue from the snapshots on disk.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backUp,
  expectOk,
  findFile,
  setUpGlobal,
  setUpHost,
  setUpSchedule,
  snapshotsOf,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIBSYtlb4NlHfZh6Bz3a4oNdO8hdH0Uz7Wq7y8U5q8K1P';

async function setUp(name = 'srv1'): Promise<void> {
  writeTree(ws.source, { 'etc/app.conf': 'a=1\n', 'etc/big.conf': 'b\n' });
  await setUpGlobal(ws);
  await setUpHost(ws, name, { address: 'local', sources: [join(ws.source, 'etc')], dumps: ['state.txt=echo state'] });
  // Keys as trust-host pins them (a local host has none; the file is what matters here).
  mkdirSync(join(ws.home, 'keys'), { recursive: true });
  writeFileSync(join(ws.home, 'keys/known_hosts'), `${name} ssh-ed25519 ${KEY}\nother ssh-ed25519 ${KEY}\n`);
}

const knownHosts = () => readFileSync(join(ws.home, 'keys/known_hosts'), 'utf8');

describe('host remove', () => {
  it('removes a host without snapshots, with its unfinished trees and pinned keys', async () => {
    ws = workspace();
    await setUp();
    await setUpSchedule(ws, 'srv1', { cron: '0 3 * * *' });
    writeTree(ws.backupRoot, { 'srv1/.incomplete/2026-01-01T000000Z/data/x': 'x' });

    const unconfirmed = await ws.run(['host', 'remove', 'srv1']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/removing host srv1 needs confirmation: run it on a terminal, or add --yes/);
    const removed = await expectOk(ws.run(['host', 'remove', 'srv1', '--yes']));
    expect(removed.stdout).toContain('removed host srv1');
    expect(removed.stdout).toContain('unpinned 1 SSH key of srv1');
    expect(await ws.json(['hosts'])).toEqual([]);
    expect(await ws.json(['schedules'])).toEqual([]);
    expect(existsSync(join(ws.backupRoot, 'srv1'))).toBe(false);
    expect(knownHosts()).toBe(`other ssh-ed25519 ${KEY}\n`);
    expect(existsSync(join(ws.source, 'etc/app.conf'))).toBe(true);
  });

  it('keeps the snapshots under a disabled host, or deletes them through the safe delete, and nothing else', async () => {
    ws = workspace();
    await setUp();
    await setUpSchedule(ws, 'srv1', { cron: '0 3 * * *' });
    const first = (await backUp(ws, 'srv1')).snapshot;
    const second = (await backUp(ws, 'srv1')).snapshot;

    const choose = await ws.run(['host', 'remove', 'srv1', '--yes']);
    expect(choose.code).toBe(2);
    expect(choose.stderr).toMatch(/host srv1 has 2 snapshots: add --keep-snapshots .* or --delete-snapshots/);
    const contradict = await ws.run(['host', 'remove', 'srv1', '--keep-snapshots', '--delete-snapshots', '--yes']);
    expect(contradict.stderr).toMatch(/--keep-snapshots and --delete-snapshots contradict each other/);

    const kept = await ws.json(['host', 'remove', 'srv1', '--keep-snapshots', '--yes']);
    expect(kept).toMatchObject({ outcome: 'disabled', keptSnapshots: 2, deletedSnapshots: [] });
    expect(await ws.json(['host', 'srv1'])).toMatchObject({ enabled: false });
    expect(await ws.json(['schedules'])).toEqual([]);
    expect((await snapshotsOf(ws, 'srv1')).map((s: { name: string }) => s.name)).toEqual([first.name, second.name]);
    await expectOk(ws.run(['restore', 'srv1', second.name, '--to', join(ws.dir, 'restored')]));
    expect(readFileSync(join(ws.dir, 'restored', ws.source, 'etc/app.conf'), 'utf8')).toBe('a=1\n');
    expect(knownHosts()).toContain('srv1 ');

    await expectOk(ws.run(['snapshot', 'protect', 'srv1', first.name]));
    const protectedOne = await ws.run(['host', 'remove', 'srv1', '--delete-snapshots', '--yes']);
    expect(protectedOne.code).toBe(2);
    expect(protectedOne.stderr).toMatch(new RegExp(`host srv1 has protected snapshots \\(${first.name}\\): unprotect them first`));
    await expectOk(ws.run(['snapshot', 'unprotect', 'srv1', first.name]));

    writeTree(ws.backupRoot, { 'srv1/not-ours/file': 'x' });
    const deleted = await ws.json(['host', 'remove', 'srv1', '--delete-snapshots', '--yes']);
    expect(deleted).toMatchObject({ outcome: 'removed', deletedSnapshots: [first.name, second.name] });
    expect(deleted.notes).toContainEqual(expect.stringMatching(/left in .*srv1, not deleted .*not-ours/));
    expect(await ws.json(['hosts'])).toEqual([]);
    expect(readdirSync(join(ws.backupRoot, 'srv1'))).toEqual(['not-ours']);
    expect(existsSync(join(ws.source, 'etc/app.conf'))).toBe(true);
    expect(existsSync(join(ws.dir, 'restored', ws.source, 'etc/app.conf'))).toBe(true);
    expect(knownHosts()).not.toContain('srv1 ');
  });
});

describe('host rename', () => {
  it('renames the host, its directory and its pinned keys; its snapshots stay as they were and are found again', async () => {
    ws = workspace();
    await setUp();
    const before = (await backUp(ws, 'srv1')).snapshot;
    const metaBefore = readFileSync(join(before.path, 'meta.json'), 'utf8');
    const inode = statSync(join(before.path, 'data', ws.source, 'etc/app.conf')).ino;

    writeTree(ws.backupRoot, { 'srv2/file': 'x' });
    const taken = await ws.run(['host', 'rename', 'srv1', 'srv2']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/directory .*srv2 exists already: move it out of the way/);
    rmSync(join(ws.backupRoot, 'srv2'), { recursive: true });
    await setUpHost(ws, 'other', { address: 'local', sources: ['/etc'] });
    expect((await ws.run(['host', 'rename', 'srv1', 'other'])).stderr).toMatch(/host "other" exists already/);
    expect((await ws.run(['host', 'rename', 'srv1', 'Bad_Name'])).stderr).toMatch(/host name "Bad_Name" is not allowed/);

    const renamed = await ws.json(['host', 'rename', 'srv1', 'srv2']);
    expect(renamed).toMatchObject({ from: 'srv1', to: 'srv2', directory: join(ws.backupRoot, 'srv2'), snapshots: 1, keys: 1 });
    expect(existsSync(join(ws.backupRoot, 'srv1'))).toBe(false);
    expect(knownHosts()).toBe(`srv2 ssh-ed25519 ${KEY}\nother ssh-ed25519 ${KEY}\n`);
    const [snapshot] = await snapshotsOf(ws, 'srv2');
    expect(snapshot).toMatchObject({ name: before.name, path: join(ws.backupRoot, 'srv2', before.name) });
    // The published snapshot is untouched: its meta.json still names srv1.
    expect(readFileSync(join(snapshot.path, 'meta.json'), 'utf8')).toBe(metaBefore);
    expect(readFileSync(join(ws.backupRoot, 'srv2/.pobsync-former-names'), 'utf8')).toMatch(/^srv1 \d{4}-/);
    expect(await ws.json(['discover-snapshots', '--host', 'srv2'])).toMatchObject({ recorded: [], known: 1, problems: [] });

    // The next backup is srv2's, and links against the snapshot made as srv1.
    const after = (await backUp(ws, 'srv2')).snapshot;
    expect(after.base).toBe(before.name);
    expect(statSync(join(after.path, 'data', ws.source, 'etc/app.conf')).ino).toBe(inode);
    expect(await ws.json(['host', 'srv2'])).toMatchObject({ name: 'srv2', dumps: [{ name: 'state.txt', command: 'echo state' }] });
  });

  it('is refused while a backup of the host runs, and nothing changes', async () => {
    ws = workspace();
    await setUp();
    writeTree(ws.source, { 'etc/large.bin': Buffer.alloc(24 << 20, 1) });
    await setUpHost(ws, 'srv1', { rsyncArgs: ['--bwlimit=1m'] });
    const backup = ws.start(['backup', 'srv1']);
    try {
      await waitFor('the backup to be running', async () =>
        findFile(join(ws.backupRoot, 'srv1/.incomplete'), (name) => name.startsWith('.large.bin.') || name === 'large.bin'),
      );
      const refused = await ws.run(['host', 'rename', 'srv1', 'srv2']);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/^pobsync: host srv1 has run #1 queued or running: rename it when that run is done/);
      const remove = await ws.run(['host', 'remove', 'srv1', '--yes']);
      expect(remove.code).toBe(4);
      expect(await ws.json(['host', 'srv1'])).toMatchObject({ name: 'srv1', enabled: true });
      expect(existsSync(join(ws.backupRoot, 'srv1/.incomplete'))).toBe(true);
      expect(existsSync(join(ws.backupRoot, 'srv2'))).toBe(false);
      expect(knownHosts()).toContain('srv1 ');
    } finally {
      backup.kill('SIGINT');
      await new Promise((resolve) => backup.on('exit', resolve));
    }
    await expectOk(ws.run(['host', 'rename', 'srv1', 'srv2']));
    expect(existsSync(join(ws.backupRoot, 'srv2/.incomplete'))).toBe(true);
  });
});

describe('a lost catalogue', () => {
  it('recreates the hosts, disabled, and records every snapshot after the catalogue file is deleted', async () => {
    ws = workspace();
    await setUp();
    writeTree(ws.source, { 'srv/data.txt': 'd\n' });
    await setUpHost(ws, 'db1', { address: 'local', sources: [join(ws.source, 'srv')], excludes: ['*.tmp'] });
    const first = (await backUp(ws, 'srv1')).snapshot;
    await expectOk(ws.run(['host', 'rename', 'srv1', 'web1']));
    const second = (await backUp(ws, 'web1')).snapshot;
    const db = (await backUp(ws, 'db1')).snapshot;

    const refused = await ws.run(['discover-snapshots', '--rebuild']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--rebuild recreates the hosts of an empty catalogue, and this one has 2 hosts/);

    for (const suffix of ['', '-wal', '-shm']) rmSync(join(ws.home, `pobsync.sqlite${suffix}`), { force: true });
    // The lost catalogue's id is in the root's marker: the new one takes the root over, and being
    // empty, is rebuilt from it.
    const lost = await ws.run(['configure-global', '--backup-root', ws.backupRoot]);
    expect(lost.code).toBe(2);
    expect(lost.stderr).toMatch(/was missing or empty .*"pobsync configure-global --backup-root DIR --adopt" recreates its hosts/);
    const report = (await ws.json(['configure-global', '--backup-root', ws.backupRoot, '--adopt'])).adopted;
    expect(report.hosts).toEqual([
      { name: 'db1', address: 'db1', sources: [join(ws.source, 'srv')], excludes: ['*.tmp'], dumps: [], from: db.name },
      {
        name: 'web1',
        address: 'web1',
        sources: [join(ws.source, 'etc')],
        excludes: [],
        dumps: [{ name: 'state.txt', command: 'echo state' }],
        from: second.name,
      },
    ]);
    expect(report.problems).toEqual([]);
    expect(report.recorded).toHaveLength(3);
    expect((await ws.json(['hosts'])).map((host: { name: string; enabled: boolean }) => [host.name, host.enabled])).toEqual([
      ['db1', false],
      ['web1', false],
    ]);
    expect((await snapshotsOf(ws, 'web1')).map((s: { name: string; base: string | null }) => [s.name, s.base])).toEqual([
      [first.name, null],
      [second.name, first.name],
    ]);
  });
});
