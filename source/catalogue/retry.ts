/**
 * The writes that end a run must land: a run left `running` holds its host and its slot. When the
 * catalogue is only passing through trouble (locked by another process for longer than SQLite's
 * busy timeout, or on a disk that filled up), the write is tried again with a growing pause, until
 * a deadline; after that the caller decides (a worker keeps it and tries again later).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { catalogueTrouble, isPassing } from './errors.js';

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 15_000;

export async function retryWrite<T>(
  write: () => Promise<T>,
  options: { forMs: number; onRetry?: (error: unknown, pauseMs: number) => void },
): Promise<T> {
  const deadline = Date.now() + options.forMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    try {
      return await write();
    } catch (error) {
      if (!isPassing(catalogueTrouble(error)) || Date.now() + pause > deadline) throw error;
      options.onRetry?.(error, pause);
      await sleep(pause);
    }
  }
}
