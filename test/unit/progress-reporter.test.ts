/**
 * The progress line of a command on a terminal: redrawn as readings arrive, at most ten times a
 * second, by no timer of its own (one woke a backup's process ten times a second while it ran).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../source/commands/progress.js';
import type { RsyncProgress } from '../../source/domain/types.js';

const reading = (bytes: number): RsyncProgress => ({
  bytes,
  percent: 10,
  rate: 0,
  elapsedSeconds: 1,
  transferredFiles: 0,
  toCheck: 0,
  totalFiles: 0,
  scanComplete: false,
});

let written: string[];
beforeEach(() => {
  vi.useFakeTimers();
  written = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('progressReporter on a terminal', () => {
  it('draws a reading as it arrives, skips one that comes within 100 ms of the last drawn, and keeps no timer', () => {
    const reporter = progressReporter('tty', (progress) => `at ${progress.bytes}`);
    expect(vi.getTimerCount()).toBe(0);
    reporter.progress(reading(1));
    expect(written).toEqual(['\r\x1b[Kat 1']);
    vi.advanceTimersByTime(50);
    reporter.progress(reading(2));
    expect(written).toHaveLength(1);
    vi.advanceTimersByTime(50);
    reporter.progress(reading(3));
    expect(written.at(-1)).toBe('\r\x1b[Kat 3');
    reporter.note('a note');
    expect(written.slice(-2)).toEqual(['\r\x1b[K', 'a note\n']);
    reporter.done();
    expect(written).toHaveLength(4);
  });
});
