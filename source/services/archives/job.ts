/**
 * The envelope of archive work: a run (kind `archive`, under the host lock, with a log) when the
 * archive's host is in this catalogue; plain work, with notes to the caller only, when it is not
 * (checking or loading an archive from another server whose host is not here).
 */
import type { Host } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import type { StopReason } from '../../domain/rsync-exit.js';
import type { ArchiveDetails, RunStatus } from '../../domain/types.js';
import type { App } from '../app.js';
import { type WorkAmount, WorkProgress } from '../runs/progress.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { type RunEvents, withRunSession } from '../runs/session.js';

export interface ArchiveEvents extends RunEvents {
  signal?: AbortSignal | undefined;
}

export interface ArchiveJob {
  runId: number | null;
  signal: AbortSignal;
  note(message: string): void;
  /** lines for the log only */
  log(lines: string[]): void;
  stopped(): StopReason | undefined;
  progress(total: WorkAmount): WorkProgress;
  describe(details: Partial<ArchiveDetails>): Promise<void>;
}

export interface JobEnd<T> {
  status: RunStatus;
  error: string | null;
  value: T;
}

export async function inArchiveJob<T>(
  app: App,
  host: Host | null,
  details: ArchiveDetails,
  events: ArchiveEvents,
  body: (job: ArchiveJob) => Promise<JobEnd<T>>,
  base: number | null = null,
): Promise<{ value: T; run: RunView | null; status: RunStatus; error: string | null }> {
  if (!host) {
    const controller = new AbortController();
    const signal = events.signal ?? controller.signal;
    const job: ArchiveJob = {
      runId: null,
      signal,
      note: (message) => events.onNote?.(message),
      log: () => {},
      stopped: () => (signal.aborted ? (signal.reason as StopReason) : undefined),
      progress: (total) => new WorkProgress(app, null, total, events.onProgress),
      describe: async () => {},
    };
    const end = await body(job);
    return { value: end.value, run: null, status: end.status, error: end.error };
  }
  const { run, tookOverFrom } = await startRun(app, host, 'archive');
  let current = details;
  await runs.describeRun(app.catalogue.em(), run.id, { details, base });
  const end = await withRunSession(app, run.id, events, async (session) => {
    if (tookOverFrom) session.note(`took over the lock of run #${tookOverFrom.id}: its process no longer exists`);
    const job: ArchiveJob = {
      runId: run.id,
      signal: session.signal,
      note: session.note,
      log: (lines) => session.log.lines(lines),
      stopped: session.stopped,
      progress: (total) => new WorkProgress(app, run.id, total, events.onProgress),
      describe: async (fields) => {
        current = { ...current, ...fields };
        await session.describe({ details: current });
      },
    };
    const result = await body(job);
    await session.finish({ status: result.status, error: result.error });
    return result;
  });
  return { value: end.value, run: await getRun(app, String(run.id)), status: end.status, error: end.error };
}
