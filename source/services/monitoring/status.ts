/** `pobsync status`: per host, the last run and the newest snapshot; totals over all hosts. */
import { databaseNow } from '../../catalogue/reads.js';
import { activeRunCounts, hostSummaries } from '../../catalogue/summaries.js';
import { type CheckResult, checkResult } from '../../domain/health.js';
import { nextFires, resolveCron } from '../../domain/schedule.js';
import type { RunKind, RunStatus, SnapshotStatus } from '../../domain/types.js';
import { serverName } from '../../engine/server-name.js';
import type { ReadApp } from '../app.js';
import { type DaemonElsewhere, daemonElsewhere, type LeaseView, readLease } from '../schedule/lease.js';
import { type ServerView, serverView } from '../server-view.js';
import { readSettings, type SettingsView, settingsView } from '../settings-view.js';
import { type HostHealthView, hostHealths } from './health.js';

export interface HostStatus {
  host: string;
  address: string;
  /** the server that backs it up; null: assigned to none (made before servers); status() always sets it */
  server?: string | null;
  enabled: boolean;
  lastRun: { id: number; kind: RunKind; status: RunStatus; at: string; error: string | null } | null;
  lastSnapshot: { name: string; status: SnapshotStatus; at: string; ageSeconds: number } | null;
  /** the snapshots this server holds */
  snapshotCount: number;
  /**
   * every server's count of its snapshots, this one's included (status() always sets it): on a
   * shared catalogue a server that replicates the host holds copies of the same names
   */
  snapshotsByServer?: Record<string, number>;
  /** a run of it is running now, else one is queued; null: neither (status() always sets it) */
  active?: 'running' | 'queued' | null;
  /** the next time one of its schedules fires (null: no enabled schedule) */
  nextRun: string | null;
  /** what `status --check` says of it (status() always sets it) */
  health?: Pick<HostHealthView, 'state' | 'stale' | 'reasons' | 'maxAgeSeconds' | 'maxAgeSource' | 'monitored'>;
}

export interface StatusReport {
  settings: SettingsView;
  /** the home in use (catalogue, keys, logs) and what chose it */
  home: string;
  homeSource: string;
  catalogue: string;
  /** the installed service's scheduler, when it runs on another home than this one */
  daemonElsewhere: DaemonElsewhere | null;
  /** who runs the scheduler for this catalogue; null or not live: nobody */
  scheduler: LeaseView | null;
  /** the server this is */
  server: string;
  /** every server of the catalogue, with its heartbeat: up, or down after three missed heartbeats */
  servers: ServerView[];
  hosts: HostStatus[];
  totals: {
    hosts: number;
    enabledHosts: number;
    /** the snapshots this server holds */
    snapshots: number;
    /** every server's count of snapshots, this one's included */
    snapshotsByServer: Record<string, number>;
    running: number;
    queued: number;
    failedLastRun: number;
    neverBackedUp: number;
    /** enabled hosts whose newest snapshot is older than their max age */
    stale: number;
    /** enabled hosts by what `status --check` says */
    ok: number;
    warning: number;
    critical: number;
  };
}

export async function status(app: ReadApp, now = new Date()): Promise<StatusReport> {
  const reads = app.catalogue.reads();
  const settings = settingsView(await readSettings(reads));
  const hosts = await reads.hosts();
  const self = serverName();
  const summaries = await hostSummaries(reads, self);
  const nextRuns = new Map<number, Date>();
  const names = new Map(hosts.map((host) => [host.id, host.name]));
  for (const schedule of await reads.enabledSchedules()) {
    const cron = resolveCron(schedule.cron, names.get(schedule.host.id) ?? '');
    const [next] = nextFires(cron, schedule.timeZone ?? settings.timeZone, now, 1);
    const hostId = schedule.host.id;
    if (next && (!nextRuns.has(hostId) || next < nextRuns.get(hostId)!)) nextRuns.set(hostId, next);
  }
  const active = await activeRunCounts(reads);
  const serversNow = await databaseNow(reads);
  const healths = new Map((await hostHealths(app, now, { preloaded: { hosts, summaries } })).map((health) => [health.hostId, health]));
  const statuses: HostStatus[] = hosts.map((host) => {
    const summary = summaries.get(host.id);
    const health = healths.get(host.id)!;
    return {
      host: host.name,
      address: host.address,
      server: host.server ?? null,
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
      snapshotsByServer: summary?.snapshotsByServer ?? {},
      active: summary?.active ?? null,
      nextRun: health.monitored ? (nextRuns.get(host.id)?.toISOString() ?? null) : null,
      health: {
        state: health.state,
        stale: health.stale,
        reasons: health.reasons,
        maxAgeSeconds: health.maxAgeSeconds,
        maxAgeSource: health.maxAgeSource,
        monitored: health.monitored,
      },
    };
  });
  const byServer: Record<string, number> = {};
  for (const host of statuses) {
    for (const [server, count] of Object.entries(host.snapshotsByServer ?? {})) byServer[server] = (byServer[server] ?? 0) + count;
  }
  // Replica hosts a replicate schedule keeps up to date count with the enabled ones.
  const enabled = statuses.filter((host) => host.health?.monitored);
  return {
    settings,
    home: app.paths.home,
    homeSource: app.homeSource,
    catalogue: app.catalogue.path,
    daemonElsewhere: (await daemonElsewhere(app, now)) ?? null,
    scheduler: await readLease(app, now),
    server: self,
    // Up or down by the database's clock, the one heartbeats are written by: this machine's may be off.
    servers: (await reads.servers()).map((server) => serverView(server, serversNow)),
    hosts: statuses,
    totals: {
      hosts: hosts.length,
      enabledHosts: hosts.filter((host) => host.enabled).length,
      snapshots: statuses.reduce((sum, host) => sum + host.snapshotCount, 0),
      snapshotsByServer: byServer,
      running: active.running,
      queued: active.queued,
      failedLastRun: statuses.filter((host) => host.lastRun?.status === 'failed').length,
      neverBackedUp: statuses.filter((host) => host.lastSnapshot === null).length,
      stale: enabled.filter((host) => host.health?.stale).length,
      ok: enabled.filter((host) => host.health?.state === 'ok').length,
      warning: enabled.filter((host) => host.health?.state === 'warning').length,
      critical: enabled.filter((host) => host.health?.state === 'critical').length,
    },
  };
}

export interface CheckReport extends CheckResult {
  hosts: HostHealthView[];
  scheduler: LeaseView | null;
}

/**
 * `status --check`: the Nagios/Icinga plugin verdict over every enabled host and every replica host
 * a replicate schedule keeps (domain/health.ts),
 * with `maxAgeSeconds` as every host's max age when given.
 */
export async function statusCheck(
  app: ReadApp,
  now = new Date(),
  options: { maxAgeSeconds?: number | undefined } = {},
): Promise<CheckReport> {
  const healths = (await hostHealths(app, now, options)).filter((health) => health.monitored);
  const scheduler = await readLease(app, now);
  const reads = app.catalogue.reads();
  const [schedules] = await reads.execute<{ count: unknown }[]>(
    `select count(*) as count from schedule s join host h on h.id = s.host_id
      where s.enabled = 1 and (h.enabled = 1 or s.action = 'replicate')`,
  );
  const needed = reads.dialectSql.number(schedules?.count) > 0;
  return { ...checkResult(healths, { needed, live: scheduler?.live ?? false }), hosts: healths, scheduler };
}
