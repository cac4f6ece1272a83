/**
 * Progress of a running rsync for a command: one line redrawn on a terminal, a plain line now
 * and then otherwise. Refreshed at a fixed rate, never once per event: rsync can report
 * thousands of times a second.
 */
import { formatBytes, formatDuration } from '../domain/format.js';
import type { RsyncProgress } from '../domain/types.js';

export interface ProgressReporter {
  progress(progress: RsyncProgress): void;
  note(message: string): void;
  /** clears the progress line before the final output */
  done(): void;
}

export function describeProgress(progress: RsyncProgress): string {
  const files =
    progress.totalFiles > 0
      ? `, ${progress.totalFiles - progress.toCheck}/${progress.totalFiles} files${progress.scanComplete ? '' : '+'}`
      : '';
  return (
    `${String(progress.percent).padStart(3)}%  ${formatBytes(progress.bytes)}  ${formatBytes(progress.rate)}/s  ` +
    `${formatDuration(progress.elapsedSeconds)}  ${progress.transferredFiles} transferred${files}`
  );
}

/** Work that is not a transfer (a verify, an archive): how far, of how much. */
export function describeWork(progress: RsyncProgress): string {
  const files = progress.totalFiles > 0 ? `, ${progress.totalFiles - progress.toCheck}/${progress.totalFiles} files` : '';
  return (
    `${String(progress.percent).padStart(3)}%  ${formatBytes(progress.bytes)}  ${formatBytes(progress.rate)}/s  ` +
    `${formatDuration(progress.elapsedSeconds)}${files}`
  );
}

export function progressReporter(
  mode: 'tty' | 'plain' | 'quiet',
  describe: (progress: RsyncProgress) => string = describeProgress,
): ProgressReporter {
  if (mode === 'quiet') return { progress() {}, note() {}, done() {} };
  if (mode === 'tty') return ttyReporter(describe);
  let latest: RsyncProgress | undefined;
  const timer = setInterval(() => {
    if (latest) process.stderr.write(`progress: ${describe(latest)}\n`);
    latest = undefined;
  }, PLAIN_INTERVAL_MS);
  return {
    progress: (progress) => (latest = progress),
    note: (message) => process.stderr.write(`${message}\n`),
    done: () => clearInterval(timer),
  };
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5000;

/**
 * The redrawn line: drawn as a reading arrives, at most once per TTY_INTERVAL_MS, and never by a
 * timer of its own. A timer woke the process ten times a second for as long as a backup ran,
 * with nothing new to draw most of the time (issue #14); a reading that arrives too soon after
 * the last drawn one waits for the next, which comes within the quarter second rsync's output
 * is read in.
 */
function ttyReporter(describe: (progress: RsyncProgress) => string): ProgressReporter {
  let drawnAt = Number.NEGATIVE_INFINITY;
  let shown = false;
  const clear = () => {
    if (shown) process.stderr.write('\r\x1b[K');
    shown = false;
  };
  return {
    progress: (progress) => {
      const now = Date.now();
      if (now - drawnAt < TTY_INTERVAL_MS) return;
      drawnAt = now;
      process.stderr.write(`\r\x1b[K${describe(progress).slice(0, (process.stderr.columns || 80) - 1)}`);
      shown = true;
    },
    note: (message) => {
      clear();
      process.stderr.write(`${message}\n`);
    },
    done: clear,
  };
}
