/**
 * Two pobsync servers on one catalogue, as real processes: each its own home, keys, backup root
 * and server name, both on one SQLite file (POBSYNC_CATALOGUE), or on the MariaDB pass one
 * database, backing up over the loopback sshd at once. Each run lands in its own server's root; a server killed mid-run is recovered by
 * itself when it comes back, never by the other.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS } from '../../source/services/schedule/lease.js';
import { exited, findFile, setUpHost, setUpRemoteHost, type Workspace, waitFor, workspace, writeTree } from '../helpers/pobsync.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

let sshd: TestSshd;
let shared: string;
let alpha: Workspace;
let beta: Workspace;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  alpha?.cleanup();
  beta?.cleanup();
  if (shared) rmSync(shared, { recursive: true, force: true });
});

/** A workspace that is server `name`, on the catalogue of `sharing` (if given): a SQLite file in `shared`, or its MariaDB database. */
function server(name: string, sharing?: Workspace): Workspace {
  const ws = workspace();
  const url = (sharing ?? ws).env['POBSYNC_DATABASE_URL'];
  Object.assign(ws.env, {
    POBSYNC_SERVER_NAME: name,
    ...(url ? { POBSYNC_DATABASE_URL: url } : { POBSYNC_CATALOGUE: join(shared, 'pobsync.sqlite') }),
  });
  return ws;
}

function daemon(ws: Workspace): ChildProcess & { stdout(): string; output(): string } {
  const child = ws.start(['daemon', '--interval', '1']);
  children.push(child);
  return child;
}

interface RunRow {
  id: number;
  host: string;
  status: string;
  pid: number | null;
  server: string | null;
  logPath: string | null;
}

describe('several servers on one catalogue', () => {
  it('each backs up its own hosts into its own root; a server killed mid-run recovers its run itself', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pobsync-shared-'));
    alpha = server('alpha');
    beta = server('beta', alpha);
    writeTree(alpha.source, { 'large.bin': Buffer.alloc(24 << 20, 1) });
    writeTree(beta.source, { 'large.bin': Buffer.alloc(24 << 20, 2) });
    // Each host is made on its server, so it is assigned to it. About 24 s of transfer each: the two daemons start seconds
    // apart on a loaded machine, and db1 at 4 MB/s (6 s) could end before web1's run began. (A MariaDB pass at a load of 14
    // failed before this test's first status poll, so in one of the two waits below; this was the likely one.)
    await setUpRemoteHost(alpha, sshd, 'web1', { rsyncArgs: ['--bwlimit=1m'] });
    await setUpRemoteHost(beta, sshd, 'db1', { rsyncArgs: ['--bwlimit=1m'] });
    const hosts = await alpha.json(['hosts']);
    expect(hosts.map((host: { name: string; server: string }) => [host.name, host.server])).toEqual([
      ['db1', 'beta'],
      ['web1', 'alpha'],
    ]);

    // Both queued from one server: each host's run goes to its own server's worker.
    const web1Run = (await alpha.json(['backup', 'web1', '--queue'])).runId;
    const db1Run = (await alpha.json(['backup', 'db1', '--queue'])).runId;
    const first = daemon(alpha);
    const second = daemon(beta);
    const runs = async (): Promise<RunRow[]> => beta.json(['runs', '--limit', '1000']);
    const both = await waitFor(
      'both runs to run at once',
      async () => {
        const rows = await runs();
        const running = rows.filter((run) => run.status === 'running');
        return running.length === 2 ? running : undefined;
      },
      60_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\nruns: ${JSON.stringify(await runs())}\nalpha: ${first.output()}\nbeta: ${second.output()}`);
    });
    expect(both.find((run) => run.id === web1Run)).toMatchObject({ server: 'alpha', pid: first.pid });
    expect(both.find((run) => run.id === db1Run)).toMatchObject({ server: 'beta', pid: second.pid });

    // kill -9 alpha in the middle of web1's transfer.
    await waitFor(
      'web1 to be in transfer',
      () => findFile(join(alpha.backupRoot, 'web1', '.incomplete'), (name) => name.startsWith('.large.bin.')),
      60_000,
    );
    first.kill('SIGKILL');
    await exited(first);

    // One scheduler lease over both servers; each its own root and heartbeat.
    // With alpha gone, beta holds the one lease (if alpha held it, beta takes it over).
    // If alpha held it, it expires up to a lease time (30 s) after alpha's last renewal, and a status poll on a loaded
    // machine takes seconds more: the wait's 30 s default could end first.
    const status = await waitFor(
      'beta to hold the scheduler lease',
      async () => {
        const report = await beta.json(['status']);
        return report.scheduler?.live && report.scheduler.pid === second.pid ? report : undefined;
      },
      LEASE_TTL_MS + 60_000,
    );
    expect(status.server).toBe('beta');
    expect(status.scheduler.server).toBe('beta');
    expect(status.servers.map((one: { name: string; backupRoot: string }) => [one.name, one.backupRoot])).toEqual([
      ['alpha', alpha.backupRoot],
      ['beta', beta.backupRoot],
    ]);
    expect(status.servers.find((one: { name: string }) => one.name === 'beta')).toMatchObject({ state: 'up', pid: second.pid });

    // beta carries on: db1's run ends in beta's root, and beta runs another after alpha died.
    await waitFor('db1 to be backed up', async () => (await runs()).find((run) => run.id === db1Run && run.status === 'succeeded'), 60_000);
    await setUpHost(beta, 'db1', { rsyncArgs: [] });
    const db1Again = (await beta.json(['backup', 'db1', '--queue'])).runId;
    await waitFor('db1 to be backed up again', async () => (await runs()).find((run) => run.id === db1Again && run.status === 'succeeded'));
    // beta's worker looked for stuck runs on every claim since, and left alpha's alone.
    expect((await runs()).find((run) => run.id === web1Run)).toMatchObject({ status: 'running', server: 'alpha', pid: first.pid });
    expect(second.stdout()).not.toContain(`run #${web1Run}`);
    const db1Snapshots = await beta.json(['snapshots', 'db1']);
    expect(db1Snapshots).toHaveLength(2);
    for (const snapshot of db1Snapshots) {
      expect(snapshot.path.startsWith(`${beta.backupRoot}/db1/`)).toBe(true);
      expect(snapshot.server).toBe('beta');
    }

    // alpha comes back: it recovers its own run, and the next one resumes its tree in alpha's root.
    await setUpHost(alpha, 'web1', { rsyncArgs: [] });
    const back = daemon(alpha);
    await waitFor('alpha to recover its run', () => back.stdout().includes(`recovered: run #${web1Run} of web1`));
    expect((await runs()).find((run) => run.id === web1Run)).toMatchObject({ status: 'interrupted' });
    const web1Again = (await beta.json(['backup', 'web1', '--queue'])).runId;
    const done = await waitFor('web1 to be backed up on alpha', async () =>
      (await runs()).find((run) => run.id === web1Again && run.status === 'succeeded'),
    );
    expect(done.server).toBe('alpha');
    const [web1Snapshot] = await beta.json(['snapshots', 'web1']);
    expect(web1Snapshot.server).toBe('alpha');
    expect(web1Snapshot.path.startsWith(`${alpha.backupRoot}/web1/`)).toBe(true);

    // From beta, alpha's snapshot and host are refused in one line saying where they are.
    const listed = await beta.run(['ls', 'web1', web1Snapshot.name]);
    expect(listed.code).toBe(2);
    expect(listed.stderr.trim()).toBe(
      `pobsync: snapshot ${web1Snapshot.name} of web1 is held by server alpha (its backup root ${alpha.backupRoot}): run this there; ` +
        'this is beta',
    );
    const restored = await beta.run(['restore', 'web1', web1Snapshot.name, '--to', join(beta.dir, 'restored')]);
    expect(restored.code).toBe(2);
    expect(restored.stderr).toContain('is held by server alpha');
    const foreground = await beta.run(['backup', 'web1']);
    expect(foreground.code).toBe(2);
    expect(foreground.stderr).toContain('host "web1" is backed up by server alpha, this is beta');

    for (const child of [back, second]) child.kill('SIGTERM');
    expect(await exited(back)).toBe(0);
    expect(await exited(second)).toBe(0);
  }, 300_000); // two daemons, a kill and a recovery: longer than one run under load
});
