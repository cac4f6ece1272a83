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
