/**
 * Every host's health, read from the catalogue in a few queries: what `status --check`, the stale
 * alert, the metrics and the TUI show (the rules themselves are domain/health.ts).
 */
import type { Host } from '../../catalogue/entities/index.js';
import { type HostSummaryRow, hostSummaries, type LastResultRow, lastResults } from '../../catalogue/summaries.js';
import { defaultMaxAge, type HostHealth, hostHealth, scheduleInterval } from '../../domain/health.js';
import { resolveCron } from '../../domain/schedule.js';
import { serverName } from '../../engine/server-name.js';
import type { ReadApp } from '../app.js';
import { readSettings, settingsView } from '../settings-view.js';

export interface HostHealthView extends HostHealth {
  hostId: number;
  enabled: boolean;
  /**
   * Its health counts (status totals, --check, the stale alert, the TUI): enabled for backups, or
   * a replica host that an enabled replicate schedule keeps up to date here.
   */
  monitored: boolean;
  /** where the max age came from */
  maxAgeSource: 'host' | 'schedule' | 'check' | null;
  newestSnapshot: { name: string; status: 'complete' | 'partial'; at: string } | null;
  lastResult: { id: number; status: LastResultRow['status']; at: string; error: string | null } | null;
  /** as alerted: since when it is failing, or stale (null: no alert is out) */
  failingSince: string | null;
  staleSince: string | null;
}

export interface HealthOptions {
  /** one max age for every host (`status --check --max-age`), over their own */
  maxAgeSeconds?: number | undefined;
  /** what the caller read already (status reads it for its own columns) */
  preloaded?: { hosts: Host[]; summaries: Map<number, HostSummaryRow> } | undefined;
}

export async function hostHealths(app: ReadApp, now = new Date(), options: HealthOptions = {}): Promise<HostHealthView[]> {
  const reads = app.catalogue.reads();
  const zone = settingsView(await readSettings(reads)).timeZone;
  const hosts = options.preloaded?.hosts ?? (await reads.hosts());
  const intervals = new Map<number, { interval: number | null; replicate: boolean }[]>();
  const names = new Map(hosts.map((host) => [host.id, host.name]));
  for (const schedule of await reads.enabledSchedules()) {
    const list = intervals.get(schedule.host.id) ?? [];
    list.push({
      interval: cachedInterval(resolveCron(schedule.cron, names.get(schedule.host.id) ?? ''), schedule.timeZone ?? zone, now),
      replicate: schedule.action === 'replicate',
    });
    intervals.set(schedule.host.id, list);
  }
  const summaries = options.preloaded?.summaries ?? (await hostSummaries(reads, serverName()));
  const results = await lastResults(reads);
  return hosts.map((host) => {
    const summary = summaries.get(host.id);
    const result = results.get(host.id);
    const schedules = intervals.get(host.id) ?? [];
    const { maxAgeSeconds, maxAgeSource } = maxAgeOf(host, schedules, options);
    const newestSnapshot =
      summary?.newestSnapshotName != null
        ? { name: summary.newestSnapshotName, status: summary.newestSnapshotStatus!, at: summary.newestSnapshotAt! }
        : null;
    const health = hostHealth(
      {
        host: host.name,
        newestSnapshot,
        lastResult: result ? { id: result.id, status: result.status, at: result.finishedAt, error: result.error } : null,
        maxAgeSeconds,
        createdAt: host.createdAt,
      },
      now,
    );
    return {
      ...health,
      hostId: host.id,
      enabled: host.enabled,
      monitored: host.enabled || replicatedHere(host, schedules),
      maxAgeSource,
      newestSnapshot: newestSnapshot && { ...newestSnapshot, at: newestSnapshot.at.toISOString() },
      lastResult: result ? { id: result.id, status: result.status, at: result.finishedAt.toISOString(), error: result.error } : null,
      failingSince: host.failingSince?.toISOString() ?? null,
      staleSince: host.staleSince?.toISOString() ?? null,
    };
  });
}

/** A replica host (disabled for backups) whose replicate schedule fires all the same: its replicas are its backups. */
function replicatedHere(host: Host, schedules: readonly { replicate: boolean }[]): boolean {
  return !host.enabled && schedules.some((schedule) => schedule.replicate);
}

function maxAgeOf(
  host: Host,
  schedules: readonly { interval: number | null; replicate: boolean }[],
  options: HealthOptions,
): { maxAgeSeconds: number | null; maxAgeSource: HostHealthView['maxAgeSource'] } {
  if (options.maxAgeSeconds !== undefined) return { maxAgeSeconds: options.maxAgeSeconds, maxAgeSource: 'check' };
  if (host.maxAgeSeconds != null) return { maxAgeSeconds: host.maxAgeSeconds, maxAgeSource: 'host' };
  // A disabled host's backup schedules do not fire; its replicate schedules do.
  const firing = host.enabled ? schedules : schedules.filter((schedule) => schedule.replicate);
  const fromSchedules = defaultMaxAge(firing.map((schedule) => schedule.interval));
  return { maxAgeSeconds: fromSchedules, maxAgeSource: fromSchedules === null ? null : 'schedule' };
}

/**
 * Schedule intervals, remembered for the hour: working one out walks a week of fire times, which
 * for 200 hosts would cost the TUI's once-a-second status hundreds of milliseconds.
 */
const intervals = new Map<string, number | null>();

function cachedInterval(cron: string, timeZone: string, now: Date): number | null {
  const key = `${Math.floor(now.getTime() / 3_600_000)} ${timeZone} ${cron}`;
  if (!intervals.has(key)) {
    if (intervals.size >= 10_000) intervals.clear();
    intervals.set(key, scheduleInterval(cron, timeZone, now));
  }
  return intervals.get(key)!;
}
