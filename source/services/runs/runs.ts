/**
 * Runs: starting one under the host lock, recovering runs whose process died, cancelling, and
 * reading them back. How a run goes on and ends is runs/session.ts; the state changes
 * themselves are catalogue/runs.ts.
 *
 * The lock is the run row itself: the catalogue holds at most one `running` run per host (a
 * partial unique index), so starting a run is one INSERT that either wins or tells us who
 * holds the host. A holder whose process is gone is marked `interrupted` and the lock taken
 * over, with a compare-and-set UPDATE so two takers cannot both win.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, type Run, RunSchema } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { HostBusyError, OperationError, UserError } from '../../domain/errors.js';
import { formatTime } from '../../domain/format.js';
import type { RunKind } from '../../domain/types.js';
import { validateRunId } from '../../domain/validation.js';
import { currentProcess, liveness } from '../../engine/process-identity.js';
import { runLogPath } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import type { EventSink } from '../schedule/events.js';
import { type RunView, runView } from './run-view.js';

export {
  findInRunLog,
  indexRunLog,
  isActiveRun,
  type LogIndex,
  lineMatches,
  type RunView,
  readRunLog,
  readRunLogLines,
  runView,
} from './run-view.js';

export interface StartedRun {
  run: Run;
  /** set when this run took the lock over from a run whose process had died */
  tookOverFrom?: { id: number; pid: number | null; node: string | null };
}

/**
 * Inserts a `running` run for the host, holding its lock. Refuses (HostBusyError, exit 4, naming
 * the holder) while another live process runs this host.
 */
export async function startRun(app: App, host: Host, kind: RunKind): Promise<StartedRun> {
  const owner = currentProcess();
  let tookOverFrom: StartedRun['tookOverFrom'];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const run = await runs.insertRunningRun(app.catalogue.em(), host.id, kind, owner, (id) => runLogPath(app.paths.logs, id));
    if (run) return tookOverFrom ? { run, tookOverFrom } : { run };
    tookOverFrom = (await takeOverIfDead(app.catalogue.em(), host)) ?? tookOverFrom;
  }
  throw new OperationError(`could not take the lock of host "${host.name}": other processes keep starting runs of it`);
}

/** Marks the host's running run interrupted if its process is gone; throws if it is alive. */
async function takeOverIfDead(em: EntityManager, host: Host): Promise<StartedRun['tookOverFrom']> {
  const holder = await runs.findRunningRun(em, host.id);
  if (!holder) return undefined;
  // A run of another server is that server's to recover: its pid means nothing here.
  if ((holder.server && holder.server !== serverName()) || liveness(holder) !== 'dead') {
    const where = holder.pid
      ? ` (pid ${holder.pid} on ${holder.node ?? 'an unknown machine'}, started ${formatTime(holder.startedAt)})`
      : '';
    throw new HostBusyError(
      `host "${host.name}" is already being backed up by run #${holder.id}${where}; "pobsync log ${holder.id} --follow" shows it`,
    );
  }
  await runs.markInterrupted(
    em,
    holder.id,
    `its process (pid ${holder.pid} on ${holder.node}) no longer exists; the host lock was taken over`,
  );
  return { id: holder.id, pid: holder.pid ?? null, node: holder.node ?? null };
}

/**
 * Runs left `running` by a process that no longer exists (killed, crashed, its machine
 * rebooted) become `interrupted`, which frees their hosts and their slots; their `.incomplete`
 * trees are resumed by the next run of each host. Schedulers and workers call it on every tick.
 */
export async function recoverStaleRuns(app: App, emit?: EventSink): Promise<number> {
  const em = app.catalogue.em();
  // Only this server's: a pid recorded by another server means nothing here, even when the two share a machine.
  const running = await em.find(RunSchema, { status: 'running', ...heldHere() }, { populate: ['host'] });
  let recovered = 0;
  for (const run of running) {
    if (liveness(run) !== 'dead') continue;
    if (await runs.markInterrupted(em, run.id, `its process (pid ${run.pid} on ${run.node}) no longer exists`)) {
      recovered += 1;
      emit?.({
        type: 'recovered',
        runId: run.id,
        host: run.host.name,
        message:
          `run #${run.id} of ${run.host.name} was left running by pid ${run.pid} on ${run.node}, which is gone: marked ` +
          `interrupted; the next run resumes its tree`,
      });
    }
  }
  return recovered;
}

export type CancelOutcome = 'cancelled' | 'requested' | 'interrupted';

/**
 * Cancels a run from any process: a queued run is cancelled at once; a running one is marked,
 * and the process that runs it stops rsync; a running one whose process is gone is interrupted.
 */
export async function requestCancel(app: App, id: string | undefined): Promise<{ run: RunView; outcome: CancelOutcome }> {
  const runId = validateRunId(id);
  const em = app.catalogue.em();
  const run = await em.findOne(RunSchema, { id: runId });
  if (!run) throw new UserError(`unknown run #${runId}: "pobsync runs" lists them`);
  let outcome: CancelOutcome;
  if (run.status === 'queued' && (await runs.cancelQueuedRun(em, runId))) {
    outcome = 'cancelled';
  } else if (run.status === 'running' && (!run.server || run.server === serverName()) && liveness(run) === 'dead') {
    await runs.markInterrupted(em, runId, `its process (pid ${run.pid} on ${run.node}) no longer exists; found by cancel`);
    outcome = 'interrupted';
  } else if (run.status === 'running') {
    await runs.requestCancel(em, runId);
    outcome = 'requested';
  } else {
    throw new UserError(`run #${runId} is not queued or running (it is ${run.status}); nothing to cancel`);
  }
  return { run: await getRun(app, String(runId)), outcome };
}

export async function listRuns(app: App, options: { host?: string | undefined; limit?: number }): Promise<RunView[]> {
  const em = app.catalogue.em();
  const host = options.host === undefined ? undefined : await findHost(em, options.host);
  const found = await em.find(RunSchema, host ? { host: host.id } : {}, {
    orderBy: { id: 'desc' },
    limit: options.limit ?? 50,
    populate: ['host', 'base', 'snapshot'],
    // The newest runs by primary key first, then their hosts and snapshots by id: joined in one
    // query, MariaDB reads every run of every host and sorts them to return 50.
    strategy: 'select-in',
  });
  const now = new Date();
  return found.map((run) => runView(run, now));
}

export async function getRun(app: App, id: string | undefined): Promise<RunView> {
  const runId = validateRunId(id);
  const run = await app.catalogue.em().findOne(RunSchema, { id: runId }, { populate: ['host', 'base', 'snapshot'] });
  if (!run) throw new UserError(`unknown run #${runId}: "pobsync runs" lists them`);
  return runView(run);
}

import { serverName } from '../../engine/server-name.js';
import { heldHere } from '../servers.js';
