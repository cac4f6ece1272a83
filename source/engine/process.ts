/**
 * Child processes, through zx: arguments are passed as an array and quoted by zx, never
 * spliced into a shell string. Long-running processes start through `setpriv --pdeathsig`, so
 * they die with pobsync even when it is killed with SIGKILL, instead of writing into a tree a
 * later run is already using. They also get a process group of their own: Ctrl-C on the
 * terminal reaches pobsync, which decides how to stop them (a daemon lets them finish first).
 */
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { $, type ProcessPromise } from 'zx/core';
import { LineSplitter } from '../domain/rsync-output.js';
import { environment } from './environment.js';

/** Output is consumed as it streams; zx must not keep a copy of millions of lines. */
function discardingStore() {
  const chunks: string[] = [];
  chunks.push = () => 0;
  return chunks;
}

const LOCALE_ENV = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const SETPRIV = '/usr/bin/setpriv';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StreamingProcess {
  readonly pid: number | undefined;
  /** null when StartOptions.stdout sent the output to a file */
  readonly stdout: Readable | null;
  readonly stderr: Readable;
  readonly exit: Promise<ProcessExit>;
  /** Signals the process and everything it started (rsync's ssh, for instance); once it has exited, does nothing. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** How long a process gets to exit after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
  /**
   * what the process reads; default nothing. 'hold': a pipe pobsync keeps open and never writes
   * to, so the process reads end-of-file only once pobsync is gone (killed, crashed): a remote
   * command can watch it to die with the ssh session that started it.
   */
  stdin?: Readable | 'hold';
  /** a file descriptor the process writes its stdout to directly, never through pobsync */
  stdout?: number;
  /** a file descriptor the process reads its stdin from directly (a stored dump), never through pobsync */
  stdinFd?: number;
}

export function startProcess(command: string, args: readonly string[], options: StartOptions = {}): StreamingProcess {
  const argv = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'TERM', '--', command, ...args] : [command, ...args];
  const shell = $({
    quiet: true,
    nothrow: true,
    // exec: the shell replaces itself with the command, so our child is the command itself.
    prefix: 'exec ',
    postfix: '',
    detached: true,
    store: { stdout: discardingStore(), stderr: discardingStore(), stdall: discardingStore() },
    env: { ...environment(), ...LOCALE_ENV, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.stdin && options.stdin !== 'hold'
      ? { input: options.stdin }
      : { stdio: [options.stdin === 'hold' ? 'pipe' : (options.stdinFd ?? 'ignore'), options.stdout ?? 'pipe', 'pipe'] }),
  });
  const child: ProcessPromise = shell`${argv}`;
  let exited = false;
  const exit = (async (): Promise<ProcessExit> => {
    const output = await child;
    exited = true;
    return { code: output.exitCode, signal: output.signal };
  })();
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (exited) return;
    // The whole process group at once first (it is detached: its group is its pid). zx's kill
    // walks the tree child first, and a shell whose child died before it got its own signal ran
    // its next command (`sleep 30; touch late` touched `late` when stopped).
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Gone already, or not a group of its own: the tree walk below still reaches what is left.
    }
    try {
      await child.kill(signal);
    } catch {
      // It exited between the check and the signal ("too late to kill"): nothing left to stop.
    }
  };
  return {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    exit,
    kill,
    async stop(graceMs = STOP_GRACE_MS) {
      await kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)));
      if ((await Promise.race([exit, grace])) === 'grace') await kill('SIGKILL');
      clearTimeout(timer);
      await exit;
    },
  };
}

/**
 * Stops `process` gracefully when `signal` aborts, for as long as it runs; the listener goes
 * when the process exits, so a late abort never signals a process that is gone.
 */
export function stopOnAbort(
  process: { stop(graceMs?: number): Promise<void>; exit: Promise<unknown> },
  signal: AbortSignal | undefined,
  graceMs = STOP_GRACE_MS,
): void {
  if (!signal) return;
  const onAbort = () => void process.stop(graceMs);
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  void process.exit.finally(() => signal.removeEventListener('abort', onAbort));
}

/** A process's stderr, line by line to `onLines`, keeping the last lines: the reason, when it fails. */
export function tailStderr(stderr: Readable, onLines?: (lines: string[]) => void, keep = 20): { lines: string[]; flush(): void } {
  const lines: string[] = [];
  const splitter = new LineSplitter();
  const take = (taken: string[]) => {
    lines.push(...taken);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    onLines?.(taken);
  };
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => take(splitter.push(chunk)));
  return { lines, flush: () => take(splitter.flush()) };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A short command whose whole output is wanted (ssh-keygen, ssh-keyscan). */
export async function runCommand(command: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
  const output = await $({
    quiet: true,
    nothrow: true,
    env: { ...environment(), ...LOCALE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  })`${[command, ...args]}`;
  return { code: output.exitCode, stdout: output.stdout, stderr: output.stderr };
}
