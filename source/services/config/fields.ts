/**
 * THE table of what the configuration file holds: for each host, schedule and global field, its
 * key in the YAML file, how it is read from the catalogue, which domain validator checks it
 * (the one the CLI flag uses, so a file gets the flag's messages), how it is written, and what a
 * key left out means. Export, apply and the diff are written against these tables only: a new
 * field is one line here (and, for a new column, its migration).
 */
import type { GlobalConfig, Host, Schedule } from '../../catalogue/entities/index.js';
import { type AlertHooks, validateRetries } from '../../domain/alerting.js';
import {
  alertsToConfig,
  type ConfigEntry,
  type ConfigPath,
  checkAt,
  configAlerts,
  configBoolean,
  configDumps,
  configText,
  configTextList,
  policyFromConfig,
  policyToConfig,
} from '../../domain/config-document.js';
import { UserError } from '../../domain/errors.js';
import { formatInterval, parseInterval } from '../../domain/interval.js';
import { DEFAULT_REMOTE_POBSYNC, formatPeer, parsePeer, parseRemotePobsync, validateRemoteHome } from '../../domain/peer.js';
import { validateCron } from '../../domain/schedule.js';
import { type HostAccess, SCHEDULE_ACTIONS, type ScheduleAction } from '../../domain/types.js';
import {
  validateAccess,
  validateAddress,
  validateBackupRoot,
  validateDumpRestores,
  validateDumps,
  validateExcludes,
  validatePort,
  validatePositiveInteger,
  validateRsyncArgs,
  validateSources,
  validateTimeZone,
  validateUser,
} from '../../domain/validation.js';
import { backupRootOf, mergeAlerts, validateAlertChanges, validateMetricsTextfile } from '../settings.js';

export interface ConfigField<Row, Value, Context = undefined> {
  /** the key in the YAML file */
  key: string;
  /** the value in the catalogue, as the file writes it */
  read(row: Row): Value;
  /** checks a value from the file with the domain validator the CLI's flag uses */
  validate(raw: unknown, context: Context): Value;
  /** stores a checked value on the catalogue row */
  write(row: Row, value: Value): void;
  /** what a key left out of the file means (a function: each use gets its own copy); none: required */
  missing?: () => Value;
  /** left out of the file while it is null (its default): a replicate schedule's peer on a backup schedule */
  omitNull?: boolean;
}

/** One row of a table; the value type stays with its own functions. */
function field<Row, Value, Context = undefined>(spec: ConfigField<Row, Value, Context>): ConfigField<Row, unknown, Context> {
  return spec as unknown as ConfigField<Row, unknown, Context>;
}

const orNull = <T>(raw: unknown, check: (raw: unknown) => T): T | null => (raw === null ? null : check(raw));
/** A peer (`user@address:port`), as `replicate --from` takes it, written back in its one canonical form. */
const peerOrNull = (raw: unknown): string | null => orNull(raw, (peer) => formatPeer(parsePeer(configText('peer', peer))));

/**
 * An interval as the file writes it ("2d", "90min"): checked by the flag's parser, written in
 * its largest exact unit so the file reads the same after a round trip.
 */
const interval = (field: string, limits: { min?: number; max?: number }) => (raw: unknown) =>
  formatInterval(parseInterval(field, configText(field, raw), limits));
const seconds = (field: string, value: string) => parseInterval(field, value, { max: Number.MAX_SAFE_INTEGER });

/** Alert hooks from the file (on_failure, on_stale, on_recovery, notify_mail), checked as the flags are; null when none is set. */
const alertHooks = (raw: unknown): AlertHooks | null => mergeAlerts(null, validateAlertChanges(configAlerts(raw)));

export const HOST_FIELDS: readonly ConfigField<Host, unknown>[] = [
  field({
    key: 'address',
    read: (host: Host) => host.address,
    validate: (raw) => validateAddress(configText('address', raw)),
    write: (host, value) => {
      host.address = value;
    },
  }),
  field({
    key: 'user',
    read: (host: Host) => host.user,
    validate: (raw) => validateUser(configText('user', raw)),
    write: (host, value) => {
      host.user = value;
    },
    missing: () => 'root',
  }),
  field({
    key: 'port',
    read: (host: Host) => host.port,
    validate: (raw) => validatePort(raw as number),
    write: (host, value) => {
      host.port = value;
    },
    missing: () => 22,
  }),
  field({
    key: 'enabled',
    read: (host: Host) => host.enabled,
    validate: (raw) => configBoolean('enabled', raw),
    write: (host, value) => {
      host.enabled = value;
    },
    missing: () => true,
  }),
  field({
    key: 'sources',
    read: (host: Host) => host.sources,
    // None at all is checked with the dumps and replica_of (apply): a replica host has none.
    validate: (raw) => {
      const sources = configTextList('sources', raw);
      return sources.length === 0 ? [] : validateSources(sources);
    },
    write: (host, value) => {
      host.sources = value;
    },
  }),
  field({
    key: 'excludes',
    read: (host: Host) => host.excludes,
    validate: (raw) => validateExcludes(configTextList('excludes', raw)),
    write: (host, value) => {
      host.excludes = value;
    },
    missing: () => [],
  }),
  field({
    key: 'rsync_args',
    read: (host: Host) => host.rsyncArgs,
    validate: (raw) => validateRsyncArgs(configTextList('rsync_args', raw)),
    write: (host, value) => {
      host.rsyncArgs = value;
    },
    missing: () => [],
  }),
  field({
    key: 'dumps',
    read: (host: Host) => host.dumps ?? [],
    validate: (raw) => {
      const { dumps, restores } = configDumps(raw);
      const checked = validateDumps(dumps);
      return restores.length > 0 ? validateDumpRestores(restores, checked) : checked;
    },
    write: (host, value) => {
      host.dumps = value;
    },
    missing: () => [],
  }),
  field({
    key: 'access',
    read: (host: Host) => host.access,
    validate: (raw) => validateAccess(configText('access', raw)),
    write: (host, value: HostAccess) => {
      host.access = value;
    },
    missing: () => 'full',
  }),
  field({
    key: 'max_age',
    read: (host: Host) => (host.maxAgeSeconds == null ? null : formatInterval(host.maxAgeSeconds)),
    validate: (raw) => orNull(raw, interval('max age', { min: 60 })),
    write: (host, value: string | null) => {
      host.maxAgeSeconds = value === null ? null : seconds('max age', value);
    },
    missing: () => null,
  }),
  field({
    key: 'alerts',
    read: (host: Host) => alertsToConfig(host.alerts ?? null),
    validate: (raw) => orNull(raw, (alerts) => alertsToConfig(alertHooks(alerts))),
    write: (host, value: ConfigEntry | null) => {
      host.alerts = value === null ? null : alertHooks(value);
    },
    missing: () => null,
  }),
  field({
    key: 'retries',
    read: (host: Host) => host.retries ?? null,
    validate: (raw) => orNull(raw, (retries) => validateRetries(retries as number)),
    write: (host, value) => {
      host.retries = value;
    },
    missing: () => null,
  }),
  field({
    key: 'retry_delay',
    read: (host: Host) => (host.retryDelaySeconds == null ? null : formatInterval(host.retryDelaySeconds)),
    validate: (raw) => orNull(raw, interval('retry delay', { max: 86_400 })),
    write: (host, value: string | null) => {
      host.retryDelaySeconds = value === null ? null : seconds('retry delay', value);
    },
    missing: () => null,
  }),
  field({
    key: 'replica_of',
    read: (host: Host) => host.replicaOf ?? null,
    validate: peerOrNull,
    write: (host, value) => {
      host.replicaOf = value;
    },
    missing: () => null,
    omitNull: true,
  }),
];

/** The schedule's own time zone, or the global one: what its cron expression is read in. */
export interface ScheduleContext {
  timeZone: string;
}

export const SCHEDULE_FIELDS: readonly ConfigField<Schedule, unknown, ScheduleContext>[] = [
  field({
    key: 'cron',
    read: (schedule: Schedule) => schedule.cron,
    validate: (raw, context: ScheduleContext) => validateCron(configText('cron expression', raw), context.timeZone),
    write: (schedule, value) => {
      schedule.cron = value;
    },
  }),
  field({
    key: 'time_zone',
    read: (schedule: Schedule) => schedule.timeZone ?? null,
    validate: (raw) => orNull(raw, (zone) => validateTimeZone(configText('time zone', zone))),
    write: (schedule, value) => {
      schedule.timeZone = value;
    },
    missing: () => null,
  }),
  field({
    key: 'prune',
    read: (schedule: Schedule) => schedule.prune,
    validate: (raw) => configBoolean('prune', raw),
    write: (schedule, value) => {
      schedule.prune = value;
    },
    missing: () => false,
  }),
  field({
    key: 'enabled',
    read: (schedule: Schedule) => schedule.enabled,
    validate: (raw) => configBoolean('enabled', raw),
    write: (schedule, value) => {
      schedule.enabled = value;
    },
    missing: () => true,
  }),
  field({
    key: 'action',
    read: (schedule: Schedule) => schedule.action,
    validate: (raw) => {
      const action = configText('action', raw);
      if (!SCHEDULE_ACTIONS.includes(action as ScheduleAction)) {
        throw new UserError(`action ${JSON.stringify(action ?? '')} is not allowed: use backup, verify or replicate`);
      }
      return action as ScheduleAction;
    },
    write: (schedule, value: ScheduleAction) => {
      schedule.action = value;
    },
    missing: () => 'backup',
  }),
  field({
    key: 'replicate_from',
    read: (schedule: Schedule) => schedule.replicateFrom ?? null,
    validate: peerOrNull,
    write: (schedule, value) => {
      schedule.replicateFrom = value;
    },
    missing: () => null,
    omitNull: true,
  }),
  // The command that runs pobsync on the peer, and its home there: one list of words in the catalogue, two keys here.
  field({
    key: 'remote_pobsync',
    read: (schedule: Schedule) => (schedule.remotePobsync ? splitRemoteHome(schedule.remotePobsync).command.join(' ') : null),
    validate: (raw) => orNull(raw, (command) => parseRemotePobsync(configText('remote pobsync', command)).join(' ')),
    write: (schedule, value: string | null) => {
      const home = schedule.remotePobsync ? splitRemoteHome(schedule.remotePobsync).home : [];
      schedule.remotePobsync =
        value === null ? (home.length > 0 ? [...DEFAULT_REMOTE_POBSYNC, ...home] : null) : [...value.split(' '), ...home];
    },
    missing: () => null,
    omitNull: true,
  }),
  field({
    key: 'remote_home',
    read: (schedule: Schedule) => {
      const [home] = schedule.remotePobsync ? splitRemoteHome(schedule.remotePobsync).home : [];
      return home === undefined ? null : home.slice(HOME_OPTION.length);
    },
    validate: (raw) => orNull(raw, (home) => validateRemoteHome(configText('remote home', home) ?? '')),
    write: (schedule, value: string | null) => {
      const command = schedule.remotePobsync ? splitRemoteHome(schedule.remotePobsync).command : null;
      if (value === null) schedule.remotePobsync = command;
      else schedule.remotePobsync = [...(command ?? DEFAULT_REMOTE_POBSYNC), `${HOME_OPTION}${value}`];
    },
    missing: () => null,
    omitNull: true,
  }),
];

const HOME_OPTION = '--home=';

/** The stored words: the command, and the `--home=DIR` that --remote-home appended (if any). */
function splitRemoteHome(words: readonly string[]): { command: string[]; home: string[] } {
  const last = words.at(-1);
  return words.length > 1 && last?.startsWith(HOME_OPTION)
    ? { command: words.slice(0, -1), home: [last] }
    : { command: [...words], home: [] };
}

/** backup_root has more to it than a write (the marker, recorded paths that follow): apply handles it by key. */
export const BACKUP_ROOT_KEY = 'backup_root';

export const GLOBAL_FIELDS: readonly ConfigField<GlobalConfig, unknown>[] = [
  field({
    key: BACKUP_ROOT_KEY,
    // This server's root (several servers share the catalogue, each its own root).
    read: (config: GlobalConfig) => backupRootOf(config),
    validate: (raw) => orNull(raw, (root) => validateBackupRoot(configText('backup root', root))),
    // apply sets it through setBackupRoot, after its checks and the marker: a plain write would set every server's default.
    write: () => {},
    missing: () => null,
  }),
  field({
    key: 'time_zone',
    read: (config: GlobalConfig) => config.timeZone ?? null,
    validate: (raw) => orNull(raw, (zone) => validateTimeZone(configText('time zone', zone))),
    write: (config, value) => {
      config.timeZone = value;
    },
    missing: () => null,
  }),
  field({
    key: 'max_concurrent',
    read: (config: GlobalConfig) => config.maxConcurrent,
    validate: (raw) => validatePositiveInteger('max concurrent', raw as number, 64),
    write: (config, value) => {
      config.maxConcurrent = value;
    },
    missing: () => 2,
  }),
  field({
    key: 'shutdown_grace',
    read: (config: GlobalConfig) => config.shutdownGraceSeconds,
    validate: (raw) => validatePositiveInteger('shutdown grace', raw as number, 86_400),
    write: (config, value) => {
      config.shutdownGraceSeconds = value;
    },
    missing: () => 30,
  }),
  field({
    key: 'rsync_args',
    read: (config: GlobalConfig) => config.defaultRsyncArgs,
    validate: (raw) => validateRsyncArgs(configTextList('rsync_args', raw)),
    write: (config, value) => {
      config.defaultRsyncArgs = value;
    },
    missing: () => [],
  }),
  field({
    key: 'alerts',
    read: (config: GlobalConfig) => alertsToConfig(config.alerts ?? null),
    validate: (raw) => orNull(raw, (alerts) => alertsToConfig(alertHooks(alerts))),
    write: (config, value: ConfigEntry | null) => {
      config.alerts = value === null ? null : alertHooks(value);
    },
    missing: () => null,
  }),
  field({
    key: 'retries',
    read: (config: GlobalConfig) => config.retries,
    validate: (raw) => validateRetries(raw as number),
    write: (config, value) => {
      config.retries = value;
    },
    missing: () => 2,
  }),
  field({
    key: 'retry_delay',
    read: (config: GlobalConfig) => formatInterval(config.retryDelaySeconds),
    validate: interval('retry delay', { max: 86_400 }),
    write: (config, value: string) => {
      config.retryDelaySeconds = seconds('retry delay', value);
    },
    missing: () => '5min',
  }),
  field({
    key: 'hook_timeout',
    read: (config: GlobalConfig) => formatInterval(config.hookTimeoutSeconds),
    validate: interval('hook timeout', { max: 3600 }),
    write: (config, value: string) => {
      config.hookTimeoutSeconds = seconds('hook timeout', value);
    },
    missing: () => '1min',
  }),
  field({
    key: 'keep_runs',
    read: (config: GlobalConfig) => config.keepRuns,
    validate: (raw) => validatePositiveInteger('keep runs', raw as number, 1_000_000),
    write: (config, value) => {
      config.keepRuns = value;
    },
    missing: () => 100,
  }),
  field({
    key: 'metrics_textfile',
    read: (config: GlobalConfig) => config.metricsTextfile ?? null,
    validate: (raw) => orNull(raw, (path) => validateMetricsTextfile(configText('metrics textfile', path) ?? '')),
    write: (config, value) => {
      config.metricsTextfile = value;
    },
    missing: () => null,
  }),
  field({
    key: 'archive_auto_purge',
    read: (config: GlobalConfig) => config.archiveAutoPurge,
    validate: (raw) => configBoolean('archive auto purge', raw),
    write: (config, value) => {
      config.archiveAutoPurge = value;
    },
    missing: () => false,
  }),
  // Read and compared as the file writes a policy (its rules that are on), stored as the policy.
  field({
    key: 'retention',
    read: (config: GlobalConfig) => (config.retention ? policyToConfig(config.retention) : null),
    validate: (raw) => orNull(raw, (policy) => policyToConfig(policyFromConfig(policy)!)),
    write: (config, value) => {
      config.retention = policyFromConfig(value);
    },
    missing: () => null,
  }),
];

/** A row's fields as the file writes them, in the table's order. */
export function readEntry<Row, Context>(fields: readonly ConfigField<Row, unknown, Context>[], row: Row): ConfigEntry {
  return Object.fromEntries(
    fields.flatMap((spec) => {
      const value = spec.read(row);
      return spec.omitNull && value === null ? [] : [[spec.key, value]];
    }),
  );
}

/** The keys a file leaves out while they are null. */
export function omittedWhenNull<Row, Context>(fields: readonly ConfigField<Row, unknown, Context>[]): Set<string> {
  return new Set(fields.filter((spec) => spec.omitNull).map((spec) => spec.key));
}

/** An entry's defaults: what a fresh catalogue holds (required fields left out). */
export function defaultEntry<Row, Context>(fields: readonly ConfigField<Row, unknown, Context>[]): ConfigEntry {
  return Object.fromEntries(fields.flatMap((spec) => (spec.missing ? [[spec.key, spec.missing()]] : [])));
}

/**
 * Checks every field of an entry from the file, in table order; a key left out gets its
 * default, a required one is refused. The entry must hold no other keys (checkKeys first).
 * Messages carry the place of the value in the file.
 */
export function checkEntry<Row, Context>(
  fields: readonly ConfigField<Row, unknown, Context>[],
  entry: ConfigEntry,
  context: Context,
  where: { locate: (path: ConfigPath) => string; path: ConfigPath; what: string },
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const spec of fields) {
    if (entry[spec.key] === undefined) {
      if (!spec.missing) throw new UserError(`${where.locate(where.path)}: ${spec.key} is missing: every ${where.what} needs one`);
      values.set(spec.key, spec.missing());
      continue;
    }
    values.set(
      spec.key,
      checkAt(where.locate, [...where.path, spec.key], () => spec.validate(entry[spec.key], context)),
    );
  }
  return values;
}

export function writeEntry<Row, Context>(
  fields: readonly ConfigField<Row, unknown, Context>[],
  row: Row,
  values: Map<string, unknown>,
): void {
  for (const spec of fields) if (values.has(spec.key)) spec.write(row, values.get(spec.key));
}

export const fieldKeys = <Row, Context>(fields: readonly ConfigField<Row, unknown, Context>[]): string[] => fields.map((spec) => spec.key);
