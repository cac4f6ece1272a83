/**
 * The rsync command line, written in one place so a backup, a benchmark and a restore agree.
 *
 * -a -H -A -X and --numeric-ids keep a snapshot restorable with `cp -a` as the exact tree it
 * was (owners by number, hard links, ACLs, xattrs). --relative keeps each source's full path
 * under data/. --delete --delete-excluded make a resumed .incomplete tree match the source.
 * --partial-dir lets an interrupted run resume a large file instead of starting it again.
 * --itemize-changes lists what changed, progress2/stats2 are parsed into the run row.
 */
import { rsyncShellCommand, sshDestination, type SshFiles, type SshTarget } from './ssh-args.js';

export const RSYNC_SNAPSHOT_OPTIONS: readonly string[] = [
  '-aHAX',
  '--numeric-ids',
  '--delete',
  '--delete-excluded',
  '--relative',
  '--protect-args',
  '--partial-dir=.pobsync-partial',
  '--itemize-changes',
  '--info=progress2,stats2',
];

export interface PullRequest {
  /** absolute source paths on the host */
  sources: readonly string[];
  /** local directory that receives the tree (ends up as `<snapshot>/data`) */
  destination: string;
  /** `<base snapshot>/data`, for hard links to unchanged files */
  linkDest?: string | undefined;
  excludes: readonly string[];
  /** validated extra options: the global defaults first, then the host's own */
  extraArgs: readonly string[];
  /** undefined for the `local` address: rsync copies without ssh */
  remote?: { target: SshTarget; files: SshFiles } | undefined;
  dryRun?: boolean;
}

export function pullArgs(request: PullRequest): string[] {
  const args = [...RSYNC_SNAPSHOT_OPTIONS, ...request.extraArgs];
  if (request.dryRun) args.push('--dry-run');
  for (const pattern of request.excludes) args.push(`--exclude=${pattern}`);
  if (request.linkDest) args.push(`--link-dest=${request.linkDest}`);
  if (request.remote) args.push('-e', rsyncShellCommand(request.remote.target, request.remote.files));
  // "--" ends the options: nothing after it can be read as one, whatever its spelling.
  args.push('--');
  const prefix = request.remote ? `${sshDestination(request.remote.target)}:` : '';
  for (const source of request.sources) args.push(`${prefix}${source}`);
  args.push(request.destination.endsWith('/') ? request.destination : `${request.destination}/`);
  return args;
}

/** rsync exit codes that still leave a usable snapshot: some files could not be read. */
export const PARTIAL_EXIT_CODES: ReadonlySet<number> = new Set([23, 24]);
