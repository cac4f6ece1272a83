/**
 * The TUI in a real terminal (tmux), measured from outside:
 *
 *   first frame   `pobsync` on a catalogue of 200 hosts and 50,000 snapshots, until the host list
 *                 is drawn, against `pobsync status --json` on the same catalogue (goal: at most 1.5x);
 *                 and until anything is drawn (goal: well under a second, no blank second first).
 *   idle          the TUI on that catalogue with nothing running: its CPU over 10 s once it has
 *                 settled (goal: under 2% of one core).
 *   streaming     a running run whose log grows by 20,000 lines a second: the TUI's CPU (goal
 *                 < 60% of one core), its memory after each 200,000 lines (goal: at most +10% from
 *                 200k to 1M), and how long a key takes to change the screen (goal: at most 1.5x
 *                 the baseline at the median and 3x at the worst),
 *                 against the same key round trip through `cat` in the same tmux.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { openApp } from '../../source/services/app.js';
import { type BenchOptions, CLI, loadAverage, median, ms, seconds, verdict } from './common.js';
import { catalogueWithSnapshots } from './fixtures.js';

const run = promisify(execFile);
const SOCKET = `pobsync-bench-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const capture = async (target: string) => (await run('tmux', ['-L', SOCKET, 'capture-pane', '-p', '-t', target])).stdout;

/** Polls the screen until `match`; returns the seconds it took, from `since`. */
async function waitForScreen(target: string, match: (screen: string) => boolean, since: bigint, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    const screen = await capture(target);
    if (match(screen)) return Number(process.hrtime.bigint() - since) / 1e9;
    if (Number(process.hrtime.bigint() - since) / 1e6 > timeoutMs)
      throw new Error(`screen of ${target} never matched; it shows:\n${screen}`);
    await sleep(5);
  }
}

async function keyLatency(target: string, key: string, match: (screen: string) => boolean): Promise<number> {
  const start = process.hrtime.bigint();
  tmux('send-keys', '-t', target, key);
  return waitForScreen(target, match, start, 10_000);
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((each) => each.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

async function catalogue(dir: string, hosts: number, snapshotsPerHost: number): Promise<string> {
  const home = join(dir, 'home');
  await catalogueWithSnapshots(home, { hosts, snapshotsPerHost, backupRoot: join(dir, 'backups') });
  return home;
}

/** The TUI started in a new tmux window: seconds until anything is drawn and until the host list is. */
async function startTui(window: string, home: string, hosts: number): Promise<{ drawn: number; listed: number }> {
  const start = process.hrtime.bigint();
  tmux('new-window', '-t', 'bench', '-n', window, `exec env POBSYNC_HOME=${home} ${process.execPath} ${CLI}`);
  const drawn = await waitForScreen(`bench:${window}`, (screen) => screen.trim() !== '', start);
  const listed = await waitForScreen(
    `bench:${window}`,
    (screen) => screen.includes(`Hosts (${hosts})`) && screen.includes('host000'),
    start,
  );
  return { drawn, listed };
}

async function firstFrame(home: string): Promise<void> {
  const env = { ...process.env, POBSYNC_HOME: home };
  const frames: number[] = [];
  const drawn: number[] = [];
  const statuses: number[] = [];
  const rounds = Number(process.env['BENCH_TUI_ROUNDS'] ?? 5);
  const load = loadAverage();
  for (let round = 0; round < rounds; round += 1) {
    statuses.push(seconds(() => spawnSync(process.execPath, [CLI, 'status', '--json'], { env, maxBuffer: 1 << 28 })));
    const times = await startTui(`ui${round}`, home, 200);
    frames.push(times.listed);
    drawn.push(times.drawn);
    tmux('send-keys', '-t', `bench:ui${round}`, 'q');
    await sleep(1500);
  }
  console.log(`\ntui: first frame, 200 hosts / 50,000 snapshots, 120x40, median of ${rounds} (load average ${load})`);
  console.log(
    `  first frame            baseline (pobsync status --json) ${median(statuses).toFixed(2)} s   TUI ${median(frames).toFixed(2)} s` +
      `   ratio ${(median(frames) / median(statuses)).toFixed(2)}` +
      `   goal ratio <= 1.5: ${verdict(median(frames) <= 1.5 * median(statuses))}`,
  );
  console.log(
    `  anything drawn         TUI ${median(drawn).toFixed(2)} s (worst ${Math.max(...drawn).toFixed(2)} s), then the host list` +
      `   goal before the host list and under 1 s: ${verdict(median(drawn) < median(frames) && Math.max(...drawn) < 1)}`,
  );
}

/** The TUI with nothing to do: what its polls, its clock and the scheduler cost while nothing changes. */
async function idle(home: string): Promise<void> {
  await startTui('idle', home, 200);
  const pid = Number(tmux('display-message', '-p', '-t', 'bench:idle', '#{pane_pid}').trim());
  // Settled: the scheduler and worker have started and made their first rounds.
  await sleep(5000);
  const ticks = cpuTicks(pid);
  const start = process.hrtime.bigint();
  await sleep(10_000);
  const cpu = (cpuTicks(pid) - ticks) / 100 / (Number(process.hrtime.bigint() - start) / 1e9);
  tmux('send-keys', '-t', 'bench:idle', 'q');
  await sleep(1500);
  console.log(`\ntui: idle, 200 hosts / 50,000 snapshots, nothing running, over 10 s`);
  console.log(`  cpu of the TUI         ${(cpu * 100).toFixed(1)}% of one core   goal < 2%: ${verdict(cpu < 0.02)}`);
}

async function streaming(dir: string): Promise<void> {
  const home = await catalogue(dir, 1, 10);
  const logPath = join(home, 'logs', '1.log');
  mkdirSync(join(home, 'logs'), { recursive: true });
  const app = await openApp(home);
  // A run that looks alive (this process holds it), so the TUI selects it and tails its log.
  await app.catalogue
    .em()
    .getConnection()
    .execute(
      `insert into run (id, host_id, kind, status, queued_at, started_at, pid, node, log_path, prune, cancel_requested)
       values (1, 1, 'manual', 'running', ?, ?, ?, ?, ?, 0, 0)`,
      [Date.now(), Date.now(), process.pid, hostname(), logPath],
    );
  await app.close();

  tmux('new-window', '-t', 'bench', '-n', 'cat', 'exec cat');
  // BENCH_TUI_NODE_OPTIONS (e.g. --max-old-space-size=96) checks the heap stays bounded.
  tmux(
    'new-window',
    '-t',
    'bench',
    '-n',
    'stream',
    `exec env POBSYNC_HOME=${home} ${process.execPath} ${process.env['BENCH_TUI_NODE_OPTIONS'] ?? ''} ${CLI}`,
  );
  const pid = Number(tmux('display-message', '-p', '-t', 'bench:stream', '#{pane_pid}').trim());
  await waitForScreen('bench:stream', (screen) => screen.includes('log of run #1'), process.hrtime.bigint());

  // The writer is a process of its own, so this one can poll the screen without stalling it.
  const linesPerSecond = 20_000;
  const total = Number(process.env['BENCH_TUI_LINES'] ?? 1_000_000);
  const writer = spawn(process.execPath, [
    '-e',
    `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(logPath)}, 'a'); let n = 0;
     const timer = setInterval(() => {
       let chunk = '';
       for (let i = 0; i < ${linesPerSecond / 10}; i += 1, n += 1)
         chunk += '>f+++++++++ srv/data/' + String(n).padStart(8, '0') + '.dat\\n';
       chunk += '    ' + (n * 4096).toLocaleString('en') + '  ' + Math.floor(n * 100 / ${total}) + '%   12.34MB/s    0:00:10';
       chunk += ' (xfr#' + n + ', ir-chk=100/' + (n + 100) + ')\\n';
       fs.writeSync(fd, chunk);
       if (n >= ${total}) { clearInterval(timer); process.exit(0); }
     }, 100);`,
  ]);

  const memory: string[] = [];
  const rss: number[] = [];
  const latencies: number[] = [];
  const catLatencies: number[] = [];
  let ticksAt5s = 0;
  let timeAt5s = 0n;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const marks = Math.ceil(total / 200_000);
  for (let mark = 1; mark <= marks; mark += 1) {
    while (elapsed() < mark * 10) {
      if (ticksAt5s === 0 && elapsed() >= 5) {
        ticksAt5s = cpuTicks(pid);
        timeAt5s = process.hrtime.bigint();
      }
      latencies.push(await keyLatency('bench:stream', '2', (screen) => screen.includes('SNAPSHOT')));
      latencies.push(await keyLatency('bench:stream', '1', (screen) => screen.includes('log of run #1')));
      const token = `k${latencies.length}`;
      catLatencies.push(await keyLatency('bench:cat', token, (screen) => screen.includes(token)));
      tmux('send-keys', '-t', 'bench:cat', 'Enter');
      await sleep(500);
    }
    rss.push(rssMiB(pid));
    memory.push(`${(mark * 200).toString().padStart(4)}k lines ${rss.at(-1)!.toFixed(0)} MiB`);
    if (readFileSync(`/proc/${pid}/status`, 'utf8').includes('State:\tZ')) throw new Error('the TUI died');
  }
  const cpu = (cpuTicks(pid) - ticksAt5s) / 100 / (Number(process.hrtime.bigint() - timeAt5s) / 1e9);
  writer.kill();
  tmux('send-keys', '-t', 'bench:stream', 'q');

  const worst = Math.max(...latencies);
  const medianRatio = median(latencies) / median(catLatencies);
  const worstRatio = worst / Math.max(...catLatencies);
  const growth = rss.length > 1 ? rss.at(-1)! / rss[0]! - 1 : 0;
  console.log(
    `\ntui: a run log growing by ${linesPerSecond.toLocaleString('en')} lines a second for ${total.toLocaleString('en')} lines, 120x40` +
      ` (load average ${loadAverage()})`,
  );
  console.log(`  cpu of the TUI         ${(cpu * 100).toFixed(0)}% of one core   goal < 60%: ${verdict(cpu < 0.6)}`);
  console.log(
    `  key to screen          baseline (cat in tmux) median ${ms(median(catLatencies))}` +
      `   TUI median ${ms(median(latencies))}, worst ${ms(worst)}` +
      `   ratio median ${medianRatio.toFixed(2)}, worst ${worstRatio.toFixed(2)}` +
      `   goal <= 1.5 and <= 3: ${verdict(medianRatio <= 1.5 && worstRatio <= 3)}`,
  );
  console.log(
    `  memory (RSS)           ${memory.join(', ')}` + `   growth ${(growth * 100).toFixed(0)}%   goal <= 10%: ${verdict(growth <= 0.1)}`,
  );
}

export async function benchTui(_options: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-bench-'));
  tmux('new-session', '-d', '-s', 'bench', '-x', '120', '-y', '40', 'sleep 3600');
  try {
    const home = await catalogue(join(dir, 'frame'), 200, 250);
    await firstFrame(home);
    await idle(home);
    await streaming(join(dir, 'stream'));
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
