/** `pobsync status`: per host, the last run and the newest snapshot; totals over all hosts. */
import { HostSchema } from '../catalogue/entities/index.js';
import { hostSummaries } from '../catalogue/queries.js';
import type { RunKind, RunStatus, SnapshotStatus } from '../domain/types.js';
import type { App } from './app.js';
import { settingsView, loadSettings, type SettingsView } from './settings.js';

export interface HostStatus {
  host: string;
  address: string;
  enabled: boolean;
  lastRun: { id: number; kind: RunKind; status: RunStatus; at: string; error: string | null } | null;
  lastSnapshot: { name: string; status: SnapshotStatus; at: string; ageSeconds: number } | null;
  snapshotCount: number;
}

export interface StatusReport {
  settings: SettingsView;
  catalogue: string;
  hosts: HostStatus[];
  totals: { hosts: number; enabledHosts: number; snapshots: number; running: number; queued: number; failedLastRun: number; neverBackedUp: number };
}

export async function status(app: App, now = new Date()): Promise<StatusReport> {
  const em = app.catalogue.em();
  const settings = settingsView(await loadSettings(em));
  const hosts = await em.find(HostSchema, {}, { orderBy: { name: 'asc' } });
  const summaries = await hostSummaries(em);
  const active = await em
    .getConnection()
    .execute<{ status: RunStatus; count: number }[]>(`select status, count(*) as count from backup_run where status in ('running', 'queued') group by status`);
  const statuses: HostStatus[] = hosts.map((host) => {
    const summary = summaries.get(host.id);
    return {
      host: host.name,
      address: host.address,
      enabled: host.enabled,
      lastRun:
        summary?.lastRunId != null
          ? { id: summary.lastRunId, kind: summary.lastRunKind!, status: summary.lastRunStatus!, at: summary.lastRunAt!.toISOString(), error: summary.lastRunError }
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
    };
  });
  const count = (status: RunStatus) => active.find((row) => row.status === status)?.count ?? 0;
  return {
    settings,
    catalogue: app.catalogue.path,
    hosts: statuses,
    totals: {
      hosts: hosts.length,
      enabledHosts: hosts.filter((host) => host.enabled).length,
      snapshots: statuses.reduce((sum, host) => sum + host.snapshotCount, 0),
      running: count('running'),
      queued: count('queued'),
      failedLastRun: statuses.filter((host) => host.lastRun?.status === 'failed').length,
      neverBackedUp: statuses.filter((host) => host.lastSnapshot === null).length,
    },
  };
}
