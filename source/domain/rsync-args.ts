/**
 * The rsync command line, written in one place so a backup, a benchmark and a restore agree.
 *
 * -a -H -A -X and --numeric-ids keep a snapshot restorable with `cp -a` as the exact tree it
 * was (owners by number, hard links, ACLs, xattrs). --relative keeps each source's full path
 * under data/. --delete --delete-excluded make a resumed .incomplete tree match the source.
 * --partial keeps what an interrupted run copied of a large file, under its own name in the
 * unfinished tree, so the next run continues it instead of starting over.
 * --sparse stores a file's holes as holes (a 300 MiB disk image with 244 KiB of data takes
 * 244 KiB, not 300 MiB); it works with --link-dest, and never with --inplace, which pobsync refuses.
 * --itemize-changes lists what changed, progress2/stats2 are parsed into the run row.
 */
import { rsyncShellCommand, type SshFiles, type SshTarget, sshDestination } from './ssh-args.js';

export const RSYNC_SNAPSHOT_OPTIONS: readonly string[] = [
  '-aHAX',
  '--numeric-ids',
  '--delete',
  '--delete-excluded',
  '--relative',
  '--protect-args',
  '--partial',
  '--sparse',
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
  /**
   * The host's key only runs rrsync, which refuses --protect-args (-s). rsync 3.2.4 and later
   * protect the arguments without it (they escape what the remote shell would split or expand),
   * and rrsync, not a shell, reads them there anyway.
   */
  restricted?: boolean | undefined;
  dryRun?: boolean;
}

export function pullArgs(request: PullRequest): string[] {
  const options = request.restricted ? RSYNC_SNAPSHOT_OPTIONS.filter((option) => option !== '--protect-args') : RSYNC_SNAPSHOT_OPTIONS;
  const args = [...options, ...request.extraArgs];
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

/**
 * A restore reads a snapshot and writes the original tree. No --delete unless asked, and no
 * --partial-dir: an interrupted restore must not leave pobsync's directories on the host.
 */
export const RSYNC_RESTORE_OPTIONS: readonly string[] = [
  '-aHAX',
  '--numeric-ids',
  '--relative',
  '--protect-args',
  '--sparse',
  '--itemize-changes',
  '--info=progress2,stats2',
];

/** One thing to restore: `root/./path`, where `root` stands for the destination's top. */
export interface RestoreSource {
  /** `<snapshot>/data` for source paths, `<snapshot>` for dumps/ */
  root: string;
  /** relative to root, no leading slash: `etc/nginx`; empty for all of root */
  path: string;
}

export interface RestoreRequest {
  sources: readonly RestoreSource[];
  /** a local directory; with `remote`, the directory on the host (normally "/") */
  destination: string;
  /** rsync patterns that protect the host's excluded files from --delete */
  excludes: readonly string[];
  /** undefined for a local destination */
  remote?: { target: SshTarget; files: SshFiles } | undefined;
  delete?: boolean;
  dryRun?: boolean;
  /**
   * false: the directories above each path are left as they are on the destination (only
   * created when missing); true: they get the snapshot's owners, modes and times too.
   */
  impliedDirs: boolean;
}

export function restoreArgs(request: RestoreRequest): string[] {
  const args = [...RSYNC_RESTORE_OPTIONS];
  if (!request.impliedDirs) args.push('--no-implied-dirs');
  if (request.delete) args.push('--delete');
  if (request.dryRun) args.push('--dry-run');
  for (const pattern of request.excludes) args.push(`--exclude=${pattern}`);
  if (request.remote) args.push('-e', rsyncShellCommand(request.remote.target, request.remote.files));
  args.push('--');
  // "/./" marks where --relative starts: root/./etc/nginx arrives as <destination>/etc/nginx.
  for (const source of request.sources) args.push(`${source.root.replace(/\/+$/, '')}/./${source.path}`);
  const destination = request.destination.endsWith('/') ? request.destination : `${request.destination}/`;
  args.push(request.remote ? `${sshDestination(request.remote.target)}:${destination}` : destination);
  return args;
}

/**
 * A replica copies a whole snapshot directory of a peer (data/, dumps/, meta.json and the
 * manifest) as it is: no --relative, no excludes but the peer's protection marker, which is the
 * peer's decision, not this server's, and a crash's leftover of a write there. --link-dest is the newest snapshot directory held here,
 * so its unchanged files (and the manifest, when nothing changed) are hard links.
 */
export const RSYNC_REPLICA_OPTIONS: readonly string[] = [
  '-aHAX',
  '--numeric-ids',
  '--delete',
  '--protect-args',
  '--partial',
  '--sparse',
  '--itemize-changes',
  '--info=progress2,stats2',
  '--exclude=/protected',
  // what a crash left of a durable write on the peer (engine/snapshot-store.ts writes, then renames)
  '--exclude=/*.tmp',
];

export interface ReplicaRequest {
  /** the snapshot directory on the peer */
  source: string;
  /** `<host>/.incomplete/<name>` here */
  destination: string;
  /** the newest snapshot directory of the host here */
  linkDest?: string | undefined;
  /** transfer options only (rsync-options.ts transportArgs): a bandwidth limit, compression, timeouts */
  extraArgs?: readonly string[];
  remote: { target: SshTarget; files: SshFiles };
}

export function replicaArgs(request: ReplicaRequest): string[] {
  const args = [...RSYNC_REPLICA_OPTIONS, ...(request.extraArgs ?? [])];
  if (request.linkDest) args.push(`--link-dest=${request.linkDest}`);
  args.push('-e', rsyncShellCommand(request.remote.target, request.remote.files), '--');
  args.push(`${sshDestination(request.remote.target)}:${request.source.replace(/\/+$/, '')}/`);
  args.push(request.destination.endsWith('/') ? request.destination : `${request.destination}/`);
  return args;
}
