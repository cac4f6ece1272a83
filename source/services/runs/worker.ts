/**
 * The worker: claims queued runs (see queue.ts) up to the global limit and runs them in this
 * process. Stopping it stops claiming, lets running backups finish for a grace period, then
 * interrupts them: rsync gets SIGTERM, then SIGKILL, and the runs end `interrupted`.
 *
 * A run whose end the catalogue would not take (locked for minutes, its disk full) would stay
 * `running` for as long as this process lives, holding its host, since nobody recovers the runs
 * of a live process. So the worker keeps such ends and writes them on every tick until they land.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { finishRun } from '../../catalogue/runs.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import type { StopReason } from '../../domain/rsync-exit.js';
import type { App } from '../app.js';
import { type EventSink, runEndLevel } from '../schedule/events.js';
import { loadSettings } from '../settings.js';
import { executeClaimedRun, type RunExecutor } from './dispatch.js';
import { claimNextRun, releaseClaim } from './queue.js';
import { type RunView, recoverStaleRuns } from './runs.js';
import { RunEndPending, type SessionOptions } from './session.js';

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

export class Worker {
  private readonly active = new Map<number, ActiveRun>();
  /** ends of runs the catalogue did not take yet, by run id */
  private readonly unrecorded = new Map<number, () => Promise<void>>();
  private stopping = false;
  /** the tick under way, which stop() waits for: a claim it makes must not go unseen */
  private ticking: Promise<number> | undefined;

  constructor(
    private readonly app: App,
    private readonly emit: EventSink,
    /** called when a run ends, so a loop can claim the next one at once */
    private readonly onRunEnded: () => void = () => {},
    /** how each run is run (how long its end keeps being written, for instance) */
    private readonly runOptions: Pick<SessionOptions, 'endRetryMs' | 'stopGraceMs'> = {},
    /** what follows a run's end (retry, alerts, metrics): started, never awaited here */
    private readonly afterRun?: (run: RunView) => void,
    /** how a claimed run is carried out */
    private readonly execute: RunExecutor = executeClaimedRun,
  ) {}

  get runningIds(): number[] {
    return [...this.active.keys()];
  }

  /** Claims and starts queued runs while the global limit allows. Returns how many it started. */
  tick(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    this.ticking ??= this.claimAndStart().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Runs of this process whose end is not in the catalogue yet. */
  get unrecordedIds(): number[] {
    return [...this.unrecorded.keys()];
  }

  private async claimAndStart(): Promise<number> {
    await this.recordEnds();
    // Runs a dead process left `running` hold their host and a slot until they are recovered.
    await recoverStaleRuns(this.app, this.emit);
    const { maxConcurrent } = await loadSettings(this.app.catalogue.em());
    let started = 0;
    while (!this.stopping) {
      const claimed = await claimNextRun(this.app, maxConcurrent);
      if (claimed === undefined) break;
      if (this.stopping) {
        await releaseClaim(this.app, claimed.id);
        break;
      }
      this.start(claimed.id, claimed.host);
      started += 1;
    }
    return started;
  }

  private start(runId: number, host: string): void {
    const controller = new AbortController();
    const done = this.execute(this.app, runId, { ...this.runOptions, signal: controller.signal })
      .then(({ run, snapshot }) => {
        const stats = run.stats ? ` (${formatCount(run.stats.files, 'file')}, ${formatBytes(run.stats.transferredSize)} transferred)` : '';
        const detail = snapshot ? `snapshot ${snapshot.name}${stats}` : (run.error ?? '');
        this.emit({
          type: 'finished',
          runId,
          host: run.host,
          level: runEndLevel(run.status),
          message: `run #${runId} ${run.host} ${run.status}: ${detail}`,
        });
        this.afterRun?.(run);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.emit({ type: 'error', runId, message: error instanceof RunEndPending ? message : `run #${runId} failed: ${message}` });
        // Whatever went wrong, the run must not stay `running` while this process lives.
        this.unrecorded.set(
          runId,
          error instanceof RunEndPending
            ? error.retry
            : async () => {
                await finishRun(this.app.catalogue.em(), runId, { status: 'failed', error: message });
              },
        );
      })
      .finally(() => {
        this.active.delete(runId);
        this.onRunEnded();
      });
    this.active.set(runId, { controller, done });
    this.emit({ type: 'started', runId, host, message: `run #${runId} ${host} started` });
  }

  /** Writes the ends the catalogue did not take before; what still fails waits for the next tick. */
  private async recordEnds(): Promise<void> {
    for (const [runId, write] of this.unrecorded) {
      try {
        await write();
      } catch {
        continue;
      }
      this.unrecorded.delete(runId);
      this.emit({ type: 'finished', runId, message: `run #${runId}: its end is recorded in the catalogue now` });
    }
  }

  /** Stops claiming; after `graceMs`, interrupts what still runs; resolves when all have ended. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    await this.ticking;
    await this.stopRuns(graceMs);
    // A last try: what is still unrecorded is recovered as interrupted once this process is gone.
    await this.recordEnds();
  }

  private async stopRuns(graceMs: number): Promise<void> {
    if (this.active.size === 0) return;
    this.emit({
      type: 'shutdown',
      message:
        `waiting up to ${Math.round(graceMs / 1000)}s for ${formatCount(this.active.size, 'running backup')}: ` +
        `${this.runningIds.map((id) => `#${id}`).join(' ')}`,
    });
    const allDone = () => Promise.all([...this.active.values()].map((run) => run.done));
    const finished = await Promise.race([allDone().then(() => true), sleep(graceMs).then(() => false)]);
    if (!finished) {
      this.emit({
        type: 'shutdown',
        message: `interrupting ${formatCount(this.active.size, 'backup')}: their .incomplete trees stay for the next run`,
      });
      for (const run of this.active.values()) run.controller.abort('interrupted' satisfies StopReason);
      await allDone();
    }
  }
}
