/** The server-wide settings (GlobalConfig, one row). */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type GlobalConfig, SnapshotRecordSchema } from '../catalogue/entities/index.js';
import { serverCount, setServerAddress, setServerBackupRoot } from '../catalogue/servers.js';
import { settingsRow } from '../catalogue/settings.js';
import { moveSnapshotPaths } from '../catalogue/snapshots.js';
import { type AlertHooks, validateHookCommand, validateMailAddress, validateRetries } from '../domain/alerting.js';
import { OperationError, UserError } from '../domain/errors.js';
import { formatCount } from '../domain/format.js';
import { parseInterval } from '../domain/interval.js';
import { formatPeer, parsePeer } from '../domain/peer.js';
import {
  validateAbsolutePath,
  validateBackupRoot,
  validatePositiveInteger,
  validateRsyncArgs,
  validateTimeZone,
} from '../domain/validation.js';
import { BACKUP_ROOT_MARKER, readMarker, writeMarker } from '../engine/backup-root.js';
import { overlaps } from '../engine/local-paths.js';
import { secureDirectory } from '../engine/ownership.js';
import type { App } from './app.js';
import { ownServer, serverName } from './servers.js';
import { backupRootOf, configuredBackupRoot, rememberServerRoot, type SettingsView, settingsView } from './settings-view.js';

export { backupRootOf, configuredBackupRoot, type SettingsView, serverTimeZone, settingsView } from './settings-view.js';

export interface SettingsInput {
  backupRoot?: string | undefined;
  timeZone?: string | undefined;
  maxConcurrent?: number | string | undefined;
  shutdownGraceSeconds?: number | string | undefined;
  defaultRsyncArgs?: string[] | undefined;
  /** each field given replaces the stored one; "" removes it */
  alerts?: { [K in keyof AlertHooks]?: string | undefined } | undefined;
  retries?: number | string | undefined;
  retryDelay?: string | undefined;
  hookTimeout?: string | undefined;
  keepRuns?: number | string | undefined;
  /** an absolute path; "" turns the textfile off */
  metricsTextfile?: string | undefined;
  archiveAutoPurge?: boolean | undefined;
  /** how other servers reach this one over ssh (`replicate --from NAME` there): user@address[:port]; "" removes it */
  serverAddress?: string | undefined;
  /** take over a backup root that another catalogue's marker names (discovery then records its snapshots) */
  adopt?: boolean | undefined;
}

/** The settings row, created with defaults on first use; it knows this server's backup root. */
export async function loadSettings(em: EntityManager): Promise<GlobalConfig> {
  const config = await settingsRow(em);
  rememberServerRoot(config, (await ownServer(em)).backupRoot ?? null);
  return config;
}

/** Makes `backupRoot` this server's, and the global default while this server is the only one. */
export async function setBackupRoot(em: EntityManager, config: GlobalConfig, backupRoot: string): Promise<void> {
  await setServerBackupRoot(em, serverName(), backupRoot);
  rememberServerRoot(config, backupRoot);
  if ((await serverCount(em)) <= 1) config.backupRoot = backupRoot;
}

export async function getSettings(app: App): Promise<SettingsView> {
  return settingsView(await loadSettings(app.catalogue.em()));
}

/**
 * The backup root, ready for snapshots: configured, and carrying the marker configure-global
 * left in it. Without the marker it is most likely a filesystem that is not mounted.
 */
export function requireBackupRoot(config: GlobalConfig): string {
  const backupRoot = configuredBackupRoot(config);
  const marker = readMarker(backupRoot);
  if (!marker.marked) {
    throw new OperationError(
      `backup root ${backupRoot} is missing pobsync's marker (${BACKUP_ROOT_MARKER}): is its filesystem mounted? If the directory ` +
        `is right, "pobsync configure-global --backup-root ${backupRoot}" marks it`,
    );
  }
  // A marker older than catalogue ids, in the root this catalogue has been using: it is ours.
  if (marker.catalogueId === null) writeMarker(backupRoot, config.catalogueId!);
  else if (marker.catalogueId !== config.catalogueId) {
    throw new OperationError(
      `backup root ${backupRoot} belongs to another pobsync catalogue (id ${marker.catalogueId}, this one is ${config.catalogueId}): ` +
        `two catalogues would prune each other's snapshots. "pobsync configure-global --backup-root ${backupRoot} --adopt" takes it ` +
        `over for this catalogue`,
    );
  }
  return backupRoot;
}

/**
 * Whether this catalogue may use `backupRoot`: a root without a marker, or marked by this
 * catalogue, is fine; one another catalogue's marker names only with `adopt`. A marker older than
 * catalogue ids is this catalogue's when it already uses that root, when the root holds nothing
 * else, or when the snapshots it moved are there; any other is taken only with `adopt`.
 */
export function checkOwnership(config: GlobalConfig, backupRoot: string, adopt: boolean, movedHere: number): void {
  const marker = readMarker(backupRoot);
  if (!marker.marked || marker.catalogueId === config.catalogueId || adopt) return;
  if (marker.catalogueId === null) {
    const others = readdirSync(backupRoot).filter((name) => name !== BACKUP_ROOT_MARKER);
    if (backupRootOf(config) === backupRoot || others.length === 0 || movedHere > 0) return;
    throw new UserError(
      `backup root "${backupRoot}" already holds another catalogue's backups (${others.slice(0, 3).join(', ')}${
        others.length > 3 ? ', ...' : ''
      }): two catalogues would prune each other's snapshots. Add --adopt to take it over for this catalogue (its snapshots are ` +
        `recorded here, and the other catalogue can no longer use it)`,
    );
  }
  throw new UserError(
    `backup root "${backupRoot}" belongs to another pobsync catalogue (id ${marker.catalogueId}): two catalogues would prune each ` +
      "other's snapshots. If that catalogue is lost, add --adopt to take the root over for this one (its snapshots are recorded " +
      'here, and the other catalogue can no longer use it)',
  );
}

/**
 * A new backup root for a catalogue with snapshots: they must have been moved there (the admin
 * moved the directory), and then their recorded paths follow (the returned step). Otherwise
 * it refuses, and nothing changes.
 */
export async function checkSnapshotsMoved(
  em: EntityManager,
  from: string,
  to: string,
): Promise<{ moved: number; follow(): Promise<unknown> }> {
  const server = serverName();
  const records = await em.find(SnapshotRecordSchema, { missingSince: null, $or: [{ server }, { server: null }] }, { fields: ['path'] });
  const under = records.filter((record) => record.path.startsWith(`${from}/`));
  const missing = under.filter((record) => !existsSync(join(to, relative(from, record.path))));
  if (missing.length > 0) {
    throw new UserError(
      `backup root "${to}" does not hold the ${formatCount(under.length, 'snapshot')} recorded under ${from} (${missing.length} ` +
        `missing, like ${join(to, relative(from, missing[0]!.path))}): move them there first, then run this again`,
    );
  }
  return { moved: under.length, follow: () => moveSnapshotPaths(em, from, to, undefined, server) };
}

/**
 * Makes `backupRoot` this catalogue's: its marker names the catalogue, and the directory is
 * pobsync's alone (created 0700, or its mode repaired). Returns what it repaired. Checked first
 * with checkOwnership.
 */
export async function takeBackupRoot(backupRoot: string, catalogueId: string): Promise<string[]> {
  writeMarker(backupRoot, catalogueId);
  return secureDirectory(backupRoot, 'the backup root');
}

/** Validates every given field first; writes only when all are good. Creates the backup root (0700). */
export async function configureGlobal(app: App, input: SettingsInput, onNote?: (message: string) => void): Promise<SettingsView> {
  const backupRoot = input.backupRoot === undefined ? undefined : validateBackupRoot(input.backupRoot);
  const timeZone = input.timeZone === undefined ? undefined : validateTimeZone(input.timeZone);
  const maxConcurrent = input.maxConcurrent === undefined ? undefined : validatePositiveInteger('max concurrent', input.maxConcurrent, 64);
  const shutdownGraceSeconds =
    input.shutdownGraceSeconds === undefined ? undefined : validatePositiveInteger('shutdown grace', input.shutdownGraceSeconds, 86_400);
  const defaultRsyncArgs = input.defaultRsyncArgs === undefined ? undefined : validateRsyncArgs(input.defaultRsyncArgs);
  const alerts = input.alerts === undefined ? undefined : validateAlertChanges(input.alerts);
  const retries = input.retries === undefined ? undefined : validateRetries(input.retries);
  const retryDelaySeconds = input.retryDelay === undefined ? undefined : parseInterval('retry delay', input.retryDelay, { max: 86_400 });
  const hookTimeoutSeconds = input.hookTimeout === undefined ? undefined : parseInterval('hook timeout', input.hookTimeout, { max: 3600 });
  const keepRuns = input.keepRuns === undefined ? undefined : validatePositiveInteger('keep runs', input.keepRuns, 1_000_000);
  const metricsTextfile =
    input.metricsTextfile === undefined ? undefined : input.metricsTextfile === '' ? null : validateMetricsTextfile(input.metricsTextfile);

  const serverAddress =
    input.serverAddress === undefined ? undefined : input.serverAddress === '' ? null : formatPeer(parsePeer(input.serverAddress));

  const em = app.catalogue.em();
  const config = await loadSettings(em);
  const currentRoot = backupRootOf(config);
  if (backupRoot === undefined && !currentRoot) {
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
  if (input.adopt && backupRoot === undefined) throw new UserError('--adopt needs --backup-root DIR: the backup root to take over');
  const moveRecords =
    backupRoot !== undefined && currentRoot && backupRoot !== currentRoot
      ? await checkSnapshotsMoved(em, currentRoot, backupRoot)
      : undefined;
  if (backupRoot !== undefined) {
    checkOwnership(config, backupRoot, input.adopt === true, moveRecords?.moved ?? 0);
    for (const repair of await takeBackupRoot(backupRoot, config.catalogueId!)) onNote?.(repair);
    await moveRecords?.follow();
    await setBackupRoot(em, config, backupRoot);
  }
  if (serverAddress !== undefined) await setServerAddress(em, serverName(), serverAddress);
  if (input.archiveAutoPurge !== undefined) config.archiveAutoPurge = input.archiveAutoPurge;
  if (timeZone !== undefined) config.timeZone = timeZone;
  if (maxConcurrent !== undefined) config.maxConcurrent = maxConcurrent;
  if (shutdownGraceSeconds !== undefined) config.shutdownGraceSeconds = shutdownGraceSeconds;
  if (defaultRsyncArgs !== undefined) config.defaultRsyncArgs = defaultRsyncArgs;
  if (alerts !== undefined) config.alerts = mergeAlerts(config.alerts, alerts);
  if (retries !== undefined) config.retries = retries;
  if (retryDelaySeconds !== undefined) config.retryDelaySeconds = retryDelaySeconds;
  if (hookTimeoutSeconds !== undefined) config.hookTimeoutSeconds = hookTimeoutSeconds;
  if (keepRuns !== undefined) config.keepRuns = keepRuns;
  if (metricsTextfile !== undefined) config.metricsTextfile = metricsTextfile;
  await em.flush();
  return settingsView(config);
}

/** Alert fields as given ("" removes one), checked; undefined fields are left as they are. */
export function validateAlertChanges(input: { [K in keyof AlertHooks]?: string | undefined }): { [K in keyof AlertHooks]?: string | null } {
  const changes: { [K in keyof AlertHooks]?: string | null } = {};
  if (input.onFailure !== undefined) changes.onFailure = validateHookCommand('on-failure command', input.onFailure) ?? null;
  if (input.onStale !== undefined) changes.onStale = validateHookCommand('on-stale command', input.onStale) ?? null;
  if (input.onRecovery !== undefined) changes.onRecovery = validateHookCommand('on-recovery command', input.onRecovery) ?? null;
  if (input.notifyMail !== undefined) changes.notifyMail = validateMailAddress(input.notifyMail) ?? null;
  return changes;
}

/** The stored hooks with the changes applied; null when none is left. */
export function mergeAlerts(
  stored: AlertHooks | null | undefined,
  changes: { [K in keyof AlertHooks]?: string | null },
): AlertHooks | null {
  const merged: AlertHooks = { ...(stored ?? {}) };
  for (const [key, value] of Object.entries(changes) as [keyof AlertHooks, string | null | undefined][]) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return Object.keys(merged).length === 0 ? null : merged;
}

export function validateMetricsTextfile(value: string): string {
  const path = validateAbsolutePath('metrics textfile', value);
  if (!path.endsWith('.prom')) {
    throw new UserError(`metrics textfile ${JSON.stringify(value)} is not allowed: node_exporter reads only files ending in .prom`);
  }
  return path;
}
