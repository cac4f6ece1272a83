/**
 * What every bench section shares: timing in-process and of whole process trees, medians and
 * best runs, alternating order, reporting a pair against its goal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI as BUILT_CLI } from '../../test/helpers/pobsync.js';

/**
 * The pobsync the sections measure: this checkout's build, or another one (BENCH_CLI=path/to/
 * dist/pobsync.mjs), for figures before and after a change from one run of the bench.
 */
export const CLI = process.env['BENCH_CLI'] ? resolve(process.env['BENCH_CLI']) : BUILT_CLI;

export function seconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function secondsAsync(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const best = (values: number[]) => Math.min(...values);

export const ms = (value: number) => `${(value * 1000).toFixed(0)} ms`;
export const sec = (value: number) => `${value.toFixed(2)} s`;

export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

/** How busy the machine was: figures from a loaded machine are noisy, ratios less so. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** One run of a process tree: wall time, and the CPU of the process and every child it waited for. */
export interface Usage {
  wall: number;
  /** user + system seconds of the whole tree (rusage of the reaped child, which includes its reaped children) */
  cpu: number;
  /** user + system seconds of pobsync's node process alone, when it ran with CPU_HOOK */
  self?: number;
}

/**
 * wait4(2) gives the rusage of a child with all the children it reaped, to the microsecond; GNU
 * time prints hundredths, too coarse for a start-up of 0.1 s. Python has wait4; node does not.
 */
const RUSAGE = `
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
with open(out, 'w') as f:
    json.dump({'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, 'code': os.waitstatus_to_exitcode(status)}, f)
`;

/** A preload that writes the node process's own CPU time at exit (node --import CPU_HOOK). */
export const CPU_HOOK = join(dirname(fileURLToPath(import.meta.url)), 'cpu-hook.mjs');

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** where the process's stdout goes (default: nowhere) */
  stdout?: 'ignore' | 'inherit' | number;
  /** exit codes that count as success (default 0) */
  okCodes?: number[];
}

/** Runs `command` and measures it; throws when it fails. */
export function measure(command: string, args: readonly string[], options: MeasureOptions = {}): Usage {
  const scratch = mkdtempSync(join(tmpdir(), 'pobsync-bench-usage-'));
  try {
    const out = join(scratch, 'usage.json');
    const selfFile = join(scratch, 'self.json');
    const result = spawnSync('python3', ['-c', RUSAGE, out, command, ...args], {
      env: { ...(options.env ?? process.env), BENCH_CPU_FILE: selfFile },
      stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const usage = JSON.parse(readFileSync(out, 'utf8')) as { wall: number; cpu: number; code: number };
    if (!(options.okCodes ?? [0]).includes(usage.code)) {
      throw new Error(`${command} ${args.join(' ')} exited ${usage.code}: ${result.stderr.slice(-2000)}`);
    }
    let self: number | undefined;
    try {
      const hook = JSON.parse(readFileSync(selfFile, 'utf8')) as { user: number; system: number };
      self = hook.user + hook.system;
    } catch {
      // not a node process with the hook
    }
    return { wall: usage.wall, cpu: usage.cpu, ...(self === undefined ? {} : { self }) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs the steps of one round in turn, forwards in odd rounds and backwards in even ones: what
 * one measurement leaves behind (a warm cache, writeback still under way) must not always favour
 * the same side.
 */
export function inTurn(round: number, steps: (() => void)[]): void {
  for (const step of round % 2 === 0 ? [...steps].reverse() : steps) step();
}

/** Usages of one variant over the rounds. */
export class Series {
  readonly runs: Usage[] = [];
  constructor(readonly label: string) {}
  add(usage: Usage): Usage {
    this.runs.push(usage);
    return usage;
  }
  values(key: keyof Usage): number[] {
    return this.runs.flatMap((run) => (run[key] === undefined ? [] : [run[key]!]));
  }
  median(key: keyof Usage): number {
    return median(this.values(key));
  }
  best(key: keyof Usage): number {
    return best(this.values(key));
  }
}

/**
 * One line per pair: the medians of both sides in wall and CPU, their ratios, and the ratio of
 * the best runs (on a shared machine one run can vary by half a second; the fastest show what the
 * measured side itself adds). `goal` is a ceiling for the wall ratio of the medians, when there is one.
 */
export function reportPair(measured: Series, baseline: Series, goal?: { wall?: number; cpu?: number }): string {
  const wall = measured.median('wall') / baseline.median('wall');
  const cpu = measured.median('cpu') / baseline.median('cpu');
  const bestWall = measured.best('wall') / baseline.best('wall');
  const goals = [
    goal?.wall === undefined ? undefined : `wall <= ${goal.wall.toFixed(2)}x: ${verdict(wall <= goal.wall)}`,
    goal?.cpu === undefined ? undefined : `cpu <= ${goal.cpu.toFixed(2)}x: ${verdict(cpu <= goal.cpu)}`,
  ].filter(Boolean);
  return (
    `  ${`${measured.label} / ${baseline.label}`.padEnd(46)} ` +
    `wall ${sec(measured.median('wall'))} / ${sec(baseline.median('wall'))} = ${wall.toFixed(2)}x (best ${bestWall.toFixed(2)}x)   ` +
    `cpu ${sec(measured.median('cpu'))} / ${sec(baseline.median('cpu'))} = ${cpu.toFixed(2)}x` +
    (goals.length > 0 ? `   goal ${goals.join(', ')}` : '')
  );
}

/** `--profile` on the command line of `npm run bench`: sections write CPU profiles of pobsync here. */
export interface BenchOptions {
  profileDir: string | undefined;
}
