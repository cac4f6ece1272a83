/**
 * The fault suite, crashes: pobsync killed with SIGKILL at each step of a backup (during the
 * dumps, during rsync, during `sync -f`, between meta.json and the rename, between the rename and
 * the INSERT), then the next backup. After each: no half-written snapshot is published, no earlier
 * snapshot changed (content, mode, owner, mtime of every inode), and the next snapshot equals the
 * source. Real rsync over a real sshd on 127.0.0.1; the crash points are POBSYNC_FAULT (engine/fault-points.ts).
 */
import { chmodSync, chownSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { HostInput } from '../../source/services/hosts/hosts.js';
import { changedHistory, differences, snapshotHistory } from '../helpers/history.js';
import {
  findFile,
  processRunning,
  setUpHost,
  setUpRemoteHost,
  sshdForFile,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const sshd = sshdForFile();
let ws: Workspace;
afterEach(() => ws?.cleanup());

/** A host with a first snapshot, then a changed source: what every crash below interrupts. */
async function hostWithHistory(extra: HostInput = {}): Promise<{ first: { name: string; path: string }; before: Map<string, string> }> {
  ws = workspace();
  writeTree(ws.source, {
    'etc/app.conf': 'listen 80\n',
    'etc/secret.key': 'k3y\n',
    'www/index.html': '<h1>one</h1>\n',
    'www/big.bin': Buffer.alloc(1 << 20, 3),
  });
  chmodSync(join(ws.source, 'etc/secret.key'), 0o640);
  await setUpRemoteHost(ws, sshd, 'web1', extra);
  const first = (await ws.json(['backup', 'web1'])).snapshot;
  const before = snapshotHistory(join(ws.backupRoot, 'web1'));
  // What the next backup must bring: new content, a new mode on unchanged content, a new file.
  writeTree(ws.source, { 'www/index.html': '<h1>two, longer</h1>\n', 'www/new.txt': 'new\n' });
  chmodSync(join(ws.source, 'etc/secret.key'), 0o600);
  return { first, before };
}

/** The next backup after a crash: it succeeds, equals the source, and left history as it was. */
async function resumeAndCheck(before: Map<string, string>, firstName: string): Promise<{ stderr: string; snapshots: any[] }> {
  const result = await ws.run(['backup', 'web1']);
  expect(result.code, result.stderr).toBe(0);
  const snapshots = await ws.json(['snapshots', 'web1']);
  const newest = snapshots.at(-1);
  expect(newest.name).not.toBe(firstName);
  expect(differences(ws.source, join(newest.path, 'data', ws.source))).toEqual([]);
  expect(changedHistory(before, snapshotHistory(join(ws.backupRoot, 'web1')))).toEqual([]);
  return { stderr: result.stderr, snapshots };
}

/** The inode of a source file in a snapshot: the same inode is the same stored file. */
const inode = (snapshot: { path: string }, file: string) => statSync(join(snapshot.path, 'data', ws.source, file)).ino;

/** Only the first snapshot is published and recorded; the unfinished tree waits in .incomplete. */
function expectNothingPublished(firstName: string): void {
  const entries = readdirSync(join(ws.backupRoot, 'web1')).filter((name) => !name.startsWith('.'));
  expect(entries).toEqual([firstName]);
}

async function killedAt(fault: string): Promise<void> {
  const result = await ws.run(['backup', 'web1'], { env: { POBSYNC_FAULT: `${fault}:kill` } });
  expect(result.code, `${fault}: ${result.stderr}`).not.toBe(0);
}

describe('kill -9 at each step of a backup, then the next backup', () => {
  it('during a dump: the dump dies with it on the host, and the next backup takes every dump again', async () => {
    const marker = `pobsync-crash-dump-${process.pid}-${Date.now()}`;
    // The dump hangs after its first MiB only once the hold file exists: the first backup's dump ends at once.
    const hold = join(tmpdir(), `${marker}.hold`);
    const command = `head -c 1048576 /dev/zero; if [ -e ${hold} ]; then sleep 60; fi # ${marker}`;
    const { first, before } = await hostWithHistory({ dumps: [`app.sql=${command}`] });
    writeFileSync(hold, '');
    onTestFinished(() => rmSync(hold, { force: true }));
    const backup = ws.start(['backup', 'web1']);
    const dump = join(ws.backupRoot, 'web1/.incomplete');
    await waitFor('the dump to be half written', () => {
      const file = findFile(dump, (name) => name === 'app.sql');
      return file && statSync(file).size >= 1 << 20;
    });
    backup.kill('SIGKILL');
    await new Promise((resolve) => backup.on('exit', resolve));
    // Without a terminal, sshd would let the command run on: pobsync's wrapper stops it.
    await waitFor('the dump command on the host to stop', () => !processRunning(marker));
    expectNothingPublished(first.name);
    expect(changedHistory(before, snapshotHistory(join(ws.backupRoot, 'web1')))).toEqual([]);

    await setUpHost(ws, 'web1', { dumps: ['app.sql=echo fresh dump'] });
    const { snapshots } = await resumeAndCheck(before, first.name);
    expect(snapshots.at(-1).dumps).toEqual([{ name: 'app.sql', bytes: 'fresh dump\n'.length }]);
  });

  it('during rsync: the resumed tree drops its links to the first snapshot, so a mode or owner change stays out of history', async () => {
    const { first, before } = await hostWithHistory({ rsyncArgs: ['--bwlimit=2m'] });
    writeTree(ws.source, { 'www/large.bin': Buffer.alloc(12 << 20, 5) });
    const backup = ws.start(['backup', 'web1']);
    await waitFor('the large file to be in transfer', () =>
      findFile(join(ws.backupRoot, 'web1/.incomplete'), (name) => name.startsWith('.large.bin.')),
    );
    backup.kill('SIGKILL');
    await new Promise((resolve) => backup.on('exit', resolve));
    await waitFor('rsync to exit', () => !processRunning(`rsync.*${ws.backupRoot}`));
    expectNothingPublished(first.name);
    // The unfinished tree holds a hard link to the first snapshot's app.conf. Its content stays
    // the same on the host, but its mode and owner change: rsync would fix them in place, on the
    // inode the first snapshot shares, if the resumed tree still held that link.
    const conf = join(ws.source, 'etc/app.conf');
    chmodSync(conf, 0o600);
    chownSync(conf, 4242, 4242);
    await setUpHost(ws, 'web1', { rsyncArgs: [] });
    const { stderr, snapshots } = await resumeAndCheck(before, first.name);
    expect(stderr).toMatch(/resuming the unfinished tree/);
    expect(stderr).toMatch(/unlinked \d+ hard links? to earlier snapshots/);
    expect(statSync(join(first.path, 'data', conf)).mode & 0o777).toBe(0o644);
    expect(statSync(join(first.path, 'data', conf)).uid).not.toBe(4242);
    expect(inode(snapshots.at(-1), 'etc/app.conf')).not.toBe(inode(first, 'etc/app.conf'));
    expect(inode(snapshots.at(-1), 'www/big.bin')).toBe(inode(first, 'www/big.bin'));
  });

  for (const [fault, what] of [
    ['during-sync', 'while sync -f flushes the tree'],
    ['after-meta', 'between meta.json and the rename'],
  ] as const) {
    it(`${what}: nothing is published, and the next backup finishes the tree`, async () => {
      const { first, before } = await hostWithHistory();
      await killedAt(fault);
      expectNothingPublished(first.name);
      expect(changedHistory(before, snapshotHistory(join(ws.backupRoot, 'web1')))).toEqual([]);
      const { stderr } = await resumeAndCheck(before, first.name);
      expect(stderr).toMatch(/took over the lock of run #\d+/);
    });
  }

  it('between the rename and the INSERT: the snapshot is whole, and the next backup records it and links against it', async () => {
    const { first, before } = await hostWithHistory();
    await killedAt('after-rename');
    const published = readdirSync(join(ws.backupRoot, 'web1')).filter((name) => !name.startsWith('.') && name !== first.name);
    expect(published).toHaveLength(1);
    const orphan = join(ws.backupRoot, 'web1', published[0]!);
    expect(existsSync(join(orphan, 'meta.json'))).toBe(true);
    expect(differences(ws.source, join(orphan, 'data', ws.source))).toEqual([]);
    expect((await ws.json(['snapshots', 'web1'])).map((s: { name: string }) => s.name)).toEqual([first.name]);

    writeFileSync(join(ws.source, 'www/after.txt'), 'after\n');
    const { stderr, snapshots } = await resumeAndCheck(before, first.name);
    expect(stderr).toContain(`recorded snapshot ${published[0]}, which was on disk but not in the catalogue`);
    expect(snapshots.map((s: { name: string }) => s.name)).toEqual([first.name, published[0], snapshots[2].name]);
    expect(snapshots[2].base).toBe(published[0]);
  });
});
