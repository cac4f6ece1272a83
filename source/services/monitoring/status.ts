/** `pobsync status`: per host, the last run and the newest snapshot; totals over all hosts. */
import { HostSchema, ScheduleSchema } from '../../catalogue/entities/index.js';
import { activeRunCounts } from '../../catalogue/runs.js';
import { hostSummaries } from '../../catalogue/summaries.js';
import { nextFires } from '../../domain/schedule.js';
import type { RunKind, RunStatus, SnapshotStatus } from '../../domain/types.js';
import type { App } from '../app.js';
import { type LeaseView, readLease } from '../schedule/lease.js';
import { loadSettings, type SettingsView, settingsView } from '../settings.js';

export interface HostStatus {
  host: string;
  address: string;
  enabled: boolean;
  lastRun: { id: number; kind: RunKind; status: RunStatus; at: string; error: string | null } | null;
  lastSnapshot: { name: string; status: SnapshotStatus; at: string; ageSeconds: number } | null;
  snapshotCount: number;
  /** the next time one of its schedules fires (null: no enabled schedule) */
  nextRun: string | null;
}

export interface StatusReport {
  settings: SettingsView;
  catalogue: string;
  /** who runs the scheduler for this catalogue; null or not live: nobody */
  scheduler: LeaseView | null;
  hosts: HostStatus[];
  totals: {
    hosts: number;
    enabledHosts: number;
    snapshots: number;
    running: number;
    queued: number;
    failedLastRun: number;
    neverBackedUp: number;
  };
}

export async function status(app: App, now = new Date()): Promise<StatusReport> {
  const em = app.catalogue.em();
  const settings = settingsView(await loadSettings(em));
  const hosts = await em.find(HostSchema, {}, { orderBy: { name: 'asc' } });
  const summaries = await hostSummaries(em);
  const nextRuns = new Map<number, Date>();
  for (const schedule of await em.find(ScheduleSchema, { enabled: true })) {
    const [next] = nextFires(schedule.cron, schedule.timeZone ?? settings.timeZone, now, 1);
    const hostId = schedule.host.id;
    if (next && (!nextRuns.has(hostId) || next < nextRuns.get(hostId)!)) nextRuns.set(hostId, next);
  }
  const active = await activeRunCounts(em);
  const statuses: HostStatus[] = hosts.map((host) => {
    const summary = summaries.get(host.id);
    return {
      host: host.name,
      address: host.address,
      enabled: host.enabled,
      lastRun:
        summary?.lastRunId != null
          ? {
              id: summary.lastRunId,
              kind: summary.lastRunKind!,
              status: summary.lastRunStatus!,
              at: summary.lastRunAt!.toISOString(),
              error: summary.lastRunError,
            }
          : null,
      lastSnapshot:
        summary?.newestSnapshotName != null
          ? {
              name: summary.newestSnapshotName,
              status: summary.newestSnapshotStatus!,
              at: summary.newestSnapshotAt!.toISOString(),
              ageSeconds: Math.round((now.getTime() - summary.newestSnapshotAt!.getTime()) / 1000),
            }
          : null,
      snapshotCount: summary?.snapshotCount ?? 0,
      nextRun: host.enabled ? (nextRuns.get(host.id)?.toISOString() ?? null) : null,
    };
  });
  return {
    settings,
    catalogue: app.catalogue.path,
    scheduler: await readLease(app, now),
    hosts: statuses,
    totals: {
      hosts: hosts.length,
      enabledHosts: hosts.filter((host) => host.enabled).length,
      snapshots: statuses.reduce((sum, host) => sum + host.snapshotCount, 0),
      running: active.running,
      queued: active.queued,
      failedLastRun: statuses.filter((host) => host.lastRun?.status === 'failed').length,
      neverBackedUp: statuses.filter((host) => host.lastSnapshot === null).length,
    },
  };
}
