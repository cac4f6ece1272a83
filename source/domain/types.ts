/** The words of DESIGN.md as types. */

/**
 * scheduled and manual: backups; safety: the few paths a restore is about to overwrite; replica:
 * a copy of another server's snapshot.
 */
export const SNAPSHOT_KINDS = ['scheduled', 'manual', 'safety', 'replica'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/** A snapshot on disk is either whole, or whole except files rsync could not read (exit 23/24). */
export const SNAPSHOT_STATUSES = ['complete', 'partial'] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

/**
 * A run is any job with a log and a row: a backup (scheduled, manual, or the safety snapshot of a
 * restore), a restore, a verification, an archive (made or loaded), a replication.
 */
export const RUN_KINDS = ['scheduled', 'manual', 'safety', 'restore', 'verify', 'archive', 'replicate'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** What a schedule queues when it fires (a replicate schedule names its peer). */
export const SCHEDULE_ACTIONS = ['backup', 'verify', 'replicate'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** The runs that make a backup snapshot. */
export type BackupKind = Extract<RunKind, SnapshotKind>;

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
  /** a scheduled fire that found its host already queued or running; `error` says why */
  'skipped',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Totals from rsync's --info=stats2 block. Byte counts are bytes, counts are files. */
export interface RsyncStats {
  files: number;
  createdFiles: number;
  deletedFiles: number;
  transferredFiles: number;
  totalSize: number;
  transferredSize: number;
  literalData: number;
  matchedData: number;
  bytesSent: number;
  bytesReceived: number;
}

/** One --info=progress2 reading: the whole transfer so far. */
export interface RsyncProgress {
  bytes: number;
  percent: number;
  /** bytes per second as rsync reports it */
  rate: number;
  elapsedSeconds: number;
  transferredFiles: number;
  /** files still to check out of `totalFiles`; the total grows while rsync scans incrementally */
  toCheck: number;
  totalFiles: number;
  /** false while rsync is still discovering files (ir-chk): the percent is not final */
  scanComplete: boolean;
}

/**
 * How pobsync's key may log in on a host: `full`, a login that runs any command (dumps and
 * restores to the host need it); `restricted`, a forced command that only runs a read-only rsync
 * of the host's files (`command="rrsync -ro /"` in authorized_keys).
 */
export const HOST_ACCESS = ['full', 'restricted'] as const;
export type HostAccess = (typeof HOST_ACCESS)[number];

/** A database dump a host's backup runs first: the command's stdout becomes `<snapshot>/dumps/<name>`. */
export interface DumpCommand {
  /** a plain file name */
  name: string;
  /** run by the host's shell (over ssh, or `sh -c` for a local host) exactly as written */
  command: string;
  /** loads a stored dump back (it reads the dump on its stdin), run the same way; none: it cannot be restored by pobsync */
  restore?: string;
}

/** A dump inside a snapshot, and its size. */
export interface SnapshotDump {
  name: string;
  bytes: number;
}

/** Where a restore writes: back onto the host, or into a local directory. */
export type RestoreTarget = { kind: 'host' } | { kind: 'directory'; path: string };

/** What a restore run restores, and where to (kept on its run row). */
export interface RestoreDetails {
  /** the snapshot restored from */
  snapshot: string;
  target: RestoreTarget;
  /** source paths like /etc/nginx, or dumps/NAME */
  paths: string[];
  delete: boolean;
  /** the safety snapshot taken before the host's files were overwritten */
  safetySnapshot: string | null;
  /** a dump restore: the command the stored dump was streamed into */
  command?: string;
}

/** What a verify run checks (kept on its run row), and what it found once it ends. */
export interface VerifyDetails {
  action: 'verify';
  snapshots: string[];
  /** the share of files whose contents are hashed again, 1-100 */
  samplePercent: number;
  /** per snapshot, once checked: clean, damaged, missing, or unverifiable (no manifest) */
  results?: { snapshot: string; outcome: string; problems: number }[];
}

/** What an archive run does: make, check, load or import one archive. */
export interface ArchiveDetails {
  action: 'archive';
  /** what the run does with the archive */
  step: 'create' | 'verify' | 'load' | 'import';
  /** the catalogue's archive, when there is one */
  archiveId: number | null;
  /** the archive file */
  path: string;
  snapshot: string | null;
  optionSet: string | null;
  /** where a load writes */
  to?: string;
}

/** Where a replica came from: the peer (`user@address:port`) and the snapshot's name there. */
export interface SnapshotOrigin {
  peer: string;
  snapshot: string;
}

/** What a replicate run pulls: from which peer, with which remote pobsync, and what it copied. */
export interface ReplicateDetails {
  action: 'replicate';
  /** `user@address:port` */
  peer: string;
  /** the command that runs pobsync on the peer, as words */
  remotePobsync: string[];
  /** the snapshots it set out to copy, oldest first, once it has read the peer's list */
  snapshots?: string[];
  /** the ones it published */
  copied?: string[];
  /** `--retry-skipped`: copy again the peer's snapshots an earlier run skipped */
  retrySkipped?: boolean;
  /**
   * The peer's snapshots that failed their check and were left out, by this run or an earlier one
   * (carried from run to run until one is copied or gone from the peer)
   */
  skipped?: SkippedReplica[];
  /**
   * The peer's snapshots whose transfer ended partial (rsync exit 23 or 24: a file the peer could
   * not read, or that vanished), by this run or an earlier one: each tree stays in .incomplete/,
   * never published, and every next replication tries it again until it is copied or gone from the peer
   */
  unfinished?: SkippedReplica[];
}

/** A peer's snapshot a replication left out (its copy failed the check, or its transfer was partial), and why. */
export interface SkippedReplica {
  name: string;
  reason: string;
  /** the run that skipped it last */
  runId: number;
}

export type RunDetails = VerifyDetails | ArchiveDetails | ReplicateDetails;
