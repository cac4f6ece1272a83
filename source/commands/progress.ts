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
  const intervalMs = mode === 'tty' ? 100 : 5000;
  let latest: RsyncProgress | undefined;
  let shown = false;
  const draw = () => {
    if (!latest) return;
    if (mode === 'tty') {
      process.stderr.write(`\r\x1b[K${describe(latest).slice(0, (process.stderr.columns || 80) - 1)}`);
      shown = true;
    } else {
      process.stderr.write(`progress: ${describe(latest)}\n`);
    }
    latest = undefined;
  };
  const timer = setInterval(draw, intervalMs);
  const clear = () => {
    if (shown) process.stderr.write('\r\x1b[K');
    shown = false;
  };
  return {
    progress: (progress) => (latest = progress),
    note: (message) => {
      clear();
      process.stderr.write(`${message}\n`);
    },
    done: () => {
      clearInterval(timer);
      clear();
    },
  };
}
