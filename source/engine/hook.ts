/**
 * Alert hooks: a command the admin configured, run by `sh -c` exactly as written (pobsync never
 * splices anything into it), with the alert's details in its environment and as JSON on stdin.
 * It gets a time limit; its output is kept (the first lines of it) for the run log.
 */
import { Readable } from 'node:stream';
import { LineSplitter } from '../domain/rsync-output.js';
import { startProcess } from './process.js';

export interface HookResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** what it printed, stdout and stderr as they came, at most `maxLines` lines */
  output: string[];
}

const MAX_LINES = 200;
/** How long a hook that is stopped for its time limit gets after SIGTERM, before SIGKILL. */
const STOP_GRACE_MS = 2000;

export async function runHook(
  program: string,
  args: readonly string[],
  options: { env: Record<string, string>; input: string; timeoutMs: number },
): Promise<HookResult> {
  const child = startProcess(program, args, { env: options.env, stdin: Readable.from([options.input]) });
  const output: string[] = [];
  let dropped = 0;
  const take = (lines: string[]) => {
    for (const line of lines) {
      if (output.length < MAX_LINES) output.push(line);
      else dropped += 1;
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const splitter = new LineSplitter();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => take(splitter.push(chunk)));
    stream.on('end', () => take(splitter.flush()));
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(STOP_GRACE_MS);
  }, options.timeoutMs);
  const exit = await child.exit;
  clearTimeout(timer);
  if (dropped > 0) output.push(`(${dropped} more lines left out)`);
  return { code: exit.code, signal: exit.signal, timedOut, output };
}

/** A hook command as the admin wrote it: the shell reads it, as cron and systemd's ExecStart= would. */
export function runShellHook(
  command: string,
  options: { env: Record<string, string>; input: string; timeoutMs: number },
): Promise<HookResult> {
  return runHook('/bin/sh', ['-c', command], options);
}
