/**
 * What a worker does with a run it claimed: whatever the run's kind says. Backups, verifies and
 * replications can be queued (by a schedule, `backup --queue`, the TUI); the other kinds only
 * ever run in the foreground of the process that started them, so one found in the queue is
 * ended as failed.
 */
import { RunSchema } from '../../catalogue/entities/index.js';
import type { RunKind } from '../../domain/types.js';
import type { App } from '../app.js';
import { executeRun } from '../backup/backup.js';
import { executeReplicateRun } from '../replicas/replicate.js';
import type { SnapshotView } from '../snapshots/snapshots.js';
import { executeVerifyRun } from '../snapshots/verify.js';
import { getRun, type RunView } from './runs.js';
import { type SessionOptions, withRunSession } from './session.js';

export interface ClaimedRunOutcome {
  run: RunView;
  /** the snapshot a backup made */
  snapshot: SnapshotView | null;
}

/** What the worker passes every run: its stop signal, and how long rsync gets to stop. */
export type ClaimedRunOptions = SessionOptions & { signal: AbortSignal };

type Handler = (app: App, runId: number, options: ClaimedRunOptions) => Promise<ClaimedRunOutcome>;

const backup: Handler = (app, runId, options) => executeRun(app, runId, options);

const verify: Handler = async (app, runId, options) => ({ run: (await executeVerifyRun(app, runId, options)).run, snapshot: null });

const replicate: Handler = async (app, runId, options) => ({ run: (await executeReplicateRun(app, runId, options)).run, snapshot: null });

const HANDLERS: Partial<Record<RunKind, Handler>> = { scheduled: backup, manual: backup, safety: backup, verify, replicate };

/** How a worker carries out a run it claimed: executeClaimedRun, or a stand-in where rsync must not run (a simulation). */
export type RunExecutor = (app: App, runId: number, options: ClaimedRunOptions) => Promise<ClaimedRunOutcome>;

export async function executeClaimedRun(app: App, runId: number, options: ClaimedRunOptions): Promise<ClaimedRunOutcome> {
  const { kind } = await app.catalogue.em().findOneOrFail(RunSchema, { id: runId }, { fields: ['kind'] });
  const handler = HANDLERS[kind];
  if (handler) return handler(app, runId, options);
  await withRunSession(app, runId, options, async (session) => {
    await session.finish({
      status: 'failed',
      error: `a ${kind} run cannot be queued: it runs in the foreground of the command that starts it`,
    });
  });
  return { run: await getRun(app, String(runId)), snapshot: null };
}
