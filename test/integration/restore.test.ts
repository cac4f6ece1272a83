/**
 * Restores over the test sshd, as an admin does them after a bad deploy: find the version,
 * restore it to a directory or back onto the host (a safety snapshot first), undo from the
 * safety snapshot. The "host" is this machine over real ssh: restores only ever write into the
 * test's own temp directories.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostSchema, RunSchema } from '../../source/catalogue/entities/index.js';
import { openCatalogue } from '../../source/catalogue/orm.js';
import {
  backUp,
  expectOk,
  localHostWorkspace,
  runsOf,
  setUpGlobal,
  setUpHost,
  setUpRemoteHost,
  snapshotsOf,
  sshdForFile,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const sshd = sshdForFile();
let ws: Workspace;
afterEach(() => ws?.cleanup());

const isRoot = process.getuid?.() === 0;

/**
 * Everything lstat says about a tree that a restore must keep, by relative path. The link
 * count only with `links`: files in a snapshot are shared with other snapshots, on the host not.
 */
function describeTree(root: string, { links = false } = {}): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      const stats = lstatSync(path);
      const mode = (stats.mode & 0o177777).toString(8);
      const owner = `${stats.uid}:${stats.gid}`;
      if (stats.isDirectory()) {
        tree[relative] = `dir ${mode} ${owner}`;
        walk(path, relative);
      } else if (stats.isSymbolicLink()) {
        tree[relative] = `link ${owner} -> ${readlinkSync(path)}`;
      } else {
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
        tree[relative] =
          `file ${mode} ${owner} ${stats.size} ${Math.floor(stats.mtimeMs / 1000)} ${hash}${links ? ` links ${stats.nlink}` : ''}`;
      }
    }
  };
  walk(root, '');
  return tree;
}

/** diff -r without following symlinks: exit 0 when both trees hold the same names and contents. */
function diffTrees(a: string, b: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('diff', ['-r', '--no-dereference', a, b], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 2) : 0, output: stdout + stderr });
    });
  });
}

/** A source path's place in a snapshot. */
const inSnapshot = (snapshotPath: string, path: string) => join(snapshotPath, 'data', path);

async function backup(name = 'web1'): Promise<{ name: string; path: string; base: string | null }> {
  return (await backUp(ws, name)).snapshot;
}

/** Catalogue rows a command could have added: runs and snapshots. */
async function catalogueState(): Promise<string> {
  return JSON.stringify([await runsOf(ws), await snapshotsOf(ws, 'web1')]);
}

describe('restore to a directory', () => {
  it('gives a tree identical to the snapshot, owners and modes included', async () => {
    ws = workspace();
    writeTree(ws.source, {
      'etc/nginx/nginx.conf': 'worker_processes 4;\n',
      'etc/shadow-like': 'secret\n',
      'bin/tool': '#!/bin/sh\n',
      'www/a file with spaces.html': '<p>x</p>\n',
      'www/-starts-with-dash': 'dash\n',
      'www/first': 'linked\n',
      'empty/.keep': '',
    });
    linkSync(join(ws.source, 'www/first'), join(ws.source, 'www/second'));
    symlinkSync('nginx/nginx.conf', join(ws.source, 'etc/relative-link'));
    symlinkSync('/etc/passwd', join(ws.source, 'etc/absolute-link'));
    if (isRoot) {
      chownSync(join(ws.source, 'etc/shadow-like'), 1234, 5678);
      chownSync(join(ws.source, 'www'), 4321, 8765);
      chownSync(join(ws.source, 'bin/tool'), 0, 42);
    }
    // After chown, which clears the setuid bit.
    chmodSync(join(ws.source, 'etc/shadow-like'), 0o640);
    chmodSync(join(ws.source, 'bin/tool'), 0o4755);
    chmodSync(join(ws.source, 'www'), 0o750);
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: ['app.sql=echo "-- dump of app"'] });
    const snapshot = await backup();
    const out = join(ws.dir, 'restored');

    const { run, summary } = await ws.json(['restore', 'web1', snapshot.name, '--to', out]);

    expect(run).toMatchObject({ kind: 'restore', status: 'succeeded', base: snapshot.name });
    expect(run.restore).toEqual({
      snapshot: snapshot.name,
      target: { kind: 'directory', path: out },
      paths: [ws.source],
      delete: false,
      safetySnapshot: null,
    });
    expect(summary.create).toBeGreaterThan(10);
    expect(await diffTrees(join(snapshot.path, 'data'), out)).toEqual({ code: 0, output: '' });
    expect(describeTree(out, { links: true })).toEqual(describeTree(join(snapshot.path, 'data'), { links: true }));
    const restoredSource = join(out, ws.source);
    expect(lstatSync(join(restoredSource, 'www/second')).ino).toBe(lstatSync(join(restoredSource, 'www/first')).ino);
    expect(lstatSync(join(restoredSource, 'bin/tool')).mode & 0o7777).toBe(0o4755);
    if (isRoot) {
      expect(lstatSync(join(restoredSource, 'etc/shadow-like'))).toMatchObject({ uid: 1234, gid: 5678 });
      expect(lstatSync(join(restoredSource, 'www'))).toMatchObject({ uid: 4321, gid: 8765 });
    }
    // Dumps come out only when asked for.
    expect(existsSync(join(out, 'dumps'))).toBe(false);
    expect(readFileSync(join(run.logPath), 'utf8')).toContain(`restore of web1 from snapshot ${snapshot.name} to ${out}`);
  });

  it('copies only the given paths, a dump included, and writes nothing on a dry run', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/nginx/nginx.conf': 'a\n', 'etc/hosts': 'h\n', 'www/index.html': 'i\n' });
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: ['app.sql=printf "dump bytes"'] });
    const snapshot = await backup();
    const out = join(ws.dir, 'some');

    const dry = join(ws.dir, 'not-created');
    const preview = await ws.json(['restore', 'web1', snapshot.name, '--to', dry, '--dry-run']);
    expect(preview.run).toBeNull();
    expect(preview.changes).toContainEqual({ action: 'create', path: `${ws.source.slice(1)}/etc/nginx/nginx.conf` });
    expect(existsSync(dry)).toBe(false);

    await expectOk(
      ws.run(['restore', 'web1', snapshot.name, '--to', out, '--path', join(ws.source, 'etc/nginx'), '--path', 'dumps/app.sql']),
    );

    expect(readFileSync(join(out, 'dumps/app.sql'), 'utf8')).toBe('dump bytes');
    expect(readFileSync(join(out, ws.source, 'etc/nginx/nginx.conf'), 'utf8')).toBe('a\n');
    expect(existsSync(join(out, ws.source, 'etc/hosts'))).toBe(false);
    expect(existsSync(join(out, ws.source, 'www'))).toBe(false);
  });
});

describe('restore to the host', () => {
  it('takes a safety snapshot of the restored paths, then makes them match the snapshot; the safety snapshot undoes it', async () => {
    ws = workspace();
    const nginx = join(ws.source, 'etc/nginx');
    writeTree(ws.source, {
      'etc/nginx/nginx.conf': 'good config\n',
      'etc/nginx/sites/app.conf': 'server {}\n',
      'www/index.html': 'site\n',
    });
    await setUpRemoteHost(ws, sshd, 'web1');
    const good = await backup();
    writeTree(ws.source, { 'etc/nginx/nginx.conf': 'bad config, longer\n', 'etc/nginx/new.conf': 'from the deploy\n' });
    const bad = await backup();
    writeFileSync(join(nginx, 'nginx.conf'), 'worse config, even longer\n');
    const www = describeTree(join(ws.source, 'www'));
    const beforeRestore = describeTree(nginx);

    const restored = await ws.json(['restore', 'web1', good.name, '--to-host', '--path', nginx, '--delete', '--yes']);

    const { safetySnapshot, safetyRun, run } = restored;
    expect(safetySnapshot).toMatchObject({ kind: 'safety', status: 'complete', base: bad.name });
    expect(safetyRun).toMatchObject({ kind: 'safety', status: 'succeeded', snapshot: safetySnapshot.name });
    expect(run).toMatchObject({ kind: 'restore', status: 'succeeded', base: good.name });
    expect(run.restore).toEqual({
      snapshot: good.name,
      target: { kind: 'host' },
      paths: [nginx],
      delete: true,
      safetySnapshot: safetySnapshot.name,
    });
    // First the safety snapshot, finished, then the restore.
    expect(safetyRun.id).toBeLessThan(run.id);
    expect(Date.parse(safetyRun.finishedAt)).toBeLessThanOrEqual(Date.parse(run.startedAt));
    // It holds exactly the paths the restore overwrote, as they were just before.
    expect(JSON.parse(readFileSync(join(safetySnapshot.path, 'meta.json'), 'utf8')).sources).toEqual([nginx]);
    expect(describeTree(inSnapshot(safetySnapshot.path, nginx))).toEqual(beforeRestore);
    expect(existsSync(inSnapshot(safetySnapshot.path, join(ws.source, 'www')))).toBe(false);
    // The host's files now match the restored snapshot; nothing else was touched.
    expect(await diffTrees(inSnapshot(good.path, nginx), nginx)).toEqual({ code: 0, output: '' });
    expect(describeTree(nginx)).toEqual(describeTree(inSnapshot(good.path, nginx)));
    expect(describeTree(join(ws.source, 'www'))).toEqual(www);
    expect((await runsOf(ws)).map((r: { kind: string }) => r.kind)).toEqual(['restore', 'safety', 'manual', 'manual']);

    // The restore was a mistake: the safety snapshot brings back what was there.
    const text = await expectOk(ws.run(['restore', 'web1', safetySnapshot.name, '--to-host', '--delete', '--yes']));
    expect(text.stdout).toMatch(/^safety snapshot \S+ \(run #\d+\) holds what was overwritten; to undo this restore:$/m);
    expect(text.stdout).toContain(`restored ${nginx} from ${safetySnapshot.name} to the host web1`);
    expect(describeTree(nginx)).toEqual(beforeRestore);
    expect(readFileSync(join(nginx, 'nginx.conf'), 'utf8')).toBe('worse config, even longer\n');

    // Safety snapshots hold a few paths only: the next backup still links against a whole one.
    const next = await backup();
    expect(next.base).toBe(bad.name);
    expect(lstatSync(inSnapshot(next.path, join(ws.source, 'www/index.html'))).ino).toBe(
      lstatSync(inSnapshot(bad.path, join(ws.source, 'www/index.html'))).ino,
    );
  });

  it('shows what would change on --dry-run and changes nothing; --delete spares excluded files', async () => {
    ws = workspace();
    writeTree(ws.source, { 'app/changed.txt': 'v1\n', 'app/deleted.txt': 'here\n', 'app/same.txt': 'same\n' });
    await setUpRemoteHost(ws, sshd, 'web1', { excludes: ['*.cache'] });
    const snapshot = await backup();
    writeFileSync(join(ws.source, 'app/changed.txt'), 'v2, longer\n');
    unlinkSync(join(ws.source, 'app/deleted.txt'));
    writeTree(ws.source, { 'app/added.txt': 'new\n', 'app/build.cache': 'excluded\n' });
    const hostBefore = describeTree(ws.source);
    const catalogueBefore = await catalogueState();
    const app = join(ws.source, 'app');

    const preview = await ws.json(['restore', 'web1', snapshot.name, '--to-host', '--dry-run', '--delete']);

    const relative = (file: string) => `${app.slice(1)}/${file}`;
    const fileChanges = preview.changes.filter((change: { path: string }) => !change.path.endsWith('/'));
    expect(fileChanges).toEqual(
      expect.arrayContaining([
        { action: 'update', path: relative('changed.txt') },
        { action: 'create', path: relative('deleted.txt') },
        { action: 'delete', path: relative('added.txt') },
      ]),
    );
    expect(fileChanges).toHaveLength(3);
    for (const action of ['create', 'update', 'delete']) {
      expect(preview.summary[action]).toBe(preview.changes.filter((change: { action: string }) => change.action === action).length);
    }
    expect(preview).toMatchObject({ run: null, safetySnapshot: null, dryRun: true });
    const text = await expectOk(ws.run(['restore', 'web1', snapshot.name, '--to-host', '--dry-run']));
    // Pushing, the sender is this side: rsync marks files "<".
    expect(text.stdout).toContain(`<f.st...... ${relative('changed.txt')}`);
    expect(text.stdout).not.toContain('*deleting');
    expect(text.stdout).toMatch(/^dry run: \d+ to create, \d+ to update, 0 to delete; nothing was changed$/m);
    expect(describeTree(ws.source)).toEqual(hostBefore);
    expect(await catalogueState()).toBe(catalogueBefore);

    const restored = await ws.json(['restore', 'web1', snapshot.name, '--to-host', '--delete', '--no-safety-snapshot', '--yes']);
    expect(restored.safetySnapshot).toBeNull();
    expect(restored.run.restore.safetySnapshot).toBeNull();
    expect(readdirSync(app).sort()).toEqual(['build.cache', 'changed.txt', 'deleted.txt', 'same.txt']);
    expect(readFileSync(join(app, 'changed.txt'), 'utf8')).toBe('v1\n');
    expect((await snapshotsOf(ws, 'web1')).map((s: { name: string }) => s.name)).toEqual([snapshot.name]);
  });

  it('asks for confirmation: without a terminal it needs --yes, and changes nothing', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'v1\n' });
    await setUpRemoteHost(ws, sshd, 'web1');
    const snapshot = await backup();
    writeFileSync(join(ws.source, 'a.txt'), 'v2\n');
    const before = await catalogueState();

    const result = await ws.run(['restore', 'web1', snapshot.name, '--to-host']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pobsync: restoring onto web1 needs confirmation: run it on a terminal, or add --yes\n');
    expect(readFileSync(join(ws.source, 'a.txt'), 'utf8')).toBe('v2\n');
    expect(await catalogueState()).toBe(before);
  });
});

describe('snapshot lifecycle', () => {
  it('refuses to delete a protected snapshot or one a run needs, and deletes the others', async () => {
    ws = workspace();
    writeTree(ws.source, { 'kept.txt': 'in every snapshot\n' });
    await setUpRemoteHost(ws, sshd, 'web1');
    const first = await backup();
    const second = await backup();
    const third = await backup();
    const kept = (snapshot: { path: string }) => inSnapshot(snapshot.path, join(ws.source, 'kept.txt'));

    await expectOk(ws.run(['snapshot', 'protect', 'web1', first.name]));
    expect((await snapshotsOf(ws, 'web1'))[0].protected).toBe(true);
    const protectedRefusal = await ws.run(['snapshot', 'delete', 'web1', first.name, '--yes']);
    expect(protectedRefusal.code).toBe(2);
    expect(protectedRefusal.stderr).toBe(
      `pobsync: snapshot ${first.name} of web1 is protected: "pobsync snapshot unprotect web1 ${first.name}" first\n`,
    );
    expect(existsSync(first.path)).toBe(true);
    await expectOk(ws.run(['snapshot', 'unprotect', 'web1', first.name]));

    // A queued backup will hard-link against the newest snapshot.
    const catalogue = await openCatalogue(ws.home);
    const em = catalogue.em();
    const host = await em.findOneOrFail(HostSchema, { name: 'web1' });
    const queued = em.create(RunSchema, { host, kind: 'scheduled', status: 'queued', queuedAt: new Date() });
    await em.flush();
    try {
      const queuedRefusal = await ws.run(['snapshot', 'delete', 'web1', third.name, '--yes']);
      expect(queuedRefusal.code).toBe(1);
      expect(queuedRefusal.stderr).toContain(`queued run #${queued.id} will hard-link against it`);
      expect(existsSync(third.path)).toBe(true);
      // An older one can go: the others keep their files through their own hard links.
      await expectOk(ws.run(['snapshot', 'delete', 'web1', first.name, '--yes']));
    } finally {
      await em.nativeDelete(RunSchema, { id: queued.id });
      await catalogue.close();
    }
    expect(existsSync(first.path)).toBe(false);
    expect(readFileSync(kept(second), 'utf8')).toBe('in every snapshot\n');
    const listed = await snapshotsOf(ws, 'web1');
    expect(listed.map((s: { name: string }) => s.name)).toEqual([second.name, third.name]);
    expect(listed[0].base).toBeNull();

    // A running backup links against the newest snapshot.
    writeTree(ws.source, { 'large.bin': Buffer.alloc(64 << 20, 3) });
    await setUpHost(ws, 'web1', { rsyncArgs: ['--bwlimit=2m'] });
    const running = ws.start(['backup', 'web1']);
    const run = await waitFor('the backup to pick its base', async () =>
      (await runsOf(ws)).find((r: { status: string; base: string | null }) => r.status === 'running' && r.base),
    );
    expect(run.base).toBe(third.name);
    const runningRefusal = await ws.run(['snapshot', 'delete', 'web1', third.name, '--yes']);
    expect(runningRefusal.code).toBe(1);
    expect(runningRefusal.stderr).toBe(
      `pobsync: snapshot ${third.name} of web1 is in use: run #${run.id} is hard-linking against it; delete it when that run is done\n`,
    );
    running.kill('SIGINT');
    await new Promise((resolve) => running.on('exit', resolve));

    const deleted = await ws.json(['snapshot', 'delete', 'web1', third.name, '--yes']);
    expect(deleted).toMatchObject({ name: third.name, deleted: true });
    expect(existsSync(third.path)).toBe(false);
    expect(readdirSync(join(ws.backupRoot, 'web1')).filter((entry) => !entry.startsWith('.'))).toEqual([second.name]);
    expect(readFileSync(kept(second), 'utf8')).toBe('in every snapshot\n');
    const refusedWithoutYes = await ws.run(['snapshot', 'delete', 'web1', second.name]);
    expect(refusedWithoutYes.code).toBe(2);
    expect(existsSync(second.path)).toBe(true);
  });

  it('lists a directory inside a snapshot, and finds exactly the snapshots where a file changed', async () => {
    ws = workspace();
    const conf = join(ws.source, 'etc/nginx.conf');
    writeTree(ws.source, { 'etc/nginx.conf': 'version 1\n', 'etc/other': 'o\n' });
    symlinkSync('/', join(ws.source, 'etc/root-link'));
    await setUpRemoteHost(ws, sshd, 'web1');
    const s1 = await backup();
    const s2 = await backup();
    writeFileSync(conf, 'version 2, longer\n');
    const s3 = await backup();
    unlinkSync(conf);
    const s4 = await backup();
    writeFileSync(conf, 'version 3, longer still\n');
    const s5 = await backup();
    writeFileSync(join(ws.source, 'etc/other'), 'changed elsewhere\n');
    const s6 = await backup();

    const report = await ws.json(['versions', 'web1', conf]);

    expect(report.versions.map((version: { snapshots: string[] }) => version.snapshots)).toEqual([
      [s1.name, s2.name],
      [s3.name],
      [s5.name, s6.name],
    ]);
    expect(report.versions.map((version: { size: number }) => version.size)).toEqual([10, 18, 24]);
    expect(report.absentFrom).toEqual([s4.name]);
    const text = await expectOk(ws.run(['versions', 'web1', conf]));
    expect(text.stdout).toContain(`${conf} on web1: 3 versions in 5 snapshots`);
    expect(text.stdout).toContain(`not in 1: ${s4.name}`);

    const listing = await ws.json(['ls', 'web1', s3.name, join(ws.source, 'etc')]);
    expect(listing.entries.map((entry: { name: string; type: string }) => [entry.name, entry.type])).toEqual([
      ['nginx.conf', 'file'],
      ['other', 'file'],
      ['root-link', 'symlink'],
    ]);
    expect(listing.entries[0]).toMatchObject({ size: 18, linkTarget: null });
    expect(listing.entries[2].linkTarget).toBe('/');
    const lsText = await expectOk(ws.run(['ls', 'web1', s3.name, join(ws.source, 'etc')]));
    expect(lsText.stdout).toMatch(/^-rw\S+ +\d+:\d+ +18 B +\S+ \S+ +nginx\.conf$/m);
    expect(lsText.stdout).toMatch(/root-link -> \/$/m);
    // A symlink in the snapshot is never followed out of it.
    const through = await ws.run(['ls', 'web1', s3.name, join(ws.source, 'etc/root-link/etc')]);
    expect(through.code).toBe(2);
    expect(through.stderr).toMatch(/root-link is a symlink in the snapshot \(to \/\), and pobsync does not follow links/);
    const versionsThrough = await ws.run(['versions', 'web1', join(ws.source, 'etc/root-link/etc/passwd')]);
    expect(versionsThrough.code).toBe(2);
    expect(versionsThrough.stderr).toMatch(/is in none of the snapshots of web1 \(6 snapshots searched\)/);
  });
});

describe('bad input', () => {
  it('refuses bad paths, targets and names with one line and exit 2, writing nothing', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/nginx.conf': 'x\n' });
    symlinkSync('/', join(ws.source, 'etc/root-link'));
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: ['app.sql=echo dump'] });
    const { name } = await backup();
    const out = join(ws.dir, 'out');
    const source = (path: string) => join(ws.source, path);
    const before = await catalogueState();
    const hostBefore = describeTree(ws.source);

    const cases: [string[], RegExp][] = [
      [['restore', 'web1', name, '--to', out, '--path', '../etc'], /^pobsync: --path "..\/etc" is not allowed/],
      [
        ['restore', 'web1', name, '--to', out, '--path', 'etc/nginx.conf'],
        /^pobsync: --path "etc\/nginx.conf" is not allowed: use an absolute source path/,
      ],
      [['restore', 'web1', name, '--to', out, '--path', `${ws.source}/../etc`], /is not allowed: it contains "\.\."/],
      [['restore', 'web1', name, '--to', out, '--path', 'dumps/../x'], /^pobsync: --path "dumps\/..\/x" is not allowed/],
      [
        ['restore', 'web1', name, '--to', out, '--path', source('etc/missing.conf')],
        /cannot be restored from snapshot .*: it is not in the snapshot/,
      ],
      [
        ['restore', 'web1', name, '--to', out, '--path', source('etc/root-link/etc/passwd')],
        /root-link is a symlink in the snapshot \(to \/\), and pobsync does not follow links/,
      ],
      [['restore', 'web1', name, '--to', out, '--path', 'dumps/other.sql'], /^pobsync: --path dumps\/other.sql cannot be restored/],
      [
        ['restore', 'web1', name, '--to-host', '--yes', '--path', 'dumps/app.sql'],
        /^pobsync: --path dumps\/app.sql cannot go back to the host/,
      ],
      [['restore', 'web1', name, '--to', 'relative/dir'], /^pobsync: --to directory "relative\/dir" is not allowed: it is not absolute/],
      [
        ['restore', 'web1', name, '--to', join(ws.backupRoot, 'web1/x')],
        /^pobsync: --to directory .* is not allowed: it overlaps .*, which holds pobsync's backups/,
      ],
      [
        ['restore', 'web1', name, '--to', ws.dir],
        /^pobsync: --to directory .* is not allowed: it overlaps .*, which holds pobsync's backups/,
      ],
      [
        ['restore', 'web1', name, '--to', join(ws.home, 'restored')],
        /^pobsync: --to directory .* is not allowed: it overlaps .*, which holds pobsync's catalogue/,
      ],
      [['restore', 'web1', name, '--to', '/'], /^pobsync: --to directory "\/" is not allowed: it is this server's root/],
      [
        ['restore', 'web1', name, '--to-host', '--delete', '--yes', '--path', ws.dir],
        /^pobsync: --path .* is not allowed: it is not one of the snapshot's sources .* or inside one/,
      ],
      [
        ['restore', 'web1', name, '--to-host', '--yes', '--path', '/'],
        /^pobsync: --path \/ is not allowed: it is not one of the snapshot's sources/,
      ],
      [['restore', 'web1', name], /^pobsync: restore needs a target: --to DIR/],
      [['restore', 'web1', name, '--to', out, '--to-host'], /^pobsync: restore takes one target, not both/],
      [['restore', 'web1', name, '--to', out, '--delete'], /^pobsync: --delete is only for --to-host/],
      [['restore', 'web1', '2020-01-01T000000Z', '--to', out], /^pobsync: unknown snapshot "2020-01-01T000000Z" of host "web1"/],
      [['restore', 'web1', 'latest', '--to', out], /^pobsync: snapshot "latest" is not a snapshot name/],
      [['restore', 'nosuchhost', name, '--to', out], /^pobsync: unknown host "nosuchhost"/],
      [['ls', 'web1', name, 'etc'], /^pobsync: path "etc" is not allowed/],
      [['ls', 'web1', name, source('nothing')], /cannot be listed in snapshot .*: it is not in the snapshot/],
      [['versions', 'web1', 'etc/nginx.conf'], /^pobsync: path "etc\/nginx.conf" is not allowed: it is not absolute/],
      [['versions', 'web1', source('etc')], /is a directory in snapshot/],
      [['versions', 'web1', source('nothing')], /is in none of the snapshots of web1 \(1 snapshot searched\)/],
      [['snapshot', 'delete', 'web1', '2020-01-01T000000Z', '--yes'], /^pobsync: unknown snapshot "2020-01-01T000000Z"/],
      [['snapshot', 'remove', 'web1', name], /^pobsync: snapshot action "remove" is not allowed: use delete, protect or unprotect/],
      [['configure-host', 'web1', '--dump', '../x=echo'], /^pobsync: dump name "..\/x" is not allowed/],
      [['configure-host', 'web1', '--dump', 'no-command'], /^pobsync: dump "no-command" is not allowed: give it as NAME=COMMAND/],
    ];
    for (const [args, message] of cases) {
      const result = await ws.run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(ws.backupRoot, 'web1/x'))).toBe(false);
    expect(describeTree(ws.source)).toEqual(hostBefore);
    expect(await catalogueState()).toBe(before);
    expect((await ws.json(['host', 'web1'])).dumps).toEqual([{ name: 'app.sql', command: 'echo dump' }]);
  });

  it('asks before restoring into a directory that is not empty', async () => {
    ws = await localHostWorkspace({ 'a.txt': 'new\n' }, 'srv1');
    const { snapshot } = await backUp(ws, 'srv1');
    const out = join(ws.dir, 'out');
    writeTree(out, { 'kept.txt': 'mine\n' });

    const refused = await ws.run(['restore', 'srv1', snapshot.name, '--to', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/restoring into the non-empty directory .* needs confirmation: run it on a terminal, or add --yes/);
    expect(existsSync(join(out, ws.source))).toBe(false);
    await expectOk(ws.run(['restore', 'srv1', snapshot.name, '--to', out, '--yes']));
    expect(existsSync(join(out, ws.source, 'a.txt'))).toBe(true);
  });

  it("never restores onto this server over the backup root or pobsync's home", async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    // A source that holds the backup root and the home (backups leave those two out).
    await setUpHost(ws, 'srv1', { address: 'local', sources: [ws.dir] });
    const { snapshot } = await backUp(ws, 'srv1');

    const result = await ws.run(['restore', 'srv1', snapshot.name, '--to-host', '--path', ws.dir, '--delete', '--yes']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `pobsync: --path ${ws.dir} cannot be restored onto this server: it overlaps ${ws.backupRoot}, which holds pobsync's backups ` +
        `or catalogue; restore it with --to DIR instead\n`,
    );
    expect((await runsOf(ws)).map((run: { kind: string }) => run.kind)).toEqual(['manual']);
    await expectOk(ws.run(['restore', 'srv1', snapshot.name, '--to-host', '--path', ws.source, '--yes']));
  });
});
