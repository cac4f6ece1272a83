/**
 * A run's envelope, the same for every kind of run (backup, restore, and whatever comes next):
 * its log and notes, the signal that stops it (Ctrl-C, a daemon shutting down, `pobsync cancel`
 * from any process), rsync with its progress saved to the row now and then, and its end. Whatever
 * the body throws, the run ends `failed` with the reason instead of holding its host.
 *
 * The write that ends a run must land even when the catalogue is locked or its disk is full for
 * a while: it is tried again for a few minutes, and if it still cannot be written the body's
 * error says so (RunEndPending), so that a worker which stays up can finish it later.
 */

import type { Host, Run } from '../../catalogue/entities/index.js';
import { RunSchema } from '../../catalogue/entities/index.js';
import { catalogueTrouble, describeCatalogueError, isPassing } from '../../catalogue/errors.js';
import { retryWrite } from '../../catalogue/retry.js';
import * as runs from '../../catalogue/runs.js';
import type { ProcessEnd, StopReason } from '../../domain/rsync-exit.js';
import type { RestoreDetails, RsyncProgress, RunDetails } from '../../domain/types.js';
import { stopOnAbort } from '../../engine/process.js';
import { type RsyncResult, startRsync } from '../../engine/rsync.js';
import { RunLog } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { ProgressSaver } from './progress.js';

export interface RunEvents {
  /** rsync's and ssh's output, as it streams */
  onLines?(lines: string[]): void;
  onProgress?(progress: RsyncProgress): void;
  /** pobsync's own remarks: resuming a tree, taking over a lock */
  onNote?(message: string): void;
}

export interface SessionOptions extends RunEvents {
  /** aborting stops the run; the reason (a StopReason) becomes its status */
  signal?: AbortSignal | undefined;
  /** how long rsync gets to exit after SIGTERM before SIGKILL */
  stopGraceMs?: number | undefined;
  /** how long the writes that end the run keep being tried while the catalogue is locked or full */
  endRetryMs?: number | undefined;
}

/** How an rsync of a run ended, ready for domain/rsync-exit. */
export type RsyncEnd = RsyncResult & ProcessEnd;

export interface RunSession {
  readonly run: Run;
  readonly host: Host;
  readonly log: RunLog;
  /** aborted when the run must stop; its reason is a StopReason */
  readonly signal: AbortSignal;
  note(message: string): void;
  /** why the run was stopped from outside, if it was */
  stopped(): StopReason | undefined;
  /** rsync with these arguments; its stdout goes into the log, progress to the row */
  rsync(args: readonly string[], onLines?: (lines: string[]) => void): Promise<RsyncEnd>;
  /** records what the run learned as it goes: its base, a restore's details, a verify's or an archive's */
  describe(fields: { base?: number | null; restore?: RestoreDetails; details?: RunDetails }): Promise<void>;
  /** a write that must land (a snapshot's record): tried again while the catalogue is locked or full */
  durably<T>(write: () => Promise<T>): Promise<T>;
  /** ends the run; every run ends through here exactly once */
  finish(end: runs.RunEnd): Promise<void>;
}

/** How long the end of a run keeps being written before the caller hears it could not be. */
const END_RETRY_MS = 5 * 60_000;
const CANCEL_POLL_MS = 1000;
/** how recent a progress save that found no cancel request must be for the poll to skip its query */
const SAVE_ANSWERS_POLL_MS = 1.5 * CANCEL_POLL_MS;

/**
 * The end of a run could not be written yet (the catalogue stayed locked or full): `retry` writes
 * it. A worker keeps it and calls it again until it lands, while its process stays up.
 */
export class RunEndPending extends Error {
  override readonly name = 'RunEndPending';
  constructor(
    readonly runId: number,
    message: string,
    readonly retry: () => Promise<void>,
  ) {
    super(message);
  }
}

/**
 * Runs `body` inside the envelope of the run `runId`, which this process already owns (`running`,
 * our pid): started in the foreground, or claimed from the queue.
 */
export async function withRunSession<T>(
  app: App,
  runId: number,
  options: SessionOptions,
  body: (session: RunSession) => Promise<T>,
): Promise<T> {
  const em = app.catalogue.em();
  const run = await em.findOneOrFail(RunSchema, { id: runId }, { populate: ['host'] });
  const log = new RunLog(run.logPath ?? '');
  const stop = stopSignal(app, runId, options.signal);
  let ended = false;
  const note = (message: string) => {
    log.note(message);
    options.onNote?.(message);
  };
  const retryFor = options.endRetryMs ?? END_RETRY_MS;
  let told = false;
  const durably = <T>(write: () => Promise<T>) =>
    retryWrite(write, {
      forMs: retryFor,
      onRetry: (error) => {
        if (told) return;
        told = true;
        note(`the catalogue cannot record this run yet, trying again: ${describeCatalogueError(error, app.catalogue.path)}`);
      },
    });
  const finish = async (end: runs.RunEnd) => {
    ended = true;
    const write = async () => {
      await runs.finishRun(app.catalogue.em(), runId, end);
    };
    try {
      await durably(write);
    } catch (error) {
      throw pendingEnd(app, runId, `it ended ${end.status}`, error, write);
    }
  };
  const session: RunSession = {
    run,
    host: run.host,
    log,
    signal: stop.signal,
    note,
    stopped: () => (stop.signal.aborted ? (stop.signal.reason as StopReason) : undefined),
    rsync: (args, onLines) =>
      runRsync(app, runId, args, log, { ...options, signal: stop.signal, onLines: onLines ?? options.onLines }, stop.saved),
    describe: (fields) => runs.describeRun(app.catalogue.em(), runId, fields),
    durably,
    finish,
  };
  try {
    const result = await body(session);
    if (!ended) await finish({ status: 'failed', error: 'the run ended without saying how (a bug in pobsync)' });
    return result;
  } catch (error) {
    if (error instanceof RunEndPending) throw error;
    const message = describeCatalogueError(error, app.catalogue.path) ?? (error instanceof Error ? error.message : String(error));
    note(`failed: ${message}`);
    if (!ended) await finish({ status: 'failed', error: message });
    throw error;
  } finally {
    stop.dispose();
    await log.close();
  }
}

/**
 * The end of a run that the catalogue would not take in time (RunEndPending): `what` happened,
 * and `write` records it once the catalogue is writable again.
 */
export function pendingEnd(app: App, runId: number, what: string, error: unknown, write: () => Promise<void>): RunEndPending | unknown {
  if (!isPassing(catalogueTrouble(error))) return error;
  const reason = describeCatalogueError(error, app.catalogue.path) ?? String(error);
  return new RunEndPending(runId, `run #${runId}: ${what}, but the catalogue could not record it yet: ${reason}`, write);
}

/**
 * Stops the run when the caller aborts (Ctrl-C, a daemon shutting down) or when `pobsync cancel`
 * in any process marks the run in the catalogue. While rsync's progress is saved, each save tells
 * (`saved`) whether the row was still without a cancel request: a poll that recent one answered
 * skips its query, so a run pays one statement a second instead of two (issue #14); a save that
 * was not written asks at once.
 */
function stopSignal(
  app: App,
  runId: number,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; dispose(): void; saved(written: boolean): void } {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener('abort', forward, { once: true });
  // One EntityManager for every poll: the query is a plain select that fills no identity map.
  const em = app.catalogue.em();
  const poll = () =>
    runs
      .isCancelRequested(em, runId)
      .then((requested) => {
        if (requested && !controller.signal.aborted) controller.abort('cancelled' satisfies StopReason);
      })
      .catch(() => undefined);
  let answeredAt = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    if (Date.now() - answeredAt >= SAVE_ANSWERS_POLL_MS) void poll();
  }, CANCEL_POLL_MS);
  return {
    signal: controller.signal,
    dispose: () => {
      clearInterval(timer);
      outer?.removeEventListener('abort', forward);
    },
    saved: (written) => {
      if (written) answeredAt = Date.now();
      else void poll();
    },
  };
}

async function runRsync(
  app: App,
  runId: number,
  args: readonly string[],
  log: RunLog,
  options: SessionOptions & { signal: AbortSignal },
  onSaved: (written: boolean) => void,
): Promise<RsyncEnd> {
  const saver = new ProgressSaver(app, runId, onSaved);
  // rsync writes its stdout straight into the run log (after our notes); its stderr comes through here.
  await log.flushed();
  const rsync = startRsync(
    args,
    {
      onLines: (lines, stream) => {
        if (stream === 'stderr') log.lines(lines);
        options.onLines?.(lines);
      },
      onProgress: (progress) => {
        options.onProgress?.(progress);
        saver.offer(progress);
      },
    },
    { stdoutFile: log.path },
  );
  stopOnAbort(rsync, options.signal, options.stopGraceMs);
  const result = await rsync.result;
  await saver.flush();
  return { ...result, stopped: options.signal.aborted ? (options.signal.reason as StopReason) : undefined };
}
