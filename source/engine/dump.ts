/**
 * One database dump: a command whose stdout goes straight into a file. The file descriptor is
 * the child's stdout, so however large the dump, its bytes never pass through pobsync's memory.
 * stderr streams line by line to the caller (the run log).
 */
import { open } from 'node:fs/promises';
import { type ProcessExit, type StreamingProcess, startProcess, tailStderr } from './process.js';

export interface DumpResult extends ProcessExit {
  /** size of the file written */
  bytes: number;
  /** the last lines the command (or ssh) wrote to stderr */
  errors: string[];
}

export interface DumpProcess {
  readonly result: Promise<DumpResult>;
  readonly exit: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `program args` with its stdout written to `outputPath` (created or truncated, 0600). */
export async function startDump(
  program: string,
  args: readonly string[],
  outputPath: string,
  options: { cwd?: string; onLines?(lines: string[]): void; holdStdin?: boolean } = {},
): Promise<DumpProcess> {
  const file = await open(outputPath, 'w', 0o600);
  let child: StreamingProcess;
  try {
    child = startProcess(program, args, {
      stdout: file.fd,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.holdStdin ? { stdin: 'hold' as const } : {}),
    });
  } catch (error) {
    await file.close();
    throw error;
  }
  const stderr = tailStderr(child.stderr, options.onLines);

  const result = child.exit.then(async (exit) => {
    stderr.flush();
    try {
      // The dump is published by the snapshot's rename: it must be on disk before that.
      await file.sync();
      return { ...exit, bytes: (await file.stat()).size, errors: stderr.lines };
    } finally {
      await file.close();
    }
  });
  return { result, exit: child.exit, stop: (graceMs) => child.stop(graceMs) };
}
