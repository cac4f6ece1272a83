/** The server-wide settings (GlobalConfig, one row). */
import { mkdir } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/sqlite';
import { GlobalConfigSchema, type GlobalConfig } from '../catalogue/entities/index.js';
import { UserError } from '../domain/errors.js';
import { validateBackupRoot, validatePositiveInteger, validateRsyncArgs, validateTimeZone } from '../domain/validation.js';
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

/** The settings row, created with defaults on first use (by whichever process gets there first). */
export async function loadSettings(em: EntityManager): Promise<GlobalConfig> {
  const found = await em.findOne(GlobalConfigSchema, { id: 1 });
  if (found) return found;
  await em
    .createQueryBuilder(GlobalConfigSchema)
    .insert({ id: 1, maxConcurrent: 2, shutdownGraceSeconds: 30, defaultRsyncArgs: [], updatedAt: new Date() })
    .onConflict('id')
    .ignore()
    .execute();
  return em.findOneOrFail(GlobalConfigSchema, { id: 1 });
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
export function requireBackupRoot(config: GlobalConfig): string {
  if (!config.backupRoot) {
    throw new UserError('no backup root is configured: set one with "pobsync configure-global --backup-root /srv/backups"');
  }
  return config.backupRoot;
}

/** Validates every given field first; writes only when all are good. Creates the backup root (0700). */
export async function configureGlobal(app: App, input: SettingsInput): Promise<SettingsView> {
  const backupRoot = input.backupRoot === undefined ? undefined : validateBackupRoot(input.backupRoot);
  const timeZone = input.timeZone === undefined ? undefined : validateTimeZone(input.timeZone);
  const maxConcurrent = input.maxConcurrent === undefined ? undefined : validatePositiveInteger('max concurrent', input.maxConcurrent, 64);
  const shutdownGraceSeconds = input.shutdownGraceSeconds === undefined ? undefined : validatePositiveInteger('shutdown grace', input.shutdownGraceSeconds, 86_400);
  const defaultRsyncArgs = input.defaultRsyncArgs === undefined ? undefined : validateRsyncArgs(input.defaultRsyncArgs);

  const em = app.catalogue.em();
  const config = await loadSettings(em);
  if (backupRoot === undefined && !config.backupRoot) {
    throw new UserError('backup root is missing: give one with --backup-root /srv/backups');
  }
  if (backupRoot !== undefined) {
    await mkdir(backupRoot, { recursive: true, mode: 0o700 });
    config.backupRoot = backupRoot;
  }
  if (timeZone !== undefined) config.timeZone = timeZone;
  if (maxConcurrent !== undefined) config.maxConcurrent = maxConcurrent;
  if (shutdownGraceSeconds !== undefined) config.shutdownGraceSeconds = shutdownGraceSeconds;
  if (defaultRsyncArgs !== undefined) config.defaultRsyncArgs = defaultRsyncArgs;
  await em.flush();
  return settingsView(config);
}
