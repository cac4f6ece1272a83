/**
 * A run in the foreground stops cleanly on a signal: Ctrl-C (SIGINT) cancels it, SIGTERM
 * interrupts it; either way rsync is stopped and the unfinished tree stays for the next run.
 */
import type { StopReason } from '../domain/rsync-exit.js';

export async function interruptible<T>(
  what: string,
  say: (message: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const stop = new AbortController();
  const on = (reason: StopReason) => () => {
    say(`stopping ${what} (${reason})...`);
    stop.abort(reason);
  };
  const onInt = on('cancelled');
  const onTerm = on('interrupted');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await work(stop.signal);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
