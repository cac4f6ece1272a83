/**
 * What the end of an rsync (or ssh) process means for a run: its status and, when it failed, the
 * one line an admin reads. Plain data in (exit code, signal, the last stderr lines, who stopped
 * it), no processes here, so every exit code rsync documents can be tested on its own.
 */
import type { RunStatus } from './types.js';

/** Why a run was stopped from outside: Ctrl-C or `pobsync cancel` cancels, a shutdown interrupts. */
export type StopReason = 'cancelled' | 'interrupted';

/** How a process ended, as the run sees it. */
export interface ProcessEnd {
  code: number | null;
  signal: string | null;
  /** the last lines it wrote to stderr, oldest first */
  errors: readonly string[];
  /** set when pobsync stopped it on purpose */
  stopped?: StopReason | undefined;
}

/** rsync's exit codes, as its man page words them ("EXIT VALUES"); 255 is ssh's own. */
export const RSYNC_EXIT_MEANINGS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  4: 'requested action not supported',
  5: 'error starting the client-server protocol',
  6: 'daemon unable to append to its log file',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in the rsync protocol data stream',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  20: 'received SIGUSR1 or SIGINT',
  21: 'some error returned by waitpid()',
  22: 'error allocating core memory buffers',
  23: 'partial transfer due to error',
  24: 'partial transfer due to vanished source files',
  25: 'the --max-delete limit stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  255: 'ssh failed',
};

/** Exit codes that still leave a usable snapshot: some files could not be read on the sender. */
export const PARTIAL_EXIT_CODES: ReadonlySet<number> = new Set([23, 24]);

/**
 * An error rsync reports from the receiving side (`rsync: [receiver] ...`, `rsync: [generator]
 * ...`): the side that writes. A file the sender could not read leaves a snapshot that is whole
 * but for that file; a file the receiver could not write (a full disk, a read-only or failing
 * filesystem) leaves one that silently lacks whatever came after, so it is a failure.
 */
export function isReceiverError(line: string): boolean {
  return /^rsync: \[(receiver|generator)\] /.test(line) || (/^rsync: /.test(line) && WRITE_ERRNO.test(line) && !line.includes('[sender]'));
}

/** errno texts that only a writer meets: no space, no quota, a read-only or failing disk. */
const WRITE_ERRNO = /No space left on device|Disk quota exceeded|Read-only file system|Input\/output error/;

/** The status a run gets from its rsync: stopped on purpose, succeeded, partial or failed. */
export function runStatus(end: ProcessEnd): RunStatus {
  if (end.stopped) return end.stopped;
  if (end.code === 0) return 'succeeded';
  if (end.code !== null && PARTIAL_EXIT_CODES.has(end.code) && !end.errors.some(isReceiverError)) return 'partial';
  return 'failed';
}

/**
 * The one line that says why it failed, in the admin's terms where the cause is known: the host
 * key, the login, the network, a full disk on the writing side (`receiver` names it: "the backup
 * server", "the host web1"). Otherwise rsync's exit code with its meaning and rsync's last words.
 */
export function failureMessage(end: ProcessEnd, hostName: string, receiver = 'the backup server'): string {
  if (end.stopped) return `stopped (${end.stopped})`;
  const explained = explainSshFailure(end.errors.join('\n'), hostName);
  if (explained) return explained;
  const full = end.errors.find((line) => /No space left on device|Disk quota exceeded/.test(line));
  if (full) {
    const what = /Disk quota exceeded/.test(full) ? 'its disk quota' : 'space (or inodes)';
    return `${receiver} ran out of ${what}: ${full}; free some there, then run it again`;
  }
  const failing = end.errors.find((line) => isReceiverError(line) && /Read-only file system|Input\/output error/.test(line));
  if (failing) return `${receiver} could not write: ${failing}; check that filesystem (read-only, or failing?)`;
  const detail = end.errors.filter((line) => !line.startsWith('rsync error:')).at(-1) ?? end.errors.at(-1);
  const exit =
    end.signal !== null
      ? `rsync was killed by ${end.signal}`
      : `rsync exited with code ${end.code} (${RSYNC_EXIT_MEANINGS[end.code ?? -1] ?? 'an unknown error'})`;
  return detail ? `${exit}: ${detail}` : exit;
}

/** A partial run's warning: that some files were left out, and rsync's last words on which. */
export function partialMessage(end: ProcessEnd, what: string): string {
  return `${what} (rsync exit ${end.code}); ${end.errors.at(-1) ?? ''}`.trim();
}

/** What an ssh failure means for the admin, when its message is one we recognise. */
export function explainSshFailure(output: string, hostName: string): string | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(output)) {
    return (
      `the host key of ${hostName} has CHANGED since it was trusted (a reinstalled host, or someone in between): ` +
      `check it, then run "pobsync trust-host ${hostName}"`
    );
  }
  if (/No .*host key is known for|Host key verification failed/.test(output)) {
    return `the host key of ${hostName} is not trusted yet: run "pobsync trust-host ${hostName}" and compare the fingerprint`;
  }
  if (/Permission denied \(/.test(output)) {
    return `${hostName} refused pobsync's key: append the line that "pobsync key" prints to the user's ~/.ssh/authorized_keys`;
  }
  const unreachable =
    /(Connection refused|Connection timed out|No route to host|Could not resolve hostname[^\n]*|Name or service not known)/.exec(output);
  if (unreachable) return `cannot reach ${hostName}: ${unreachable[1]}`;
  return undefined;
}
