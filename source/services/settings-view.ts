/** The server-wide settings as every view shows them: kept apart from settings.ts (its writes) so a listing loads no ORM. */
import type { GlobalConfig } from '../catalogue/entities/index.js';
import type { AlertHooks } from '../domain/alerting.js';
import { UserError } from '../domain/errors.js';

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

export function settingsView(config: GlobalConfig): SettingsView {
  return {
    backupRoot: config.backupRoot ?? null,
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

/** The backup root, or a UserError that says how to set one. */
/** The configured backup root, for what reads only the catalogue (a retention preview). */
export function configuredBackupRoot(config: GlobalConfig): string {
  if (!config.backupRoot) {
    throw new UserError('no backup root is configured: set one with "pobsync configure-global --backup-root /srv/backups"');
  }
  return config.backupRoot;
}
