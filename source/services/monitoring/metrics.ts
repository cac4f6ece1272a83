/**
 * Metrics for Prometheus, in node_exporter's textfile format: per host the last success, the last
 * run's status, duration and bytes, the snapshot count and size, staleness; the queue and the
 * scheduler's heartbeat. `pobsync metrics` prints them; with a textfile set (configure-global
 * --metrics-textfile), the daemon rewrites that file after every run and every minute.
 */
import { activeRunCounts, lastResults, snapshotTotals } from '../../catalogue/summaries.js';
import { writeFileAtomically } from '../../engine/atomic-file.js';
import { serverName } from '../../engine/server-name.js';
import type { App } from '../app.js';
import { readLease } from '../schedule/lease.js';
import { loadSettings } from '../settings.js';
import { hostHealths } from './health.js';

interface Family {
  name: string;
  help: string;
  samples: { labels?: Record<string, string>; value: number }[];
}

const seconds = (time: Date | string) => (typeof time === 'string' ? Date.parse(time) : time.getTime()) / 1000;
const HEALTH_VALUE = { ok: 0, warning: 1, critical: 2 } as const;
const RESULT_STATUSES = ['succeeded', 'partial', 'failed'] as const;

export async function renderMetrics(app: App, now = new Date()): Promise<string> {
  const em = app.catalogue.em();
  const healths = await hostHealths(app, now);
  const results = await lastResults(em);
  const totals = await snapshotTotals(em, serverName());
  const active = await activeRunCounts(em);
  const lease = await readLease(app, now);
  const family = (name: string, help: string): Family => ({ name, help, samples: [] });
  const f = {
    enabled: family('pobsync_host_enabled', '1 when the host is enabled (scheduled backups run)'),
    health: family('pobsync_host_health', 'what status --check says of the host: 0 ok, 1 warning (stale or partial), 2 critical'),
    success: family('pobsync_host_last_success_timestamp_seconds', 'when the newest snapshot (complete or partial) finished'),
    resultTime: family('pobsync_host_last_run_timestamp_seconds', 'when the last backup run that succeeded, was partial or failed ended'),
    status: family('pobsync_host_last_run_status', "the last backup run's status: 1 for the one it ended with, 0 for the others"),
    duration: family('pobsync_host_last_run_duration_seconds', 'how long the last backup run took'),
    bytes: family('pobsync_host_last_run_transferred_bytes', 'bytes the last backup run transferred'),
    count: family('pobsync_host_snapshots', 'snapshots of the host on this server'),
    size: family(
      'pobsync_host_snapshots_size_bytes',
      "sum of the snapshots' sizes as rsync reported them (shared hard links count each time)",
    ),
    stale: family('pobsync_host_stale', '1 when the newest snapshot is older than the max age'),
    maxAge: family('pobsync_host_max_age_seconds', 'the max age: its own, or twice the interval of its most frequent schedule'),
    queue: family('pobsync_queue_length', 'runs queued (retries waiting for their time included)'),
    running: family('pobsync_runs_running', 'runs running now'),
    heartbeat: family('pobsync_scheduler_heartbeat_timestamp_seconds', "the scheduler lease holder's last heartbeat"),
    schedulerUp: family('pobsync_scheduler_up', '1 when a live process holds the scheduler lease'),
    generated: family('pobsync_metrics_timestamp_seconds', 'when these metrics were written'),
  };
  for (const health of healths) {
    const labels = { host: health.host };
    const result = results.get(health.hostId);
    const total = totals.get(health.hostId);
    f.enabled.samples.push({ labels, value: health.enabled ? 1 : 0 });
    f.health.samples.push({ labels, value: HEALTH_VALUE[health.state] });
    if (total?.newestFinishedAt) f.success.samples.push({ labels, value: seconds(total.newestFinishedAt) });
    if (result) {
      f.resultTime.samples.push({ labels, value: seconds(result.finishedAt) });
      for (const status of RESULT_STATUSES)
        f.status.samples.push({ labels: { ...labels, status }, value: result.status === status ? 1 : 0 });
      if (result.startedAt) f.duration.samples.push({ labels, value: (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000 });
      f.bytes.samples.push({ labels, value: result.transferredBytes ?? 0 });
    }
    f.count.samples.push({ labels, value: total?.count ?? 0 });
    f.size.samples.push({ labels, value: total?.totalBytes ?? 0 });
    f.stale.samples.push({ labels, value: health.stale ? 1 : 0 });
    if (health.maxAgeSeconds !== null) f.maxAge.samples.push({ labels, value: health.maxAgeSeconds });
  }
  f.queue.samples.push({ value: active.queued });
  f.running.samples.push({ value: active.running });
  if (lease) f.heartbeat.samples.push({ value: seconds(lease.heartbeatAt) });
  f.schedulerUp.samples.push({ value: lease?.live ? 1 : 0 });
  f.generated.samples.push({ value: now.getTime() / 1000 });
  return `${Object.values(f)
    .filter((entry) => entry.samples.length > 0)
    .map(formatFamily)
    .join('\n')}\n`;
}

function formatFamily(family: Family): string {
  return [
    `# HELP ${family.name} ${family.help}`,
    `# TYPE ${family.name} gauge`,
    ...family.samples.map((sample) => `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`),
  ].join('\n');
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const pairs = Object.entries(labels).map(
    ([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** Writes the metrics to `path` in one atomic step (readable by node_exporter: 0644). */
export async function writeMetricsTextfile(app: App, path: string, now = new Date()): Promise<void> {
  await writeFileAtomically(path, await renderMetrics(app, now), 0o644);
}

/** Rewrites the configured textfile, if one is; returns its path. */
export async function refreshMetrics(app: App, now = new Date()): Promise<string | undefined> {
  const path = (await loadSettings(app.catalogue.em())).metricsTextfile;
  if (!path) return undefined;
  await writeMetricsTextfile(app, path, now);
  return path;
}
