/**
 * Running rsync: output streams line by line to a sink (the run log), progress2 readings and
 * the stats2 block are parsed on the way, and the last error lines are kept for the message.
 */
import { LineSplitter, StatsCollector, parseProgressLine } from '../domain/rsync-output.js';
import type { RsyncProgress, RsyncStats } from '../domain/types.js';
import { startProcess, tailStderr, type ProcessExit } from './process.js';

export interface RsyncHandlers {
  /** every output line, stdout and stderr, in arrival order per stream */
  onLines?(lines: string[]): void;
  onProgress?(progress: RsyncProgress): void;
}

export interface RsyncResult extends ProcessExit {
  stats: RsyncStats | undefined;
  progress: RsyncProgress | undefined;
  /** the last lines rsync or ssh wrote to stderr: the reason, when it failed */
  errors: string[];
}

export interface RsyncProcess {
  readonly pid: number | undefined;
  readonly result: Promise<RsyncResult>;
  readonly exit: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

export function startRsync(args: readonly string[], handlers: RsyncHandlers = {}): RsyncProcess {
  const child = startProcess('rsync', args);
  const stats = new StatsCollector();
  let progress: RsyncProgress | undefined;

  const stdout = new LineSplitter();
  const onStdout = (lines: string[]) => {
    for (const line of lines) {
      const reading = parseProgressLine(line);
      if (reading) {
        progress = reading;
        handlers.onProgress?.(reading);
      } else {
        stats.push(line);
      }
    }
    handlers.onLines?.(lines);
  };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => onStdout(stdout.push(chunk)));

  const stderr = tailStderr(child.stderr, handlers.onLines);

  const result = child.exit.then((exit) => {
    onStdout(stdout.flush());
    stderr.flush();
    return { ...exit, stats: stats.stats, progress, errors: stderr.lines };
  });
  return { pid: child.pid, result, exit: child.exit, stop: (graceMs) => child.stop(graceMs) };
}
