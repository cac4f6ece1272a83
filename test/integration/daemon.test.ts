/**
 * The daemon and workers as real processes on one catalogue: one scheduler at a time, crash
 * recovery after kill -9, cancel from another process, and the concurrency limits.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { openApp } from '../../source/services/app.js';
import type { HostInput } from '../../source/services/hosts/hosts.js';
import { queueBackup } from '../../source/services/runs/queue.js';
import {
  exited,
  findFile,
  setUpGlobal,
  setUpHost,
  setUpRemoteHost,
  setUpSchedule,
  sshdForFile,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const sshd = sshdForFile();

interface RunRow {
  id: number;
  host: string;
  status: string;
  pid: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  logPath: string | null;
}

/**
 * A workspace of the test's own, with its daemons and workers killed and its directory removed
 * when the test ends. The tests share nothing else, so they run side by side: most of their time
 * is spent waiting on a daemon's interval, a lease or a bandwidth-limited transfer.
 */
function daemonWorkspace(onTestFinished: TestContext['onTestFinished']) {
  const ws = workspace();
  const children: ChildProcess[] = [];
  onTestFinished(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    ws.cleanup();
  });
  return {
    ws,
    daemon(args: string[] = []) {
      const child = ws.start(['daemon', '--interval', '1', ...args]);
      children.push(child);
      return child;
    },
    worker() {
      const child = ws.start(['worker']);
      children.push(child);
      return child;
    },
    runs: async (): Promise<RunRow[]> => ws.json(['runs', '--limit', '1000']),
    async setUpWorkerHost(name: string, host: HostInput = {}): Promise<void> {
      await setUpHost(ws, name, { address: 'local', sources: [ws.source], ...host });
    },
  };
}

describe.concurrent('pobsync daemon', () => {
  it('schedules from exactly one of two daemons on one catalogue, and the other takes over when it stops', async ({ onTestFinished }) => {
    const { ws, daemon, runs, setUpWorkerHost } = daemonWorkspace(onTestFinished);
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    await setUpWorkerHost('web1');
    await setUpSchedule(ws, 'web1', { cron: '*/2 * * * * *' });

    const first = daemon();
    await waitFor('the first daemon to take the lease', () => first.stdout().includes('scheduler lease acquired'));
    const second = daemon();
    await waitFor('the second daemon to stand by', () => second.stdout().includes('standing by'));
    await waitFor('three fires', async () => (await runs()).length >= 3);

    expect(first.stdout()).toMatch(/fired: web1\/default fired for/);
    expect(second.stdout()).not.toMatch(/fired:/);
    const status = await ws.json(['status']);
    expect(status.scheduler).toMatchObject({ pid: first.pid, role: 'daemon', live: true });
    const before = await runs();
    expect(before.every((run) => run.pid === first.pid || run.status === 'skipped' || run.status === 'queued')).toBe(true);

    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    await waitFor('the second daemon to take over', () => second.stdout().includes('scheduler lease acquired'), 60_000);
    await waitFor('a fire from the second daemon', () => /fired: web1\/default/.test(second.stdout()));
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    expect(first.stdout()).toContain('shutdown: stopped');
  });

  it('after kill -9 mid-backup, a new daemon marks the run interrupted and the next run resumes its tree', async ({ onTestFinished }) => {
    const { ws, daemon, runs } = daemonWorkspace(onTestFinished);
    writeTree(ws.source, { 'large.bin': Buffer.alloc(24 << 20, 3) });
    await setUpRemoteHost(ws, sshd, 'web1', { rsyncArgs: ['--bwlimit=4m'] });
    const { runId } = await ws.json(['backup', 'web1', '--queue']);

    const first = daemon();
    const incomplete = join(ws.backupRoot, 'web1', '.incomplete');
    await waitFor('the large file to be in transfer', () => findFile(incomplete, (name) => name.startsWith('.large.bin.')));
    first.kill('SIGKILL');
    await exited(first);
    expect((await runs())[0]).toMatchObject({ id: runId, status: 'running', pid: first.pid });

    await setUpHost(ws, 'web1', { rsyncArgs: [] });
    const second = daemon();
    await waitFor('recovery of the dead run', () => second.stdout().includes(`recovered: run #${runId} of web1`));
    expect((await runs()).find((run) => run.id === runId)).toMatchObject({ status: 'interrupted' });

    const next = (await ws.json(['backup', 'web1', '--queue'])).runId;
    const done = await waitFor('the next run to finish', async () =>
      (await runs()).find((run) => run.id === next && run.status !== 'queued' && run.status !== 'running'),
    );
    expect(done.status).toBe('succeeded');
    expect(readFileSync(done.logPath!, 'utf8')).toContain('resuming the unfinished tree');
    const [snapshot] = await ws.json(['snapshots', 'web1']);
    expect(statSync(join(snapshot.path, 'data', ws.source, 'large.bin')).size).toBe(24 << 20);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  });

  it('recovers, while it runs, a run whose foreground process was killed, so the host is not blocked', async ({ onTestFinished }) => {
    const { ws, daemon, runs, setUpWorkerHost } = daemonWorkspace(onTestFinished);
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    await setUpWorkerHost('web1', { dumps: ['wait.txt=sleep 60'] });
    const running = daemon();
    await waitFor('the daemon to take the lease', () => running.stdout().includes('scheduler lease acquired'));

    const foreground = ws.start(['backup', 'web1']);
    const run = await waitFor('the foreground run', async () => (await runs()).find((each) => each.status === 'running'));
    foreground.kill('SIGKILL');
    await waitFor('the daemon to recover it', () => running.stdout().includes(`recovered: run #${run.id} of web1`), 30_000);
    expect((await runs()).find((each) => each.id === run.id)).toMatchObject({ status: 'interrupted' });

    await setUpHost(ws, 'web1', { dumps: [] });
    const next = (await ws.json(['backup', 'web1', '--queue'])).runId;
    await waitFor(
      'the host to be backed up again',
      async () => (await runs()).find((each) => each.id === next && each.status === 'succeeded'),
      60_000,
    );
    running.kill('SIGTERM');
    expect(await exited(running)).toBe(0);
  });

  it('stops a running backup when another process cancels it', async ({ onTestFinished }) => {
    const { ws, daemon, runs } = daemonWorkspace(onTestFinished);
    // 64 MB at 512 KB/s: two minutes, far longer than the checks below take on a busy machine; cancelled at their end.
    writeTree(ws.source, { 'large.bin': Buffer.alloc(64 << 20, 4) });
    await setUpRemoteHost(ws, sshd, 'web1', { rsyncArgs: ['--bwlimit=512'] });
    const { runId } = await ws.json(['backup', 'web1', '--queue']);
    const running = daemon();
    // In transfer: rsync writes the large file into the unfinished tree (a run is "running" before its tree exists).
    const incomplete = join(ws.backupRoot, 'web1', '.incomplete');
    await waitFor('the run to transfer', () => findFile(incomplete, (name) => name.startsWith('.large.bin.')));

    const cancel = await ws.run(['cancel', String(runId)]);

    expect(cancel).toMatchObject({ code: 0, stdout: `run #${runId}: cancelled\n` });
    expect((await runs()).find((run) => run.id === runId)).toMatchObject({ status: 'cancelled' });
    expect(existsSync(join(ws.backupRoot, 'web1', '.incomplete'))).toBe(true);
    expect(running.exitCode).toBeNull();
    await waitFor('the daemon to log the end', () => running.stdout().includes(`run #${runId} web1 cancelled`));
    running.kill('SIGTERM');
    expect(await exited(running)).toBe(0);
  });

  it('runs 20 queued backups of 5 hosts with two workers: never more than 2 at once, never 2 for one host', async ({ onTestFinished }) => {
    const { ws, runs, setUpWorkerHost, worker } = daemonWorkspace(onTestFinished);
    writeTree(ws.source, { 'half-mb.bin': Buffer.alloc(512 << 10, 5) });
    await setUpGlobal(ws, { maxConcurrent: '2' });
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5'];
    // --ignore-times copies the file every run, and the limit makes each run take about a second.
    for (const host of hosts) await setUpWorkerHost(host, { rsyncArgs: ['--ignore-times', '--bwlimit=512'] });
    const app = await openApp(ws.home);
    for (let round = 0; round < 4; round += 1) for (const host of hosts) await queueBackup(app, host);
    await app.close();

    const workers = [worker(), worker()];
    expect(await Promise.all(workers.map(exited))).toEqual([0, 0]);

    const all = await runs();
    expect(all).toHaveLength(20);
    expect(all.map((run) => run.status)).toEqual(Array(20).fill('succeeded'));
    const events = all.flatMap((run) => [
      { at: Date.parse(run.startedAt!), delta: 1, host: run.host },
      { at: Date.parse(run.finishedAt!), delta: -1, host: run.host },
    ]);
    // Ends sort before starts at the same instant: a slot freed and taken in one millisecond.
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let peak = 0;
    const perHost = new Map<string, number>();
    for (const event of events) {
      running += event.delta;
      peak = Math.max(peak, running);
      const count = (perHost.get(event.host) ?? 0) + event.delta;
      perHost.set(event.host, count);
      expect(count, `two runs of ${event.host} overlap`).toBeLessThanOrEqual(1);
    }
    // A per-process limit would let the second worker run two more at once.
    expect(peak).toBe(2);
  });
});
