/**
 * The rsync that `doctor` sends to see that a host can be backed up: the same ssh as a backup
 * (pinned key, BatchMode), rsync on the other end, and each source listed without copying. It
 * is rsync, not a shell command, so it works through a forced `rrsync -ro` key as well.
 */
import { rsyncShellCommand, type SshFiles, type SshTarget, sshDestination } from './ssh-args.js';

/**
 * `rsync --list-only -r --exclude=/x/x`: lists each source and nothing below it, but must read each
 * source directory to find that out, so a source it cannot read says so. With more than one source
 * rsync wants a destination even to list; `--list-only` writes nothing there (an empty directory).
 */
export function probeArgs(request: {
  sources: readonly string[];
  destination: string;
  /** undefined for the `local` address */
  remote?: { target: SshTarget; files: SshFiles } | undefined;
  /** the host's key only runs rrsync, which refuses --protect-args (see rsync-args.ts) */
  restricted?: boolean | undefined;
}): string[] {
  const { sources, destination, remote } = request;
  const args = ['--list-only', '--recursive', '--exclude=/*/*', ...(request.restricted ? [] : ['--protect-args'])];
  if (remote) args.push('-e', rsyncShellCommand(remote.target, remote.files));
  args.push('--');
  const prefix = remote ? `${sshDestination(remote.target)}:` : '';
  for (const source of sources) args.push(`${prefix}${source}`);
  args.push(destination);
  return args;
}
