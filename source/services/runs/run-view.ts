/**
 * A run as every listing shows it, and its log: kept apart from runs.ts (its writes and the ORM's
 * queries) so that what only shows runs and reads their logs, the TUI's panes among them, loads no ORM.
 */
import type { Run } from '../../catalogue/entities/index.js';
import type { RestoreDetails, RsyncProgress, RsyncStats, RunDetails, RunKind, RunStatus } from '../../domain/types.js';

/** A run's log from an offset, or its last lines (offset -1): the log file is the stream. */
export {
  findInLog as findInRunLog,
  indexLog as indexRunLog,
  type LogIndex,
  lineMatches,
  readLogAt as readRunLog,
  readLogLines as readRunLogLines,
} from '../../engine/run-log.js';

export interface RunView {
  id: number;
  host: string;
  kind: RunKind;
  status: RunStatus;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationSeconds: number | null;
  pid: number | null;
  node: string | null;
  /** the pobsync server that runs (or ran) it (runView always sets it) */
  server?: string | null;
  logPath: string | null;
  progress: RsyncProgress | null;
  stats: RsyncStats | null;
  error: string | null;
  /** the snapshot a backup linked against; the snapshot a restore read */
  base: string | null;
  snapshot: string | null;
  /** for a restore run: what it restored, and where to */
  restore: RestoreDetails | null;
  /** 1 for a first try; 2 and on for retries of a failed scheduled run (runView always sets it) */
  attempt?: number;
  /** a queued retry is not started before this */
  notBefore?: string | null;
  /** for a verify run: what it checks and found; for an archive run: what it does with which archive */
  details?: RunDetails | null;
}

/** A run that is still to end: queued or running (its log may still grow). */
export function isActiveRun(run: Pick<RunView, 'status'> | undefined): boolean {
  return run?.status === 'running' || run?.status === 'queued';
}

export function runView(run: Run, now = new Date()): RunView {
  const end = run.finishedAt ?? (run.status === 'running' ? now : null);
  return {
    id: run.id,
    host: run.host.name,
    kind: run.kind,
    status: run.status,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationSeconds: run.startedAt && end ? Math.round((end.getTime() - run.startedAt.getTime()) / 1000) : null,
    pid: run.pid ?? null,
    node: run.node ?? null,
    server: run.server ?? null,
    logPath: run.logPath ?? null,
    progress: run.progress ?? null,
    stats: run.stats ?? null,
    error: run.error ?? null,
    base: run.base?.name ?? null,
    snapshot: run.snapshot?.name ?? null,
    restore: run.restore ?? null,
    attempt: run.attempt ?? 1,
    notBefore: run.notBefore?.toISOString() ?? null,
    details: (run.details as RunDetails | null | undefined) ?? null,
  };
}
