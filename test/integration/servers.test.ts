/**
 * Two pobsync servers on one catalogue, as real processes: each its own home, keys, backup root
 * and server name, both on one SQLite file (POBSYNC_CATALOGUE), or on the MariaDB pass one
 * database, backing up over the loopback sshd at once. Each run lands in its own server's root; a server killed mid-run is recovered by
 * itself when it comes back, never by the other. A server replicates a host the other backs up:
 * each holds its own copy of each snapshot name, in the foreground or by its own worker.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS } from '../../source/services/schedule/lease.js';
import {
  backUp,
  exited,
  expectOk,
  findFile,
  runsOf,
  setUpGlobal,
  setUpHost,
  setUpRemoteHost,
  snapshotsOf,
  sshdForFile,
  statusOf,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const statIno = (path: string) => statSync(path).ino;

const sshd = sshdForFile();
let shared: string;
let alpha: Workspace;
let beta: Workspace;
const children: ChildProcess[] = [];

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
    const runs = async (): Promise<RunRow[]> => runsOf(beta);
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
        const report = await statusOf(beta);
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
    const db1Snapshots = await snapshotsOf(beta, 'db1');
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
    const [web1Snapshot] = await snapshotsOf(beta, 'web1');
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

  it('replicates a host the other server backs up: a copy of each name per server, restored, pruned and deleted per server', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pobsync-shared-'));
    alpha = server('alpha');
    beta = server('beta', alpha);
    writeTree(alpha.source, { 'etc/app.conf': 'one\n', 'www/big.bin': Buffer.alloc(64 << 10, 3) });
    await setUpRemoteHost(alpha, sshd, 'web1');
    const one = (await backUp(alpha)).snapshot;
    writeTree(alpha.source, { 'etc/app.conf': 'two\n' });
    const two = (await backUp(alpha)).snapshot;

    // beta: its own root, its key on alpha's sshd, alpha's host key pinned; the list comes from the catalogue.
    await expectOk(beta.run(['configure-global', '--backup-root', beta.backupRoot]));
    sshd.authorize((await beta.json(['key'])).authorizedKeysLine);
    const peer = `${sshd.user}@127.0.0.1:${sshd.port}`;
    await expectOk(beta.run(['trust-peer', peer, '--yes']));
    const replicated = await beta.run(['replicate', 'web1', '--from', peer, '--json']);
    expect(replicated.code, replicated.stderr).toBe(0);
    const outcome = JSON.parse(replicated.stdout);
    expect(outcome.run).toMatchObject({ kind: 'replicate', status: 'succeeded', server: 'beta' });
    expect(outcome.copied.map((copy: { name: string }) => copy.name)).toEqual([one.name, two.name]);
    expect(readFileSync(outcome.run.logPath, 'utf8')).toContain('reading the snapshots server alpha holds from this shared catalogue');

    // Both copies of each name are listed, each with its server; beta's in beta's root, hard-linked like a backup.
    type Listed = { name: string; server: string; kind: string; path: string; origin: { snapshot: string } | null };
    const listed = (): Promise<Listed[]> => snapshotsOf(alpha, 'web1');
    const copies = (rows: Listed[]) => rows.map((row) => `${row.name}@${row.server}`).sort();
    expect(copies(await listed())).toEqual([`${one.name}@alpha`, `${one.name}@beta`, `${two.name}@alpha`, `${two.name}@beta`].sort());
    const betas = (await listed()).filter((row) => row.server === 'beta');
    for (const row of betas) {
      expect(row).toMatchObject({ kind: 'replica', origin: { snapshot: row.name } });
      expect(row.path).toBe(join(beta.backupRoot, 'web1', row.name));
    }
    const big = (name: string) => join(beta.backupRoot, 'web1', name, 'data', alpha.source, 'www/big.bin');
    expect(statIno(big(two.name))).toBe(statIno(big(one.name)));

    // status counts each server's copies once, on the server that holds them, and names the other's.
    for (const [ws, self, other] of [
      [alpha, 'alpha', 'beta'],
      [beta, 'beta', 'alpha'],
    ] as const) {
      const report = await ws.json(['status']);
      expect(report.hosts.find((host: { host: string }) => host.host === 'web1')).toMatchObject({
        snapshotCount: 2,
        snapshotsByServer: { alpha: 2, beta: 2 },
        lastSnapshot: { name: two.name },
      });
      expect(report.totals).toMatchObject({ snapshots: 2, snapshotsByServer: { alpha: 2, beta: 2 } });
      const text = (await expectOk(ws.run(['status']))).stdout;
      expect(text).toMatch(new RegExp(`^web1 .* 2 \\(${other} 2\\) `, 'm'));
      expect(text).toContain(`1 host (1 enabled), 2 snapshots on ${self} (${other} 2),`);
      // Each server exports the copies it holds: summed over the servers, each copy counts once.
      const metrics = (await expectOk(ws.run(['metrics']))).stdout;
      expect(metrics).toMatch(/^pobsync_host_snapshots\{host="web1"\} 2$/m);
    }

    // A name is this server's copy; NAME@SERVER picks another's, refused where it is not held.
    const restored = join(beta.dir, 'restored');
    await expectOk(beta.run(['restore', 'web1', two.name, '--to', restored]));
    expect(readFileSync(join(restored, alpha.source, 'etc/app.conf'), 'utf8')).toBe('two\n');
    await expectOk(beta.run(['ls', 'web1', `${two.name}@beta`]));
    const theirs = await beta.run(['ls', 'web1', `${two.name}@alpha`]);
    expect(theirs.code).toBe(2);
    expect(theirs.stderr).toContain(`snapshot ${two.name} of web1 is held by server alpha`);
    await expectOk(alpha.run(['ls', 'web1', two.name]));

    // Retention on beta removes beta's copies only.
    await expectOk(beta.run(['retention', 'web1', '--keep-last', '1', '--kind', 'all', '--apply', '--yes']));
    expect(copies(await listed())).toEqual([`${one.name}@alpha`, `${two.name}@alpha`, `${two.name}@beta`].sort());
    expect(existsSync(one.path)).toBe(true);
    expect(existsSync(join(beta.backupRoot, 'web1', one.name))).toBe(false);

    // Deleting on alpha leaves beta's copy of that name.
    await expectOk(alpha.run(['snapshot', 'delete', 'web1', two.name, '--yes']));
    expect(copies(await listed())).toEqual([`${one.name}@alpha`, `${two.name}@beta`].sort());
    expect(existsSync(two.path)).toBe(false);
    expect(readFileSync(join(beta.backupRoot, 'web1', two.name, 'data', alpha.source, 'etc/app.conf'), 'utf8')).toBe('two\n');

    // A replication queued on beta is for beta's worker (test/integration/scheduler.test.ts: never alpha's), which copies the new snapshot.
    writeTree(alpha.source, { 'etc/app.conf': 'three\n' });
    const three = (await backUp(alpha)).snapshot;
    // Named by its server: alpha says how it is reached, once, on alpha.
    await expectOk(alpha.run(['configure-global', '--server-address', peer]));
    const { runId } = await beta.json(['replicate', 'web1', '--from', 'alpha', '--queue']);
    const run = async (): Promise<RunRow | undefined> => (await runsOf(beta)).find((row: RunRow) => row.id === runId);
    await expectOk(beta.run(['worker']));
    expect(await run()).toMatchObject({ status: 'succeeded', server: 'beta' });
    expect(copies(await listed())).toEqual([`${one.name}@alpha`, `${two.name}@beta`, `${three.name}@alpha`, `${three.name}@beta`].sort());
    expect((await beta.json(['status'])).servers.find((one: { name: string }) => one.name === 'alpha').address).toBe(peer);
  });

  it('replicate --from a server without an address says how to set it, in one line, writing nothing', async () => {
    shared = mkdtempSync(join(tmpdir(), 'pobsync-shared-'));
    alpha = server('alpha');
    beta = server('beta', alpha);
    await setUpGlobal(alpha);
    await setUpGlobal(beta);
    const runsBefore = await beta.json(['runs']);

    for (const extra of [[], ['--queue']]) {
      const refused = await beta.run(['replicate', 'web9', '--from', 'alpha', ...extra]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        'pobsync: server alpha has no address in the catalogue: on alpha, run "pobsync configure-global --server-address ' +
          'user@address[:port]" (how this server reaches it over ssh), or give --from user@address[:port]\n',
      );
    }
    const schedule = await beta.run(['schedule', 'web9', '--cron', '0 3 * * *', '--replicate-from', 'alpha']);
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toContain('server alpha has no address in the catalogue');
    const unknown = await beta.run(['replicate', 'web9', '--from', 'gamma']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown server "gamma"');
    const itself = await beta.run(['replicate', 'web9', '--from', 'beta']);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toContain('--from beta names this server');
    // Nothing written: no host made, no run.
    expect((await beta.json(['hosts'])).map((host: { name: string }) => host.name)).not.toContain('web9');
    expect(await beta.json(['runs'])).toEqual(runsBefore);
  });
});
