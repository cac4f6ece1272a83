/**
 * Feeding a stored dump to the command that loads it back: the dump file is the child's stdin
 * (its file descriptor), so however large the dump, its bytes never pass through pobsync's
 * memory. What the command prints, on stdout and stderr, goes line by line to the caller.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { type ProcessExit, type StreamingProcess, startProcess, tailStderr } from './process.js';

export interface FeedResult extends ProcessExit {
  /** the size of the dump it was given */
  bytes: number;
  /** the last lines the command (or ssh) wrote to stderr */
  errors: string[];
}

export interface FeedProcess {
  readonly result: Promise<FeedResult>;
  readonly exit: Promise<ProcessExit>;
  stop(graceMs?: number): Promise<void>;
}

export function startFeed(
  program: string,
  args: readonly string[],
  inputPath: string,
  options: { cwd?: string; onLines?(lines: string[]): void } = {},
): FeedProcess {
  const fd = openSync(inputPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  const bytes = fstatSync(fd).size;
  let child: StreamingProcess;
  try {
    child = startProcess(program, args, { stdinFd: fd, ...(options.cwd ? { cwd: options.cwd } : {}) });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const stdout = child.stdout ? tailStderr(child.stdout, options.onLines, 0) : undefined;
  const stderr = tailStderr(child.stderr, options.onLines);
  const result = child.exit.then((exit) => {
    closeSync(fd);
    stdout?.flush();
    stderr.flush();
    return { ...exit, bytes, errors: stderr.lines };
  });
  return { result, exit: child.exit, stop: (graceMs) => child.stop(graceMs) };
}
