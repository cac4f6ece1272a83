/**
 * THE table of what the configuration file holds: for each host, schedule and global field, its
 * key in the YAML file, how it is read from the catalogue, which domain validator checks it
 * (the one the CLI flag uses, so a file gets the flag's messages), how it is written, and what a
 * key left out means. Export, apply and the diff are written against these tables only: a new
 * field is one line here (and, for a new column, its migration).
 */
import type { GlobalConfig, Host, Schedule } from '../../catalogue/entities/index.js';
import {
  type ConfigEntry,
  type ConfigPath,
  checkAt,
  configBoolean,
  configDumps,
  configText,
  configTextList,
  policyFromConfig,
  policyToConfig,
} from '../../domain/config-document.js';
import { UserError } from '../../domain/errors.js';
import { validateCron } from '../../domain/schedule.js';
import {
  validateAddress,
  validateBackupRoot,
  validateDumps,
  validateExcludes,
  validatePort,
  validatePositiveInteger,
  validateRsyncArgs,
  validateSources,
  validateTimeZone,
  validateUser,
} from '../../domain/validation.js';

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
}

/** One row of a table; the value type stays with its own functions. */
function field<Row, Value, Context = undefined>(spec: ConfigField<Row, Value, Context>): ConfigField<Row, unknown, Context> {
  return spec as unknown as ConfigField<Row, unknown, Context>;
}

const orNull = <T>(raw: unknown, check: (raw: unknown) => T): T | null => (raw === null ? null : check(raw));

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
    validate: (raw) => validateSources(configTextList('sources', raw)),
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
    validate: (raw) => validateDumps(configDumps(raw)),
    write: (host, value) => {
      host.dumps = value;
    },
    missing: () => [],
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
];

/** backup_root has more to it than a write (the marker, recorded paths that follow): apply handles it by key. */
export const BACKUP_ROOT_KEY = 'backup_root';

export const GLOBAL_FIELDS: readonly ConfigField<GlobalConfig, unknown>[] = [
  field({
    key: BACKUP_ROOT_KEY,
    read: (config: GlobalConfig) => config.backupRoot ?? null,
    validate: (raw) => orNull(raw, (root) => validateBackupRoot(configText('backup root', root))),
    write: (config, value) => {
      config.backupRoot = value;
    },
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
  return Object.fromEntries(fields.map((spec) => [spec.key, spec.read(row)]));
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
