/**
 * A run in the foreground stops cleanly on a signal: Ctrl-C (SIGINT) cancels it, SIGTERM
 * interrupts it; either way rsync is stopped and the unfinished tree stays for the next run.
 * The command then exits 130 or 143, as a shell expects of a program a signal stopped.
 */
import type { StopSignal } from '../domain/exit-codes.js';
import type { StopReason } from '../domain/rsync-exit.js';

let received: StopSignal | undefined;

/** The signal that stopped a foreground run of this command, if one did (a process runs one command). */
export function stoppedBySignal(): StopSignal | undefined {
  return received;
}

export async function interruptible<T>(
  what: string,
  say: (message: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const stop = new AbortController();
  const on = (signal: StopSignal, reason: StopReason) => () => {
    received ??= signal;
    say(`stopping ${what} (${reason})...`);
    stop.abort(reason);
  };
  const onInt = on('SIGINT', 'cancelled');
  const onTerm = on('SIGTERM', 'interrupted');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await work(stop.signal);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
