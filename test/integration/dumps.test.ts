/**
 * Database dumps in a backup, over the test sshd: each dump command runs on the host before
 * the files are pulled, and its stdout lands in the snapshot's dumps/ byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { peakMemory, sha256 } from '../helpers/files.js';
import {
  expectOk,
  setUpGlobal,
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

const MiB = 1 << 20;

function dumpInProgress(ws: Workspace, name: string): string | undefined {
  const incomplete = join(ws.backupRoot, 'web1', '.incomplete');
  if (!existsSync(incomplete)) return undefined;
  const tree = readdirSync(incomplete).find((entry) => existsSync(join(incomplete, entry, 'dumps', name)));
  return tree && join(incomplete, tree, 'dumps', name);
}

describe('database dumps', () => {
  it('stream a 50 MB dump into the snapshot byte for byte, with bounded memory', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/app.conf': 'db=app\n' });
    const head = randomBytes(MiB);
    const body = randomBytes(50 * MiB);
    writeFileSync(join(ws.dir, 'head.bin'), head);
    writeFileSync(join(ws.dir, 'body.bin'), body);
    const go = join(ws.dir, 'go');
    const release = join(ws.dir, 'release');
    // The dump pauses after 1 MiB and again at the end, so the test reads pobsync's memory
    // high-water mark before and after the 50 MB went through.
    // Each wait also ends when the workspace is gone, so a failed test leaves no loop behind.
    const command =
      `cat ${ws.dir}/head.bin; until [ -e ${go} ] || [ ! -d ${ws.dir} ]; do sleep 0.05; done; cat ${ws.dir}/body.bin; ` +
      `until [ -e ${release} ] || [ ! -d ${ws.dir} ]; do sleep 0.05; done`;
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: [`db.bin=${command}`] });

    const backup = ws.start(['backup', 'web1', '--json']);
    const exited = new Promise((resolve) => backup.on('exit', resolve));
    const file = await waitFor('the first MiB of the dump', () => {
      const path = dumpInProgress(ws, 'db.bin');
      return path && statSync(path).size === MiB ? path : undefined;
    });
    const before = peakMemory(backup.pid!);
    writeFileSync(go, '');
    await waitFor('the whole dump', () => statSync(file).size === 51 * MiB);
    const after = peakMemory(backup.pid!);
    writeFileSync(release, '');

    expect(await exited).toBe(0);
    // Holding the stream in memory would add at least 50 MB.
    expect(after - before).toBeLessThan(20 * MiB);
    const { run, snapshot } = JSON.parse(backup.stdout());
    expect(run.status).toBe('succeeded');
    const dump = join(snapshot.path, 'dumps', 'db.bin');
    expect(await sha256(dump)).toBe(createHash('sha256').update(head).update(body).digest('hex'));
    expect(statSync(dump).mode & 0o777).toBe(0o600);
    expect(snapshot.dumps).toEqual([{ name: 'db.bin', bytes: 51 * MiB }]);
    expect(JSON.parse(readFileSync(join(snapshot.path, 'meta.json'), 'utf8')).dumps).toEqual([{ name: 'db.bin', bytes: 51 * MiB }]);
    expect(readFileSync(join(snapshot.path, 'data', ws.source, 'etc/app.conf'), 'utf8')).toBe('db=app\n');
    const listed = await ws.run(['snapshots', 'web1']);
    expect(listed.stdout).toMatch(/DUMPS/);
    expect(listed.stdout).toContain('db.bin 51 MiB');
  });

  it('run each command on the host through ssh, as one argument exactly as configured, in order', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    const marker = join(ws.dir, 'order');
    await setUpRemoteHost(ws, sshd, 'web1', {
      dumps: [
        `first.txt=printf '%s|' 'a  b' "c;d" "$SSH_CONNECTION" >&1; echo first >> ${marker}`,
        `second.txt=echo second >> ${marker}; echo to-the-log >&2; printf done`,
      ],
    });
    expect((await ws.json(['host', 'web1'])).dumps.map((dump: { name: string }) => dump.name)).toEqual(['first.txt', 'second.txt']);

    const { run, snapshot } = await ws.json(['backup', 'web1']);

    const [quoted, spaced, connection] = readFileSync(join(snapshot.path, 'dumps/first.txt'), 'utf8').split('|');
    expect([quoted, spaced]).toEqual(['a  b', 'c;d']);
    // Set by sshd: the command ran in the ssh session, not in a local shell.
    expect(connection).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
    expect(readFileSync(join(snapshot.path, 'dumps/second.txt'), 'utf8')).toBe('done');
    expect(readFileSync(marker, 'utf8')).toBe('first\nsecond\n');
    expect(readFileSync(run.logPath, 'utf8')).toContain('to-the-log');
    expect(snapshot.dumps).toEqual([
      { name: 'first.txt', bytes: statSync(join(snapshot.path, 'dumps/first.txt')).size },
      { name: 'second.txt', bytes: 4 },
    ]);
  });

  it('fail the run when a dump exits non-zero, naming the dump and its exit code, and make no snapshot', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    const never = join(ws.dir, 'never');
    await setUpRemoteHost(ws, sshd, 'web1', {
      dumps: [
        'ok.sql=echo fine',
        'app.sql=echo half a dump; echo "pg_dump: error: connection refused" >&2; exit 3',
        `later.sql=touch ${never}`,
      ],
    });

    const result = await ws.run(['backup', 'web1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dump "app\.sql" failed: its command exited with code 3 \(pg_dump: error: connection refused\)/);
    expect(existsSync(never)).toBe(false);
    const [run] = await ws.json(['runs']);
    expect(run).toMatchObject({ status: 'failed', snapshot: null });
    expect(run.error).toMatch(/^dump "app\.sql" failed: its command exited with code 3/);
    expect(readFileSync(run.logPath, 'utf8')).toContain('pg_dump: error: connection refused');
    expect(await ws.json(['snapshots', 'web1'])).toEqual([]);
    expect(readdirSync(join(ws.backupRoot, 'web1'))).toEqual(['.incomplete']);

    // Fixed, the next run resumes the unfinished tree and publishes only the dumps configured now.
    await setUpHost(ws, 'web1', { dumps: ['app.sql=echo whole dump'] });
    const { snapshot } = await ws.json(['backup', 'web1']);
    expect(readdirSync(join(snapshot.path, 'dumps'))).toEqual(['app.sql']);
    expect(readFileSync(join(snapshot.path, 'dumps/app.sql'), 'utf8')).toBe('whole dump\n');
    expect(snapshot.status).toBe('complete');
  });

  it('run locally with sh -c for a local host, and can be cleared', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    await setUpHost(ws, 'srv1', { address: 'local', sources: [ws.source], dumps: ['env.txt=echo "${SSH_CONNECTION:-none}" $((6 * 7))'] });
    const { snapshot } = await ws.json(['backup', 'srv1']);
    expect(readFileSync(join(snapshot.path, 'dumps/env.txt'), 'utf8')).toBe('none 42\n');

    // Through the CLI: --clear-dumps is what this test is about.
    await expectOk(ws.run(['configure-host', 'srv1', '--clear-dumps']));
    expect((await ws.json(['host', 'srv1'])).dumps).toEqual([]);
    const second = (await ws.json(['backup', 'srv1'])).snapshot;
    expect(existsSync(join(second.path, 'dumps'))).toBe(false);
    expect(second.dumps).toEqual([]);
  });
});
