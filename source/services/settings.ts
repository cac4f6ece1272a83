/** The server-wide settings (GlobalConfig, one row). */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type GlobalConfig, SnapshotRecordSchema } from '../catalogue/entities/index.js';
import { settingsRow } from '../catalogue/settings.js';
import { moveSnapshotPaths } from '../catalogue/snapshots.js';
import { OperationError, UserError } from '../domain/errors.js';
import { formatCount } from '../domain/format.js';
import { validateBackupRoot, validatePositiveInteger, validateRsyncArgs, validateTimeZone } from '../domain/validation.js';
import { overlaps } from '../engine/local-paths.js';
import { secureDirectory } from '../engine/ownership.js';
import { BACKUP_ROOT_MARKER, isMarkedBackupRoot, markBackupRoot } from '../engine/snapshot-store.js';
import type { App } from './app.js';

export interface SettingsView {
  backupRoot: string | null;
  /** the zone schedules and retention use */
  timeZone: string;
  /** true when no zone is configured and the server's own is used */
  timeZoneIsServerDefault: boolean;
  maxConcurrent: number;
  shutdownGraceSeconds: number;
  defaultRsyncArgs: string[];
}

export interface SettingsInput {
  backupRoot?: string | undefined;
  timeZone?: string | undefined;
  maxConcurrent?: number | string | undefined;
  shutdownGraceSeconds?: number | string | undefined;
  defaultRsyncArgs?: string[] | undefined;
}

export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The settings row, created with defaults on first use. */
export function loadSettings(em: EntityManager): Promise<GlobalConfig> {
  return settingsRow(em);
}

export function settingsView(config: GlobalConfig): SettingsView {
  return {
    backupRoot: config.backupRoot ?? null,
    timeZone: config.timeZone ?? serverTimeZone(),
    timeZoneIsServerDefault: !config.timeZone,
    maxConcurrent: config.maxConcurrent,
    shutdownGraceSeconds: config.shutdownGraceSeconds,
    defaultRsyncArgs: config.defaultRsyncArgs,
  };
}

export async function getSettings(app: App): Promise<SettingsView> {
  return settingsView(await loadSettings(app.catalogue.em()));
}

/** The backup root, or a UserError that says how to set one. */
/** The configured backup root, for what reads only the catalogue (a retention preview). */
export function configuredBackupRoot(config: GlobalConfig): string {
  if (!config.backupRoot) {
    throw new UserError('no backup root is configured: set one with "pobsync configure-global --backup-root /srv/backups"');
  }
  return config.backupRoot;
}

/**
 * The backup root, ready for snapshots: configured, and carrying the marker configure-global
 * left in it. Without the marker it is most likely a filesystem that is not mounted.
 */
export function requireBackupRoot(config: GlobalConfig): string {
  const backupRoot = configuredBackupRoot(config);
  if (!isMarkedBackupRoot(backupRoot)) {
    throw new OperationError(
      `backup root ${backupRoot} is missing pobsync's marker (${BACKUP_ROOT_MARKER}): is its filesystem mounted? If the directory ` +
        `is right, "pobsync configure-global --backup-root ${backupRoot}" marks it`,
    );
  }
  return backupRoot;
}

/**
 * A new backup root for a catalogue with snapshots: they must have been moved there (the admin
 * moved the directory), and then their recorded paths follow (the returned step). Otherwise
 * it refuses, and nothing changes.
 */
export async function checkSnapshotsMoved(em: EntityManager, from: string, to: string): Promise<() => Promise<unknown>> {
  const records = await em.find(SnapshotRecordSchema, {}, { fields: ['path'] });
  const under = records.filter((record) => record.path.startsWith(`${from}/`));
  const missing = under.filter((record) => !existsSync(join(to, relative(from, record.path))));
  if (missing.length > 0) {
    throw new UserError(
      `backup root "${to}" does not hold the ${formatCount(under.length, 'snapshot')} recorded under ${from} (${missing.length} ` +
        `missing, like ${join(to, relative(from, missing[0]!.path))}): move them there first, then run this again`,
    );
  }
  return () => moveSnapshotPaths(em, from, to);
}

/** Validates every given field first; writes only when all are good. Creates the backup root (0700). */
export async function configureGlobal(app: App, input: SettingsInput, onNote?: (message: string) => void): Promise<SettingsView> {
  const backupRoot = input.backupRoot === undefined ? undefined : validateBackupRoot(input.backupRoot);
  const timeZone = input.timeZone === undefined ? undefined : validateTimeZone(input.timeZone);
  const maxConcurrent = input.maxConcurrent === undefined ? undefined : validatePositiveInteger('max concurrent', input.maxConcurrent, 64);
  const shutdownGraceSeconds =
    input.shutdownGraceSeconds === undefined ? undefined : validatePositiveInteger('shutdown grace', input.shutdownGraceSeconds, 86_400);
  const defaultRsyncArgs = input.defaultRsyncArgs === undefined ? undefined : validateRsyncArgs(input.defaultRsyncArgs);

  const em = app.catalogue.em();
  const config = await loadSettings(em);
  if (backupRoot === undefined && !config.backupRoot) {
    throw new UserError('backup root is missing: give one with --backup-root /srv/backups');
  }
  // Snapshots inside the home would be copied into every backup of it; a home inside the backup
  // root would be pruned like a host.
  if (backupRoot !== undefined && (await overlaps(backupRoot, app.paths.home))) {
    throw new UserError(
      `backup root "${backupRoot}" is not allowed: it overlaps pobsync's home ${app.paths.home} (catalogue, keys, logs); ` +
        'use a directory of its own, like /srv/backups',
    );
  }
  const moveRecords =
    backupRoot !== undefined && config.backupRoot && backupRoot !== config.backupRoot
      ? await checkSnapshotsMoved(em, config.backupRoot, backupRoot)
      : undefined;
  if (backupRoot !== undefined) {
    await markBackupRoot(backupRoot);
    for (const repair of await secureDirectory(backupRoot, 'the backup root')) onNote?.(repair);
    await moveRecords?.();
    config.backupRoot = backupRoot;
  }
  if (timeZone !== undefined) config.timeZone = timeZone;
  if (maxConcurrent !== undefined) config.maxConcurrent = maxConcurrent;
  if (shutdownGraceSeconds !== undefined) config.shutdownGraceSeconds = shutdownGraceSeconds;
  if (defaultRsyncArgs !== undefined) config.defaultRsyncArgs = defaultRsyncArgs;
  await em.flush();
  return settingsView(config);
}
