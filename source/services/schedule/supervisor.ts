/**
 * Scheduler and worker in one process, under the scheduler lease: what `pobsync daemon` runs,
 * and what the TUI runs when no daemon does. Only the lease holder schedules; other supervisors
 * wait on standby and take over when the holder's lease expires or its process dies. The lease
 * holder works, and so does a supervisor on standby whose server is not the holder's: each
 * server's worker runs the runs of the hosts assigned to it. Every supervisor that works writes
 * its server's heartbeat.
 */
import { randomUUID } from 'node:crypto';
import { formatTime } from '../../domain/format.js';
import type { App } from '../app.js';
import { checkStaleHosts } from '../monitoring/alerts.js';
import { RunFollowUps } from '../monitoring/follow-up.js';
import { refreshMetrics } from '../monitoring/metrics.js';
import { pruneRuns } from '../runs/pruning.js';
import { Worker } from '../runs/worker.js';
import { heartbeat, SERVER_HEARTBEAT_MS, serverName } from '../servers.js';
import type { EventSink } from './events.js';
import { LEASE_HEARTBEAT_MS, type LeaseView, readLease, releaseLease, renewLease, tryAcquireLease } from './lease.js';
import { nextScheduledFire, schedulerTick } from './scheduler.js';

export interface SupervisorOptions {
  /** what the lease says holds it: "daemon", "tui", "scheduler" */
  role: string;
  /** fire schedules (needs the lease) */
  schedule: boolean;
  /** run queued backups: under the lease when scheduling too, without it otherwise */
  work: boolean;
  /** the scheduler re-reads schedules at least this often */
  schedulerIntervalMs: number;
  /** the worker looks for queued runs at least this often */
  workerIntervalMs: number;
  /** while scheduling: how often stale hosts are looked for and the metrics textfile rewritten (default 60 s) */
  monitorIntervalMs?: number;
  emit: EventSink;
}

export interface Supervisor {
  /** true while this process holds the lease (always true for a worker without scheduling) */
  isActive(): boolean;
  /** the lease as last seen: who schedules for this catalogue */
  lease(): LeaseView | null;
  /** ids of the runs this process is running */
  runningIds(): number[];
  /** look for queued runs now (after queueing one) */
  poke(): void;
  /** stop scheduling and claiming; give running backups `graceMs`, then interrupt them */
  stop(graceMs: number): Promise<void>;
}

/** A sleep that ends early when woken; a wake while nobody sleeps ends the next sleep at once. */
class Waker {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish(), Math.max(0, ms));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    if (this.wakeUp) this.finish();
    else this.pending = true;
  }

  private finish(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}

export async function startSupervisor(app: App, options: SupervisorOptions): Promise<Supervisor> {
  const holder = randomUUID();
  const self = serverName();
  const needsLease = options.schedule;
  let active = !needsLease;
  let stopped = false;
  /** aborted by stop(): what a loop is in the middle of (a tick over a thousand hosts) ends at the next host */
  const stopping = new AbortController();
  let lastLease: LeaseView | null = null;
  let lastHolderReported: string | undefined;
  const leaseWaker = new Waker();
  const schedulerWaker = new Waker();
  const workerWaker = new Waker();
  const monitorWaker = new Waker();
  const heartbeatWaker = new Waker();
  const followUps = new RunFollowUps(app, options.emit);
  const worker = new Worker(
    app,
    options.emit,
    () => workerWaker.wake(),
    {},
    (run) => followUps.handle(run),
  );
  const report = (error: unknown) => options.emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });

  const becomeActive = async () => {
    active = true;
    options.emit({ type: 'lease', message: `scheduler lease acquired (${options.role}, pid ${process.pid})` });
    schedulerWaker.wake();
    workerWaker.wake();
    monitorWaker.wake();
  };

  /** Another process holds the lease: say who, once per holder. */
  const standBy = (lease: LeaseView) => {
    lastHolderReported = lease.holder;
    options.emit({
      type: 'lease',
      message:
        `scheduler lease held by ${lease.role} pid ${lease.pid} on ${lease.node} since ` +
        `${formatTime(new Date(lease.acquiredAt))}: standing by`,
    });
  };

  const leaseLoop = async () => {
    while (!stopped) {
      try {
        const now = new Date();
        if (active) {
          if (!(await renewLease(app, holder, now))) {
            active = false;
            options.emit({ type: 'lease', message: 'scheduler lease lost (this process missed its heartbeat): standing by' });
          }
        } else {
          const { acquired, lease } = await tryAcquireLease(app, holder, options.role, now);
          if (acquired) await becomeActive();
          else if (lease && lease.holder !== lastHolderReported) standBy(lease);
        }
        lastLease = await readLease(app, now);
      } catch (error) {
        report(error);
      }
      // On standby, look again soon after the holder's lease could have expired.
      await leaseWaker.wait(active ? LEASE_HEARTBEAT_MS : LEASE_HEARTBEAT_MS / 2);
    }
  };

  const schedulerLoop = async () => {
    while (!stopped) {
      let wait = 1000;
      if (active) {
        try {
          const now = new Date();
          if ((await schedulerTick(app, now, options.emit, stopping.signal)) > 0) workerWaker.wake();
          if (stopped) break;
          const next = await nextScheduledFire(app, now);
          // Wake just after the next fire time, and re-read schedules at least every interval.
          wait = Math.min(options.schedulerIntervalMs, next ? next.getTime() - Date.now() + 50 : Infinity);
        } catch (error) {
          report(error);
        }
      }
      await schedulerWaker.wait(Math.max(wait, 50));
    }
  };

  /** The lease holder looks for hosts gone stale, and keeps the metrics and the run history current. */
  const monitorLoop = async () => {
    let pruned = false;
    while (!stopped) {
      if (active) {
        try {
          const now = new Date();
          if (!pruned) {
            const { deleted } = await pruneRuns(app, { signal: stopping.signal });
            if (deleted > 0) options.emit({ type: 'lease', message: `pruned ${deleted} old runs and their logs` });
            pruned = true;
          }
          await checkStaleHosts(app, now, options.emit, stopping.signal);
          if (!stopped) await refreshMetrics(app, now);
        } catch (error) {
          report(error);
        }
      }
      await monitorWaker.wait(active ? (options.monitorIntervalMs ?? 60_000) : 1000);
    }
  };

  /**
   * Whether this process runs queued runs: the lease holder, or a daemon or worker while another
   * server holds the lease. Never a TUI on standby: its server's daemon runs them, and quitting the
   * TUI would interrupt what it took.
   */
  const working = () => active || (options.role !== 'tui' && lastLease?.live && lastLease.server !== null && lastLease.server !== self);

  const workerLoop = async () => {
    while (!stopped) {
      if (working()) await worker.tick().catch(report);
      await workerWaker.wait(working() ? options.workerIntervalMs : 1000);
    }
  };

  /** This server is alive: the heartbeat `status` and the TUI read. */
  const heartbeatLoop = async () => {
    while (!stopped) {
      await heartbeatWaker.wait(SERVER_HEARTBEAT_MS);
      if (stopped) break;
      await heartbeat(app).catch(report);
    }
  };

  if (options.work) await heartbeat(app, undefined, true);
  if (needsLease) {
    const { acquired, lease } = await tryAcquireLease(app, holder, options.role);
    lastLease = lease;
    if (acquired) await becomeActive();
    else if (lease) standBy(lease);
  }
  const loops = [
    needsLease ? leaseLoop() : Promise.resolve(),
    options.schedule ? schedulerLoop() : Promise.resolve(),
    options.schedule ? monitorLoop() : Promise.resolve(),
    options.work ? workerLoop() : Promise.resolve(),
    options.work ? heartbeatLoop() : Promise.resolve(),
  ];

  return {
    isActive: () => active,
    lease: () => lastLease,
    runningIds: () => worker.runningIds,
    poke: () => workerWaker.wake(),
    async stop(graceMs) {
      stopped = true;
      stopping.abort();
      leaseWaker.wake();
      schedulerWaker.wake();
      workerWaker.wake();
      monitorWaker.wake();
      heartbeatWaker.wake();
      await worker.stop(graceMs);
      await followUps.drain();
      await Promise.all(loops);
      if (needsLease && active) await releaseLease(app, holder).catch(report);
      active = false;
    },
  };
}
