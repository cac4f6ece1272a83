/**
 * pobsync's exit codes, as the README and `--help` document them: what a script, cron or a
 * monitoring system reads. `--json` output carries the same number as `exitCode`.
 */
import type { RunStatus } from './types.js';

export const EXIT = {
  /** done */
  ok: 0,
  /** the operation failed */
  failed: 1,
  /** bad usage or bad input; nothing was changed */
  usage: 2,
  /** a partial backup: some files were unreadable or vanished; the snapshot is kept */
  partial: 3,
  /** the host is busy: another run holds it */
  busy: 4,
  /** interrupted by Ctrl-C (SIGINT), 128 + 2 */
  sigint: 130,
  /** interrupted by SIGTERM, 128 + 15 */
  sigterm: 143,
} as const;

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code of a command that ran one run in the foreground, from how the run ended. */
export function runExitCode(status: RunStatus, signal?: StopSignal): number {
  if (status === 'succeeded') return EXIT.ok;
  if (status === 'partial') return EXIT.partial;
  if ((status === 'cancelled' || status === 'interrupted') && signal) return signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  return EXIT.failed;
}

/** The lines `--help` and the command list print about exit codes. */
export const EXIT_CODES_HELP = [
  'Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 partial backup (some files unreadable',
  'or vanished), 4 host busy (another run holds it), 130 interrupted by Ctrl-C, 143 by SIGTERM.',
].join('\n');
