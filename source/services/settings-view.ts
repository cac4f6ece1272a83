/** The server-wide settings as every view shows them: kept apart from settings.ts (its writes) so a listing loads no ORM. */
import type { GlobalConfig } from '../catalogue/entities/index.js';
import type { CatalogueReads } from '../catalogue/reads.js';
import type { AlertHooks } from '../domain/alerting.js';
import { UserError } from '../domain/errors.js';
import { serverName } from '../engine/server-name.js';

export interface SettingsView {
  backupRoot: string | null;
  /** the zone schedules and retention use */
  timeZone: string;
  /** true when no zone is configured and the server's own is used */
  timeZoneIsServerDefault: boolean;
  maxConcurrent: number;
  shutdownGraceSeconds: number;
  defaultRsyncArgs: string[];
  /** where alerts go for hosts without their own hooks */
  alerts: AlertHooks;
  /** how often a failed scheduled backup is tried again, and the pause before the first retry */
  retries: number;
  retryDelaySeconds: number;
  hookTimeoutSeconds: number;
  /** runs kept per host (besides those whose snapshot is still there) */
  keepRuns: number;
  /** the node_exporter textfile the daemon keeps current; null: none */
  metricsTextfile: string | null;
  /** delete a deprecated archive's file when a newer one of its host and option set is made */
  archiveAutoPurge: boolean;
  /** this catalogue's id, which the backup root's marker names */
  catalogueId: string;
}

export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * This server's backup root, per settings row: each server of a shared catalogue has its own (its
 * `server` row), which the global row's column cannot say. Filled by loadSettings and readSettings.
 */
const serverRoots = new WeakMap<GlobalConfig, string | null>();

export function rememberServerRoot(config: GlobalConfig, backupRoot: string | null): void {
  serverRoots.set(config, backupRoot);
}

/** This server's backup root (null until configure-global sets it), from a row loadSettings or readSettings loaded. */
export function backupRootOf(config: GlobalConfig): string | null {
  return serverRoots.has(config) ? (serverRoots.get(config) ?? null) : (config.backupRoot ?? null);
}

/**
 * The settings row for a listing, knowing this server's backup root: its server row's, or none
 * while other servers have registered and this one has not; the global one before any server.
 */
export async function readSettings(reads: CatalogueReads): Promise<GlobalConfig> {
  const [config, servers] = await Promise.all([reads.settings(), reads.servers()]);
  const self = serverName();
  const own = servers.find((server) => server.name === self);
  if (own || servers.length > 0) rememberServerRoot(config, own?.backupRoot ?? null);
  return config;
}

export function settingsView(config: GlobalConfig): SettingsView {
  return {
    backupRoot: backupRootOf(config),
    timeZone: config.timeZone ?? serverTimeZone(),
    timeZoneIsServerDefault: !config.timeZone,
    maxConcurrent: config.maxConcurrent,
    shutdownGraceSeconds: config.shutdownGraceSeconds,
    defaultRsyncArgs: config.defaultRsyncArgs,
    alerts: config.alerts ?? {},
    retries: config.retries,
    retryDelaySeconds: config.retryDelaySeconds,
    hookTimeoutSeconds: config.hookTimeoutSeconds,
    keepRuns: config.keepRuns,
    metricsTextfile: config.metricsTextfile ?? null,
    archiveAutoPurge: config.archiveAutoPurge,
    catalogueId: config.catalogueId ?? '',
  };
}

/** The configured backup root, for what reads only the catalogue (a retention preview). */
export function configuredBackupRoot(config: GlobalConfig): string {
  const backupRoot = backupRootOf(config);
  if (!backupRoot) {
    throw new UserError(
      `no backup root is configured${serverRoots.has(config) ? ` for server ${serverName()}` : ''}: set one with ` +
        '"pobsync configure-global --backup-root /srv/backups"',
    );
  }
  return backupRoot;
}
