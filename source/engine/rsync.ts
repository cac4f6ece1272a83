/**
 * Running rsync: output streams line by line to the caller, progress2 readings and the stats2
 * block are parsed on the way, and the last error lines are kept for the message.
 *
 * With `stdoutFile` (a run's log), rsync writes its stdout straight into that file and pobsync
 * reads it back from there a few times a second, one synchronous read each time (LogFollower).
 * A pipe would make rsync stop and wake the reader for each of its tens of thousands of progress
 * and itemize lines, which costs a first backup of 20,000 files well over a second; a file costs
 * it nothing. stderr (a few lines, the
 * ones that say why something failed) stays a pipe.
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { LineSplitter, parseProgressLine, StatsCollector } from '../domain/rsync-output.js';
import type { RsyncProgress, RsyncStats } from '../domain/types.js';
import { type ProcessExit, type StreamingProcess, startProcess, tailStderr } from './process.js';
import { LogFollower } from './run-log.js';

export interface RsyncHandlers {
  /** output lines as they stream; stdout lines come in batches when they go to a file */
  onLines?(lines: string[], stream: 'stdout' | 'stderr'): void;
  /** the newest progress2 reading of each batch of output */
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

const FILE_READ_INTERVAL_MS = 250;

export function startRsync(args: readonly string[], handlers: RsyncHandlers = {}, options: { stdoutFile?: string } = {}): RsyncProcess {
  const stats = new StatsCollector();
  let progress: RsyncProgress | undefined;
  const stdout = new LineSplitter();
  const onStdout = (lines: string[]) => {
    // Only the newest progress2 reading of a batch is parsed and passed on: whoever shows or
    // stores progress wants the latest, and parsing every one of a first backup's 20,000 readings
    // was a seventh of pobsync's CPU. Progress lines start with padding or a digit; no stats
    // line, itemize line or message does.
    let last = -1;
    for (const [index, line] of lines.entries()) {
      const first = line.charCodeAt(0);
      if (first === 32 || (first >= 48 && first <= 57)) last = index;
      else stats.push(line);
    }
    for (let index = last; index >= 0; index -= 1) {
      const reading = parseProgressLine(lines[index]!);
      if (reading) {
        progress = reading;
        handlers.onProgress?.(reading);
        break;
      }
    }
    if (lines.length > 0) handlers.onLines?.(lines, 'stdout');
  };

  let child: StreamingProcess;
  let readFile: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.stdoutFile) {
    const path = options.stdoutFile;
    const fd = openSync(path, 'a', 0o600);
    const log = new LogFollower(path, statSync(path).size);
    try {
      child = startProcess('rsync', args, { stdout: fd });
    } finally {
      closeSync(fd);
    }
    const readOn = (all: boolean) => {
      const text = log.read({ all });
      if (text) onStdout(stdout.push(text));
    };
    timer = setInterval(() => readOn(false), FILE_READ_INTERVAL_MS);
    // Once rsync has exited: read what is left, line end or not.
    readFile = () => {
      try {
        readOn(true);
      } finally {
        log.close();
      }
    };
  } else {
    child = startProcess('rsync', args);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => onStdout(stdout.push(chunk)));
  }

  const stderr = tailStderr(child.stderr, handlers.onLines && ((lines) => handlers.onLines!(lines, 'stderr')));

  const result = child.exit.then((exit) => {
    clearInterval(timer);
    readFile?.();
    onStdout(stdout.flush());
    stderr.flush();
    return { ...exit, stats: stats.stats, progress, errors: stderr.lines };
  });
  return { pid: child.pid, result, exit: child.exit, stop: (graceMs) => child.stop(graceMs) };
}
