/**
 * The worker: claims queued runs (see queue.ts) up to the global limit and runs them in this
 * process. Stopping it stops claiming, lets running backups finish for a grace period, then
 * interrupts them: rsync gets SIGTERM, then SIGKILL, and the runs end `interrupted`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes, formatCount } from '../../domain/format.js';
import type { StopReason } from '../../domain/rsync-exit.js';
import type { App } from '../app.js';
import type { EventSink } from '../schedule/events.js';
import { loadSettings } from '../settings.js';
import { executeClaimedRun } from './dispatch.js';
import { claimNextRun, releaseClaim } from './queue.js';
import { recoverStaleRuns } from './runs.js';

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

export class Worker {
  private readonly active = new Map<number, ActiveRun>();
  private stopping = false;
  /** the tick under way, which stop() waits for: a claim it makes must not go unseen */
  private ticking: Promise<number> | undefined;

  constructor(
    private readonly app: App,
    private readonly emit: EventSink,
    /** called when a run ends, so a loop can claim the next one at once */
    private readonly onRunEnded: () => void = () => {},
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

  private async claimAndStart(): Promise<number> {
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
    const done = executeClaimedRun(this.app, runId, { signal: controller.signal })
      .then(({ run, snapshot }) => {
        const stats = run.stats ? ` (${formatCount(run.stats.files, 'file')}, ${formatBytes(run.stats.transferredSize)} transferred)` : '';
        const detail = snapshot ? `snapshot ${snapshot.name}${stats}` : (run.error ?? '');
        this.emit({ type: 'finished', runId, host: run.host, message: `run #${runId} ${run.host} ${run.status}: ${detail}` });
      })
      .catch((error: unknown) => {
        this.emit({ type: 'error', runId, message: `run #${runId} failed: ${error instanceof Error ? error.message : String(error)}` });
      })
      .finally(() => {
        this.active.delete(runId);
        this.onRunEnded();
      });
    this.active.set(runId, { controller, done });
    this.emit({ type: 'started', runId, host, message: `run #${runId} ${host} started` });
  }

  /** Stops claiming; after `graceMs`, interrupts what still runs; resolves when all have ended. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    await this.ticking;
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
