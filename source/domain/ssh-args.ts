/**
 * The one place ssh's options are decided. Host keys are pinned in pobsync's own known_hosts
 * under the pobsync host name (HostKeyAlias), so a key is trusted for a host, not for whatever
 * answers on an address; BatchMode keeps ssh from ever waiting for a password.
 */
import { UserError } from './errors.js';

export interface SshTarget {
  /** pobsync's host name: the alias keys are pinned under */
  name: string;
  address: string;
  user: string;
  port: number;
}

export interface SshFiles {
  keyFile: string;
  knownHostsFile: string;
}

/** Options for `ssh` itself; the destination is `user@name` (see sshDestination). */
export function sshOptions(target: SshTarget, files: SshFiles): string[] {
  return [
    '-i',
    files.keyFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${files.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `HostKeyAlias=${target.name}`,
    '-o',
    `HostName=${target.address}`,
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-p',
    String(target.port),
  ];
}

/**
 * ssh connects to `user@name` and reaches the real address through HostName, so neither an
 * address nor a user can be read by ssh or rsync as an option (both are validated too).
 */
export function sshDestination(target: SshTarget): string {
  return `${target.user}@${target.name}`;
}

/**
 * `ssh` arguments that run one command on the host. The command is one argument after "--",
 * exactly as configured: the host's shell reads it, no local shell ever does.
 */
export function remoteCommandArgs(target: SshTarget, files: SshFiles, command: string): string[] {
  return [...sshOptions(target, files), sshDestination(target), '--', command];
}

/**
 * A dump command as the host's shell runs it, so that it dies with the ssh session: without a
 * terminal, a remote command outlives its session (sshd sends it no signal when the client goes),
 * and a `pg_dump` would keep a database busy long after pobsync died. The wrapper starts the
 * command in a session of its own (setsid, on every Linux) and watches its stdin, which is the
 * ssh channel: pobsync never writes to it, so it reads end-of-file only when pobsync or its ssh is
 * gone, and then stops the command's whole process group. Where setsid is missing, only the
 * command's shell is stopped. The command itself is one quoted argument: the host's shell sees it
 * exactly as configured.
 */
export function remoteDumpCommand(command: string): string {
  return ['sh', '-c', DUMP_WATCHER, 'pobsync-dump', command].map(shellQuote).join(' ');
}

const DUMP_WATCHER = [
  // The watcher reads the channel through fd 3: a background job's own stdin is /dev/null.
  'exec 3<&0',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the host's shell expands it, not JavaScript
  'if command -v setsid >/dev/null 2>&1; then setsid "${SHELL:-sh}" -c "$1" </dev/null 3<&- &',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the host's shell expands it, not JavaScript
  'else "${SHELL:-sh}" -c "$1" </dev/null 3<&- & fi',
  'job=$!',
  '{ cat <&3 >/dev/null; kill -TERM -"$job" 2>/dev/null || kill -TERM "$job" 2>/dev/null; } &',
  'watcher=$!',
  'exec 3<&-',
  'wait "$job"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** One word for a POSIX shell: single-quoted, with each ' written as '\''. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The string for `rsync -e`. rsync splits it on spaces and honours single quotes, so every
 * word is quoted when it needs to be; a path with a quote in it cannot be expressed.
 */
export function rsyncShellCommand(target: SshTarget, files: SshFiles): string {
  return ['ssh', ...sshOptions(target, files)].map(quoteForRsync).join(' ');
}

function quoteForRsync(word: string): string {
  if (/^[A-Za-z0-9_./@%+=:,-]+$/.test(word)) return word;
  if (word.includes("'")) {
    throw new UserError(`path ${JSON.stringify(word)} contains a single quote, which rsync's -e cannot pass: move POBSYNC_HOME`);
  }
  return `'${word}'`;
}
