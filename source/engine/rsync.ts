/**
 * Running rsync: output streams line by line to a sink (the run log), progress2 readings and
 * the stats2 block are parsed on the way, and the last error lines are kept for the message.
 */
import { LineSplitter, StatsCollector, parseProgressLine } from '../domain/rsync-output.js';
import type { RsyncProgress, RsyncStats } from '../domain/types.js';
import { startProcess, type ProcessExit } from './process.js';

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
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const KEPT_ERROR_LINES = 20;

export function startRsync(args: readonly string[], handlers: RsyncHandlers = {}): RsyncProcess {
  const child = startProcess('rsync', args);
  const stats = new StatsCollector();
  const errors: string[] = [];
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

  const stderr = new LineSplitter();
  const onStderr = (lines: string[]) => {
    errors.push(...lines);
    if (errors.length > KEPT_ERROR_LINES) errors.splice(0, errors.length - KEPT_ERROR_LINES);
    handlers.onLines?.(lines);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => onStderr(stderr.push(chunk)));

  const result = child.exit.then((exit) => {
    onStdout(stdout.flush());
    onStderr(stderr.flush());
    return { ...exit, stats: stats.stats, progress, errors };
  });
  return { pid: child.pid, result, stop: (signal) => child.kill(signal) };
}
