/**
 * Off-site copies: two pobsync servers on this machine (two homes, two backup roots). The first
 * backs up a host over the loopback sshd; the second replicates from the first, reached over
 * the same sshd with its own key and the first's pinned host key, running the first's pobsync
 * (the built CLI with the first's home) as the remote command.
 */
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSchema } from '../../source/catalogue/entities/index.js';
import { openApp } from '../../source/services/app.js';
import { schedulerTick } from '../../source/services/schedule/scheduler.js';
import {
  authorizeServerKey,
  backUp,
  CLI,
  expectOk,
  findFile,
  processRunning,
  runsOf,
  setUpGlobal,
  setUpRemoteHost,
  setUpTrustedPeer,
  snapshotsOf,
  sshdForFile,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const sshd = sshdForFile();
let first: Workspace;
let second: Workspace;
afterEach(() => {
  first?.cleanup();
  second?.cleanup();
});

const remote = () => ['--remote-pobsync', `${process.execPath} ${CLI}`, '--remote-home', first.home];
const peer = () => `${sshd.user}@127.0.0.1:${sshd.port}`;

/**
 * The second server: its own home and root, its key in the first's authorized_keys, the first's
 * key pinned (by `pobsync trust-peer` with `cli`, else in this process).
 */
async function secondServer(options: { cli?: boolean } = {}): Promise<Workspace> {
  const ws = workspace();
  await setUpGlobal(ws);
  await authorizeServerKey(ws, sshd);
  if (options.cli) await expectOk(ws.run(['trust-peer', peer(), '--yes']));
  else await setUpTrustedPeer(ws, peer());
  return ws;
}

/** `replicate web1` on the second server, with the first server's pobsync as the remote command. */
function replicate(ws: Workspace, extra: string[] = [], env?: NodeJS.ProcessEnv) {
  return ws.run(['replicate', 'web1', '--from', peer(), ...remote(), '--json', ...extra], env ? { env } : {});
}

/** Every file below `dir`, relative path -> its stats. */
function files(dir: string): Map<string, { ino: number; path: string }> {
  const found = new Map<string, { ino: number; path: string }>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(path.slice(dir.length + 1), { ino: statSync(path).ino, path });
  }
  return found;
}

/** The first server with two snapshots of web1 and a change between them. */
async function firstServerWithHistory(): Promise<{ names: string[]; paths: string[] }> {
  first = workspace();
  writeTree(first.source, { 'etc/app.conf': 'listen 80\n', 'www/index.html': '<h1>one</h1>\n', 'www/big.bin': Buffer.alloc(256 << 10, 7) });
  await setUpRemoteHost(first, sshd, 'web1');
  const one = (await backUp(first)).snapshot;
  writeTree(first.source, { 'www/index.html': '<h1>two, longer</h1>\n', 'www/new.txt': 'new\n' });
  const two = (await backUp(first)).snapshot;
  return { names: [one.name, two.name], paths: [one.path, two.path] };
}

describe('replicate', () => {
  it('copies the missing snapshots oldest first, byte for byte, hard-linked to each other and never to the first server', async () => {
    const source = await firstServerWithHistory();
    second = await secondServer({ cli: true });

    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.createdHost).toBe(true);
    expect(outcome.run).toMatchObject({ kind: 'replicate', status: 'succeeded' });
    expect(outcome.copied.map((snapshot: any) => snapshot.name)).toEqual(source.names);

    const snapshots = await snapshotsOf(second, 'web1');
    expect(snapshots.map((snapshot: any) => snapshot.name)).toEqual(source.names);
    for (const snapshot of snapshots) {
      expect(snapshot).toMatchObject({ kind: 'replica', status: 'complete', origin: { peer: peer(), snapshot: snapshot.name } });
      expect(snapshot.path).toBe(join(second.backupRoot, 'web1', snapshot.name));
      const meta = JSON.parse(readFileSync(join(snapshot.path, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ kind: 'replica', name: snapshot.name, origin: { peer: peer(), snapshot: snapshot.name } });
      expect(existsSync(join(snapshot.path, 'manifest.b2'))).toBe(true);
    }
    expect(snapshots[1].base).toBe(source.names[0]);
    const host = (await second.json(['hosts'])).find((candidate: any) => candidate.name === 'web1');
    expect(host).toMatchObject({ enabled: false, replicaOf: peer() });

    // Byte for byte what the first server holds, file by file.
    for (const [index, name] of source.names.entries()) {
      const theirs = files(source.paths[index]!);
      const ours = files(join(second.backupRoot, 'web1', name));
      expect([...ours.keys()].filter((key) => key !== 'meta.json').sort()).toEqual(
        [...theirs.keys()].filter((key) => key !== 'meta.json').sort(),
      );
      for (const [key, file] of theirs) {
        if (key !== 'meta.json') expect(readFileSync(ours.get(key)!.path).equals(readFileSync(file.path)), key).toBe(true);
      }
    }
    // The unchanged file is one inode in both replicas, and none of the first server's inodes.
    const big = join('data', first.source, 'www/big.bin').replace(/\/\//g, '/');
    const older = files(join(second.backupRoot, 'web1', source.names[0]!)).get(big)!;
    const newer = files(join(second.backupRoot, 'web1', source.names[1]!)).get(big)!;
    expect(newer.ino).toBe(older.ino);
    const firstInodes = new Set([...files(first.backupRoot).values()].map((file) => file.ino));
    for (const file of files(second.backupRoot).values()) expect(firstInodes.has(file.ino), file.path).toBe(false);
    const changed = join('data', first.source, 'www/index.html').replace(/\/\//g, '/');
    expect(readFileSync(files(join(second.backupRoot, 'web1', source.names[1]!)).get(changed)!.path, 'utf8')).toBe(
      '<h1>two, longer</h1>\n',
    );

    // Again: nothing to copy.
    const again = await replicate(second);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).copied).toEqual([]);
    expect((await snapshotsOf(second, 'web1')).length).toBe(2);

    // The second server's own policy governs the replicas (default kind "scheduled" covers them).
    const plan = await second.json(['retention', 'web1', '--keep-last', '1']);
    expect(plan.entries.map((entry: any) => [entry.name, entry.action])).toEqual([
      [source.names[1], 'keep'],
      [source.names[0], 'remove'],
    ]);

    // The run's log streamed like a backup's.
    expect(readFileSync(outcome.run.logPath, 'utf8')).toContain('matches its manifest');
  });

  it('skips a snapshot that fails its check after a retry with --checksum, copies the newer ones, retries it when asked', async () => {
    const source = await firstServerWithHistory();
    writeTree(first.source, { 'www/three.txt': 'three\n' });
    source.names.push((await backUp(first)).snapshot.name);
    writeTree(first.source, { 'www/four.txt': 'four\n' });
    source.names.push((await backUp(first)).snapshot.name);
    second = await secondServer();
    const snapshotPath = (index: number) => join(first.backupRoot, 'web1', source.names[index]!);
    // Someone changed a file inside the first server's second snapshot after it was made: the same
    // size and time, so only reading the content can tell. The file is shared (one inode) with the
    // snapshots after it: it is moved aside, to be put back, and a new one takes its place.
    const tampered = join(snapshotPath(1), 'data', first.source, 'www/index.html');
    const aside = join(first.dir, 'index.html.aside');
    const { atime, mtime } = statSync(tampered);
    renameSync(tampered, aside);
    writeFileSync(tampered, '<h1>TWO, longer</h1>\n');
    utimesSync(tampered, atime, mtime);
    // The third has lost its manifest.
    const manifest = join(snapshotPath(2), 'manifest.b2');
    const manifestAside = join(first.dir, 'manifest.b2.aside');
    renameSync(manifest, manifestAside);

    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(3);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.run.status).toBe('partial');
    expect(outcome.copied.map((snapshot: any) => snapshot.name)).toEqual([source.names[0], source.names[3]]);
    expect(outcome.skipped.map((skip: any) => [skip.name, skip.runId])).toEqual([
      [source.names[1], outcome.run.id],
      [source.names[2], outcome.run.id],
    ]);
    expect(outcome.skipped[0].reason).toContain(`${source.names[1]} does not match its manifest`);
    expect(outcome.skipped[1].reason).toContain('no manifest');
    expect(outcome.run.error).toContain(`skipped ${source.names[1]}`);
    // Nothing that failed its check is published, and no unfinished tree of it stays.
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => snapshot.name)).toEqual([source.names[0], source.names[3]]);
    const hostDir = join(second.backupRoot, 'web1');
    expect(readdirSync(hostDir).filter((name) => !name.startsWith('.'))).toEqual([source.names[0], source.names[3]]);
    expect(readdirSync(join(hostDir, '.incomplete'))).toEqual([]);
    const log = readFileSync(outcome.run.logPath, 'utf8');
    expect(log).toContain(`${source.names[1]}: copying it again with --checksum`);
    expect(log).not.toContain(`${source.names[2]}: copying it again with --checksum`);
    expect(log).toContain(`skipped ${source.names[2]}`);

    // A later run does not try them again by itself, and still names them.
    const again = await second.run(['replicate', 'web1', '--from', peer(), ...remote()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to copy');
    expect(again.stdout).toContain(`skipped earlier: ${source.names[1]}`);
    expect(again.stdout).toContain('--retry-skipped');
    const quiet = JSON.parse((await replicate(second)).stdout);
    expect(quiet.copied).toEqual([]);
    expect(quiet.skipped.map((skip: any) => [skip.name, skip.runId])).toEqual([
      [source.names[1], outcome.run.id],
      [source.names[2], outcome.run.id],
    ]);

    // Repaired on the peer: --retry-skipped copies them, and nothing is left skipped.
    renameSync(aside, tampered);
    renameSync(manifestAside, manifest);
    const retried = await replicate(second, ['--retry-skipped']);
    expect(retried.code, retried.stderr).toBe(0);
    const repaired = JSON.parse(retried.stdout);
    expect(repaired.copied.map((snapshot: any) => snapshot.name)).toEqual([source.names[1], source.names[2]]);
    expect(repaired.skipped).toEqual([]);
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => snapshot.name)).toEqual(source.names);
    expect(JSON.parse((await replicate(second)).stdout).skipped).toEqual([]);
    // Five replications and two more backups: more than the default timeout on a loaded machine.
  }, 240_000);

  it('leaves a snapshot whose transfer ends partial unfinished, publishes the others, and copies it on the next run', async () => {
    const source = await firstServerWithHistory();
    writeTree(first.source, { 'www/three.txt': 'three\n' });
    source.names.push((await first.json(['backup', 'web1'])).snapshot.name);
    second = await secondServer();
    // The peer's rsync cannot read the second snapshot's tree (gone from where its catalogue says it is): it exits 23.
    const middle = join(first.backupRoot, 'web1', source.names[1]!);
    const aside = join(first.dir, 'middle.aside');
    renameSync(middle, aside);
    const names = async () => (await second.json(['snapshots', 'web1'])).map((snapshot: { name: string }) => snapshot.name);
    const unfinishedTree = join(second.backupRoot, 'web1', '.incomplete', source.names[1]!);

    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(3);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.run.status).toBe('partial');
    expect(outcome.copied.map((snapshot: { name: string }) => snapshot.name)).toEqual([source.names[0], source.names[2]]);
    expect(outcome.unfinished.map((left: { name: string; runId: number }) => [left.name, left.runId])).toEqual([
      [source.names[1], outcome.run.id],
    ]);
    expect(outcome.unfinished[0].reason).toContain(`${source.names[1]}: rsync exited with code 23`);
    expect(outcome.run.error).toContain(`unfinished ${source.names[1]}: ${source.names[1]}: rsync exited with code 23`);
    expect(outcome.skipped).toEqual([]);
    // Never published; its tree waits in .incomplete/.
    expect(await names()).toEqual([source.names[0], source.names[2]]);
    expect(existsSync(join(second.backupRoot, 'web1', source.names[1]!))).toBe(false);
    expect(existsSync(unfinishedTree)).toBe(true);

    // Readable again: the next run copies it, although a newer one is held by now.
    renameSync(aside, middle);
    const again = await replicate(second);
    expect(again.code, again.stderr).toBe(0);
    const retried = JSON.parse(again.stdout);
    expect(retried.run.status).toBe('succeeded');
    expect(retried.copied.map((snapshot: { name: string }) => snapshot.name)).toEqual([source.names[1]]);
    expect(retried.unfinished).toEqual([]);
    expect(await names()).toEqual(source.names);
    expect(existsSync(unfinishedTree)).toBe(false);
    const meta = JSON.parse(readFileSync(join(second.backupRoot, 'web1', source.names[1]!, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'replica', name: source.names[1] });
  });

  it('copies again with --checksum a snapshot whose copy was damaged in transfer, and publishes it', async () => {
    // Whole-second times, so that the damaged copy below keeps its time exactly and rsync's quick check passes it.
    const second0 = new Date('2026-11-01T00:00:00Z');
    first = workspace();
    writeTree(first.source, { 'www/index.html': '<h1>one</h1>\n', 'www/big.bin': Buffer.alloc(64 << 10, 7) });
    for (const file of ['www/index.html', 'www/big.bin']) utimesSync(join(first.source, file), second0, second0);
    await setUpRemoteHost(first, sshd, 'web1');
    const source = { names: [(await backUp(first)).snapshot.name] };
    second = await secondServer();
    // Killed just before the first replica's rename: its tree stays in .incomplete/ to resume.
    const killed = await replicate(second, [], { POBSYNC_FAULT: 'after-meta:kill' });
    expect(killed.code).not.toBe(0);
    // A glitch damaged a copied file: the same size and time, so rsync's quick check passes it.
    const damaged = join(second.backupRoot, 'web1', '.incomplete', source.names[0]!, 'data', first.source, 'www/index.html');
    expect(statSync(damaged).mtimeMs).toBe(second0.getTime());
    writeFileSync(damaged, '<h1>ONE</h1>\n');
    utimesSync(damaged, second0, second0);

    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.copied.map((snapshot: any) => snapshot.name)).toEqual(source.names);
    expect(outcome.skipped).toEqual([]);
    const copy = join(second.backupRoot, 'web1', source.names[0]!, 'data', first.source, 'www/index.html');
    expect(readFileSync(copy, 'utf8')).toBe('<h1>one</h1>\n');
    const log = readFileSync(outcome.run.logPath, 'utf8');
    expect(log).toContain(`${source.names[0]}: copying it again with --checksum`);
    expect(log).toContain(`${source.names[0]}: matches its manifest`);
  });

  it('pulls again with --checksum without touching the earlier replicas, although the peer changed a mode in between', async () => {
    const second0 = new Date('2026-11-01T00:00:00Z');
    first = workspace();
    writeTree(first.source, { 'etc/app.conf': 'listen 80\n', 'www/index.html': '<h1>one</h1>\n' });
    for (const file of ['etc/app.conf', 'www/index.html']) utimesSync(join(first.source, file), second0, second0);
    chmodSync(join(first.source, 'etc/app.conf'), 0o644);
    await setUpRemoteHost(first, sshd, 'web1');
    const one = (await backUp(first)).snapshot;
    second = await secondServer();
    await expectOk(replicate(second));
    const replicaConf = join(second.backupRoot, 'web1', one.name, 'data', first.source, 'etc/app.conf');
    writeTree(first.source, { 'www/index.html': '<h1>two, longer</h1>\n' });
    const two = (await backUp(first)).snapshot;

    // The next replication stops after its first pull, which linked the unchanged app.conf to the first replica.
    const running = second.start(['replicate', 'web1', '--from', peer(), ...remote(), '--json'], {
      env: { POBSYNC_FAULT: 'replica-pulled:stop' },
    });
    try {
      await waitFor('the replication to stop after its first pull', () =>
        readFileSync(`/proc/${running.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'),
      );
      const copy = join(second.backupRoot, 'web1', '.incomplete', two.name, 'data', first.source);
      expect(statSync(join(copy, 'etc/app.conf')).ino).toBe(statSync(replicaConf).ino);
      // A glitch damaged the changed file (its own inode), so the check fails and the copy is pulled
      // again; meanwhile the peer's app.conf got another mode (its content and time unchanged).
      const changed = join(copy, 'www/index.html');
      const { mtime } = statSync(changed);
      writeFileSync(changed, '<h1>TWO, LONGER</h1>\n');
      utimesSync(changed, mtime, mtime);
      chmodSync(join(two.path, 'data', first.source, 'etc/app.conf'), 0o600);
    } finally {
      running.kill('SIGCONT');
    }
    await new Promise((resolve) => running.once('exit', resolve));
    expect(running.exitCode, running.output()).toBe(0);
    const log = readFileSync(JSON.parse(running.stdout()).run.logPath, 'utf8');
    expect(log).toContain(`${two.name}: copying it again with --checksum`);
    // The new replica has the peer's new mode; the earlier one, published, keeps its own.
    const newConf = join(second.backupRoot, 'web1', two.name, 'data', first.source, 'etc/app.conf');
    expect(statSync(newConf).mode & 0o777).toBe(0o600);
    expect(statSync(replicaConf).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(second.backupRoot, 'web1', two.name, 'data', first.source, 'www/index.html'), 'utf8')).toBe(
      '<h1>two, longer</h1>\n',
    );
  });

  it('refuses a peer snapshot whose meta.json is a symlink, and never writes through it', async () => {
    const source = await firstServerWithHistory();
    second = await secondServer();
    // A hostile or broken peer: its newest snapshot's meta.json is a symlink to a file of this
    // server that reads as that snapshot's meta.json (another host's, say): publishing the copy
    // would write the replica's meta.json through it.
    const meta = join(source.paths[1]!, 'meta.json');
    const victim = join(second.dir, 'victim.json');
    const before = readFileSync(meta, 'utf8');
    writeFileSync(victim, before);
    rmSync(meta);
    symlinkSync(victim, meta);

    const result = await replicate(second);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).run.error).toContain(
      `${source.names[1]}: the copy is not shaped like a snapshot (meta.json: not a file)`,
    );
    expect(readFileSync(victim, 'utf8')).toBe(before);
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => snapshot.name)).toEqual([source.names[0]]);
  });

  it('after kill -9 in the middle of a replication, nothing half-copied is published and the next run completes it', async () => {
    const source = await firstServerWithHistory();
    second = await secondServer();

    // Killed after meta.json is written into the unfinished tree, just before its rename.
    const killed = await replicate(second, [], { POBSYNC_FAULT: 'after-meta:kill' });
    expect(killed.code).not.toBe(0);
    const hostDir = join(second.backupRoot, 'web1');
    expect(readdirSync(hostDir).filter((name) => !name.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(hostDir, '.incomplete'))).toEqual([source.names[0]]);

    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).copied.map((snapshot: any) => snapshot.name)).toEqual(source.names);
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => snapshot.name)).toEqual(source.names);
    expect(readdirSync(join(hostDir, '.incomplete'))).toEqual([]);
    const runs = await runsOf(second);
    expect(runs.map((run: any) => run.status)).toContain('interrupted');
  });

  it('refuses a peer whose host key is not pinned, and says how to pin it', async () => {
    await firstServerWithHistory();
    second = workspace();
    await setUpGlobal(second);
    await authorizeServerKey(second, sshd);

    const result = await replicate(second);
    expect(result.code).toBe(1);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.run.status).toBe('failed');
    expect(outcome.run.error).toContain(`pobsync trust-peer ${peer()}`);
    expect(await snapshotsOf(second, 'web1')).toEqual([]);
  });

  it('refuses a peer that is an ssh option, in one line, writing nothing', async () => {
    second = workspace();
    await setUpGlobal(second);
    const marker = join(second.dir, 'injected');
    const result = await second.run(['replicate', 'web1', `--from=-oProxyCommand=touch ${marker}`]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('is not allowed');
    expect(existsSync(marker)).toBe(false);
    expect(await second.json(['hosts'])).toEqual([]);
    expect(await runsOf(second)).toEqual([]);
    expect(existsSync(join(second.backupRoot, 'web1'))).toBe(false);
  });

  it('refuses a replicate schedule with a bad cron or time zone before it creates its host', async () => {
    second = workspace();
    await setUpGlobal(second);
    for (const bad of [
      ['--cron', '0 25 * * *'],
      ['--cron', '0 3 * * *', '--timezone', 'Mars/Olympus'],
    ]) {
      const result = await second.run(['schedule', 'web1', ...bad, '--replicate-from', 'root@127.0.0.1']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await second.json(['hosts'])).toEqual([]);
    expect(await second.json(['schedules'])).toEqual([]);
  });

  it('after kill -9 during rsync, the next run resumes the unfinished tree, unlinked from the replicas before it', async () => {
    const source = await firstServerWithHistory();
    writeTree(first.source, { 'www/large.bin': Buffer.alloc(12 << 20, 5) });
    const third = (await backUp(first)).snapshot;
    second = await secondServer();
    // The server's bandwidth limit holds for replications too: it keeps the large file in transfer for a while.
    await setUpGlobal(second, { defaultRsyncArgs: ['--bwlimit=2m'] });

    const running = second.start(['replicate', 'web1', '--from', peer(), ...remote()]);
    const unfinished = join(second.backupRoot, 'web1', '.incomplete');
    await waitFor('the large file to be in transfer', () => findFile(unfinished, (name) => name.startsWith('.large.bin.')));
    running.kill('SIGKILL');
    await new Promise((resolve) => running.once('exit', resolve));
    await waitFor('rsync to exit', () => !processRunning(`rsync.*${second.backupRoot}`));
    const hostDir = join(second.backupRoot, 'web1');
    expect(readdirSync(hostDir).filter((name) => !name.startsWith('.'))).toEqual(source.names);
    expect(readdirSync(unfinished)).toEqual([third.name]);

    await setUpGlobal(second, { defaultRsyncArgs: [] });
    const result = await replicate(second);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).copied.map((snapshot: any) => snapshot.name)).toEqual([third.name]);
    const log = readFileSync(JSON.parse(result.stdout).run.logPath, 'utf8');
    expect(log).toMatch(/resuming the unfinished tree/);
    expect(log).toMatch(/unlinked \d+ hard links? to earlier snapshots/);
    const big = join('data', first.source, 'www/big.bin');
    expect(files(join(hostDir, third.name)).get(big)!.ino).toBe(files(join(hostDir, source.names[1]!)).get(big)!.ino);
    const large = join('data', first.source, 'www/large.bin');
    expect(readFileSync(files(join(hostDir, third.name)).get(large)!.path).equals(Buffer.alloc(12 << 20, 5))).toBe(true);
    expect(readdirSync(unfinished)).toEqual([]);
  });

  it('never prunes the replica a running replication links against', async () => {
    const source = await firstServerWithHistory();
    second = await secondServer();
    await expectOk(replicate(second));
    writeTree(first.source, { 'www/third.txt': 'three\n' });
    const third = (await backUp(first)).snapshot;

    // The next replication stops (SIGSTOP) with the third copied and checked, just before its rename.
    const running = second.start(['replicate', 'web1', '--from', peer(), ...remote()], { env: { POBSYNC_FAULT: 'after-meta:stop' } });
    try {
      await waitFor('the replication to stop before its rename', () => {
        const meta = join(second.backupRoot, 'web1', '.incomplete', third.name, 'meta.json');
        return (
          existsSync(meta) &&
          readFileSync(meta, 'utf8').includes('"kind": "replica"') &&
          /\) T /.test(readFileSync(`/proc/${running.pid}/stat`, 'utf8'))
        );
      });
      const run = (await runsOf(second)).find((candidate: any) => candidate.status === 'running');
      expect(run).toMatchObject({ kind: 'replicate', base: source.names[1] });
      // The base is kept, and the plan says it is the base of the running replication.
      await expectOk(second.run(['retention', 'web1', '--keep-last', '1', '--save']));
      const plan = await second.json(['retention', 'web1']);
      const base = plan.entries.find((entry: any) => entry.name === source.names[1]);
      expect(base.action).toBe('keep');
      expect(base.reasons).toContain(`base of run #${run.id}`);
      const applied = await second.run(['retention', 'web1', '--apply', '--yes']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(existsSync(join(second.backupRoot, 'web1', source.names[1]!))).toBe(true);
      expect(existsSync(join(second.backupRoot, 'web1', source.names[0]!))).toBe(false);
    } finally {
      running.kill('SIGCONT');
    }
    await new Promise((resolve) => running.once('exit', resolve));
    expect(running.exitCode, running.output()).toBe(0);
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => snapshot.name)).toContain(third.name);
  });

  it('runs on a schedule: a replicate schedule fires for a host disabled for backups, and the worker copies', async () => {
    const source = await firstServerWithHistory();
    second = await secondServer();
    const schedule = await second.json(['schedule', 'web1', '--cron', '0 3 * * *', '--replicate-from', peer(), ...remote()]);
    expect(schedule).toMatchObject({ name: 'replicate', action: 'replicate', replicateFrom: peer(), hostEnabled: false });
    expect(schedule.nextFires.length).toBeGreaterThan(0);

    const app = await openApp(second.home);
    try {
      expect(await schedulerTick(app, new Date(Date.now() + 2 * 86_400_000), () => undefined)).toBe(1);
      const [queued] = await app.catalogue.em().find(RunSchema, {});
      expect(queued).toMatchObject({ kind: 'replicate', status: 'queued' });
    } finally {
      await app.close();
    }
    const worked = await second.run(['worker']);
    expect(worked.code, worked.stderr).toBe(0);
    expect((await snapshotsOf(second, 'web1')).map((snapshot: any) => [snapshot.name, snapshot.kind])).toEqual(
      source.names.map((name) => [name, 'replica']),
    );
  });
});
