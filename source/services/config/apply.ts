/**
 * `config apply`: makes the catalogue match a configuration document. First a plan: every value
 * checked by the CLI's own validators (services/config/fields.ts) and a diff of what would be
 * added, changed, removed and left unchanged; then, in one transaction, the writes. A bad value
 * anywhere refuses the whole file before anything is written.
 */
import { readFile } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/sqlite';
import { GlobalConfigSchema, type Host, HostSchema, type Schedule, ScheduleSchema } from '../../catalogue/entities/index.js';
import { activeRunIds } from '../../catalogue/runs.js';
import { snapshotCounts } from '../../catalogue/snapshots.js';
import { lockForWriting } from '../../catalogue/transactions.js';
import {
  type ConfigEntry,
  type ConfigSource,
  checkAt,
  checkKeys,
  configText,
  parseConfigYaml,
  policyFromConfig,
  policyToConfig,
  sameConfigValue,
} from '../../domain/config-document.js';
import { HostBusyError, UserError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import type { RetentionPolicy } from '../../domain/retention.js';
import { validateScheduleName } from '../../domain/schedule.js';
import type { DumpCommand, HostAccess } from '../../domain/types.js';
import { checkAccess, validateHostName, validateTimeZone } from '../../domain/validation.js';
import { overlaps } from '../../engine/local-paths.js';
import { serverName } from '../../engine/server-name.js';
import type { App } from '../app.js';
import { cleanUpRemovedHost } from '../hosts/removal.js';
import { checkOwnership, checkSnapshotsMoved, loadSettings, serverTimeZone, setBackupRoot, takeBackupRoot } from '../settings.js';
import {
  BACKUP_ROOT_KEY,
  checkEntry,
  defaultEntry,
  fieldKeys,
  GLOBAL_FIELDS,
  HOST_FIELDS,
  omittedWhenNull,
  readEntry,
  SCHEDULE_FIELDS,
  writeEntry,
} from './fields.js';

export type ChangeKind = 'added' | 'changed' | 'removed' | 'unchanged';
export type ChangeSubject = 'global' | 'host' | 'schedule' | 'retention';

export interface FieldChange {
  key: string;
  /** null for a new entry */
  from: unknown;
  /** null for a removed entry */
  to: unknown;
}

export interface ConfigChange {
  kind: ChangeKind;
  subject: ChangeSubject;
  /** "global", a host name, or host/schedule */
  name: string;
  /** the fields that differ (every field of an added entry) */
  fields: FieldChange[];
  /** what a removal does beyond the word: a host with snapshots is disabled and kept */
  note?: string;
}

export interface ConfigDiff {
  changes: ConfigChange[];
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  /** hosts in the catalogue the file does not name: left alone, as --prune was not given */
  notInFile: string[];
}

export interface ApplyOptions {
  dryRun?: boolean | undefined;
  /** remove the hosts the file does not name (after `confirmRemoval`) */
  prune?: boolean | undefined;
  /** asked before hosts are removed; the caller shows them */
  confirmRemoval?: ((removals: ConfigChange[]) => Promise<boolean>) | undefined;
}

export interface ApplyOutcome {
  diff: ConfigDiff;
  /** false for a dry run, or when the removal was not confirmed */
  applied: boolean;
  /** what happened besides the catalogue: unpinned keys, unfinished trees removed or left */
  notes: string[];
}

interface Plan {
  diff: ConfigDiff;
  /** the writes, in order, on the planning EntityManager */
  steps: (() => Promise<void>)[];
  /** hosts whose row goes entirely (they had no snapshots) */
  deletedHosts: string[];
}

/** Reads a configuration file ("-": standard input); its syntax and shape are checked, its values later. */
export async function readConfigFile(path: string): Promise<ConfigSource> {
  let text: string;
  try {
    text = path === '-' ? await readStream(process.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigYaml(text, path === '-' ? '(stdin)' : path);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The diff the file makes, without writing anything. */
export async function previewConfig(app: App, source: ConfigSource, options: { prune?: boolean | undefined } = {}): Promise<ConfigDiff> {
  return (await planApply(app.catalogue.em(), app.paths.home, source, options)).diff;
}

export async function applyConfig(app: App, source: ConfigSource, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const preview = await planApply(app.catalogue.em(), app.paths.home, source, options);
  if (options.dryRun) return { diff: preview.diff, applied: false, notes: [] };
  const removals = removedHosts(preview.diff);
  if (removals.length > 0 && !(await options.confirmRemoval?.(removals.map(({ change }) => change)))) {
    return { diff: preview.diff, applied: false, notes: [] };
  }
  const plan = await app.catalogue.em().transactional(async (em) => {
    await lockForWriting(em);
    const fresh = await planApply(em, app.paths.home, source, options);
    const confirmed = removals.map(({ name }) => name).join(' ');
    if (
      removedHosts(fresh.diff)
        .map(({ name }) => name)
        .join(' ') !== confirmed
    ) {
      throw new UserError('the catalogue changed while you confirmed (other hosts would be removed now): run config apply again');
    }
    for (const step of fresh.steps) await step();
    return fresh;
  });
  const notes: string[] = [];
  for (const name of plan.deletedHosts) notes.push(...(await cleanUpRemovedHost(app, name)));
  return { diff: plan.diff, applied: true, notes };
}

function removedHosts(diff: ConfigDiff): { name: string; change: ConfigChange }[] {
  return diff.changes
    .filter((change) => change.subject === 'host' && change.kind === 'removed')
    .map((change) => ({ name: change.name, change }));
}

async function planApply(em: EntityManager, home: string, source: ConfigSource, options: { prune?: boolean | undefined }): Promise<Plan> {
  const { sections, locate } = source;
  const changes: ConfigChange[] = [];
  const steps: (() => Promise<void>)[] = [];
  const deletedHosts: string[] = [];
  const notInFile: string[] = [];

  // Global settings.
  // loadSettings when there is a row: it knows this server's backup root.
  const config = (await em.findOne(GlobalConfigSchema, { id: 1 })) ? await loadSettings(em) : null;
  let globalZone = config?.timeZone ?? serverTimeZone();
  if (sections.global) {
    checkKeys(sections.global, fieldKeys(GLOBAL_FIELDS), locate, ['global']);
    const values = checkEntry(GLOBAL_FIELDS, sections.global, undefined, { locate, path: ['global'], what: 'global section' });
    const current = config ? readEntry(GLOBAL_FIELDS, config) : defaultEntry(GLOBAL_FIELDS);
    const fields = diffFields(current, values);
    const from = current[BACKUP_ROOT_KEY] as string | null;
    const to = values.get(BACKUP_ROOT_KEY) as string | null;
    if (to === null && from !== null) {
      throw new UserError(
        `${locate(['global', BACKUP_ROOT_KEY])}: backup root cannot be unset: give the one in use (${from}) or a new one`,
      );
    }
    const moveRecords = from && to && from !== to ? await checkSnapshotsMoved(em, from, to) : undefined;
    if (to && to !== from) {
      if (await overlaps(to, home)) {
        throw new UserError(`${locate(['global', BACKUP_ROOT_KEY])}: backup root "${to}" is not allowed: it overlaps pobsync's home`);
      }
      if (config) checkOwnership(config, to, false, moveRecords?.moved ?? 0);
    }
    globalZone = (values.get('time_zone') as string | null) ?? serverTimeZone();
    changes.push({ kind: fields.length > 0 ? 'changed' : 'unchanged', subject: 'global', name: 'global', fields });
    if (fields.length > 0) {
      steps.push(async () => {
        const row = await loadSettings(em);
        if (to && to !== from) {
          await takeBackupRoot(to, row.catalogueId!);
          await moveRecords?.follow();
          await setBackupRoot(em, row, to);
        }
        writeEntry(GLOBAL_FIELDS, row, values);
      });
    }
  }

  // Hosts.
  const hosts = await em.find(HostSchema, {}, { orderBy: { name: 'asc' } });
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const rows = new Map<string, Host>(byName);
  const schedules = await em.find(ScheduleSchema, {}, { orderBy: { name: 'asc' } });
  const schedulesOf = (host: Host | undefined) => (host ? schedules.filter((schedule) => schedule.host.id === host.id) : []);
  const named = sections.hosts
    ? Object.keys(sections.hosts)
    : [...new Set([...Object.keys(sections.schedules ?? {}), ...Object.keys(sections.retention ?? {})])];
  named.sort();
  for (const name of named) checkAt(locate, [sections.hosts ? 'hosts' : 'schedules', name], () => validateHostName(name));

  if (sections.hosts) {
    for (const name of named) {
      const entry = sections.hosts[name]!;
      checkKeys(entry, fieldKeys(HOST_FIELDS), locate, ['hosts', name]);
      const values = checkEntry(HOST_FIELDS, entry, undefined, { locate, path: ['hosts', name], what: 'host' });
      // What the access allows, as configure-host checks it: a restricted key runs no dump.
      checkAt(locate, ['hosts', name], () =>
        checkAccess({
          name,
          address: values.get('address') as string,
          access: values.get('access') as HostAccess,
          dumps: values.get('dumps') as DumpCommand[],
        }),
      );
      // As configure-host: something to back up, unless replications fill it.
      const nothing = (values.get('sources') as string[]).length === 0 && (values.get('dumps') as DumpCommand[]).length === 0;
      if (nothing && values.get('replica_of') === null) {
        throw new UserError(`${locate(['hosts', name, 'sources'])}: sources are missing: give at least one with --source /path`);
      }
      const existing = byName.get(name);
      if (!existing) {
        changes.push({ kind: 'added', subject: 'host', name, fields: addedFields(values) });
        steps.push(async () => {
          const host = em.create(HostSchema, { name, server: serverName() } as Host);
          writeEntry(HOST_FIELDS, host, values);
          rows.set(name, host);
        });
        continue;
      }
      const fields = diffFields(readEntry(HOST_FIELDS, existing), values);
      changes.push({ kind: fields.length > 0 ? 'changed' : 'unchanged', subject: 'host', name, fields });
      if (fields.length > 0) steps.push(async () => writeEntry(HOST_FIELDS, existing, values));
    }
    const counts = await snapshotCounts(em);
    for (const host of hosts.filter((candidate) => !named.includes(candidate.name))) {
      if (!options.prune) {
        notInFile.push(host.name);
        continue;
      }
      const count = counts.get(host.id) ?? 0;
      const own = schedulesOf(host);
      if (count > 0 && !host.enabled && own.length === 0) {
        changes.push({ kind: 'unchanged', subject: 'host', name: host.name, fields: [], note: keptNote(host.name, count) });
        continue;
      }
      changes.push({
        kind: 'removed',
        subject: 'host',
        name: host.name,
        fields: [],
        ...(count > 0 ? { note: keptNote(host.name, count) } : {}),
      });
      if (count === 0) deletedHosts.push(host.name);
      steps.push(async () => {
        const active = await activeRunIds(em, host.id);
        if (active.length > 0) {
          throw new HostBusyError(`host ${host.name} has run #${active[0]} queued or running: apply the file again when it is done`);
        }
        if (count > 0) {
          host.enabled = false;
          for (const schedule of own) em.remove(schedule);
        } else {
          await em.nativeDelete(HostSchema, { id: host.id });
        }
      });
    }
  } else if (options.prune) {
    throw new UserError('--prune removes the hosts the file does not name, but the file has no hosts section');
  }

  const inScope = (section: 'schedules' | 'retention', name: string): Host | undefined => {
    if (sections.hosts && !named.includes(name)) {
      throw new UserError(`${locate([section, name])}: host ${name} is not in the hosts section of this file`);
    }
    const host = byName.get(name);
    if (!sections.hosts && !host) throw new UserError(`${locate([section, name])}: unknown host "${name}": "pobsync hosts" lists them`);
    return host;
  };

  // Schedules: for every host the file names, exactly those in the file.
  if (sections.schedules) {
    for (const name of Object.keys(sections.schedules)) inScope('schedules', name);
    for (const hostName of named) {
      const host = byName.get(hostName);
      const wanted = sections.schedules[hostName] ?? {};
      const existing = new Map(schedulesOf(host).map((schedule) => [schedule.name, schedule]));
      for (const scheduleName of Object.keys(wanted).sort()) {
        const path = ['schedules', hostName, scheduleName];
        checkAt(locate, path, () => validateScheduleName(scheduleName));
        const entry = wanted[scheduleName]!;
        checkKeys(entry, fieldKeys(SCHEDULE_FIELDS), locate, path);
        const ownZone =
          entry['time_zone'] == null
            ? null
            : checkAt(locate, [...path, 'time_zone'], () => validateTimeZone(configText('time zone', entry['time_zone'])));
        const values = checkEntry(SCHEDULE_FIELDS, entry, { timeZone: ownZone ?? globalZone }, { locate, path, what: 'schedule' });
        checkAt(locate, path, () => checkReplicateFields(values));
        const label = `${hostName}/${scheduleName}`;
        const schedule = existing.get(scheduleName);
        if (!schedule) {
          changes.push({ kind: 'added', subject: 'schedule', name: label, fields: addedFields(values) });
          steps.push(async () => {
            const created = em.create(ScheduleSchema, { host: rows.get(hostName)!, name: scheduleName } as Schedule);
            writeEntry(SCHEDULE_FIELDS, created, values);
          });
          continue;
        }
        const fields = diffFields(readEntry(SCHEDULE_FIELDS, schedule), values);
        changes.push({ kind: fields.length > 0 ? 'changed' : 'unchanged', subject: 'schedule', name: label, fields });
        if (fields.length > 0) steps.push(async () => updateSchedule(schedule, values, fields));
      }
      for (const schedule of existing.values()) {
        if (Object.hasOwn(wanted, schedule.name)) continue;
        changes.push({ kind: 'removed', subject: 'schedule', name: `${hostName}/${schedule.name}`, fields: [] });
        steps.push(async () => {
          em.remove(schedule);
        });
      }
    }
  }

  // Retention policies: for every host the file names, its own policy or none.
  if (sections.retention) {
    for (const name of Object.keys(sections.retention)) inScope('retention', name);
    for (const hostName of named) {
      const wanted = checkAt(locate, ['retention', hostName], () => policyFromConfig(sections.retention![hostName]));
      const current = byName.get(hostName)?.retention ?? null;
      if (wanted === null && current === null) continue;
      const fields = diffFields(policyEntry(current), new Map(Object.entries(policyEntry(wanted))));
      const kind: ChangeKind = current === null ? 'added' : wanted === null ? 'removed' : fields.length > 0 ? 'changed' : 'unchanged';
      changes.push({ kind, subject: 'retention', name: hostName, fields });
      if (kind !== 'unchanged') {
        steps.push(async () => {
          rows.get(hostName)!.retention = wanted;
        });
      }
    }
  }

  const count = (kind: ChangeKind) => changes.filter((change) => change.kind === kind).length;
  return {
    diff: {
      changes,
      added: count('added'),
      changed: count('changed'),
      removed: count('removed'),
      unchanged: count('unchanged'),
      notInFile,
    },
    steps,
    deletedHosts,
  };
}

function keptNote(name: string, count: number): string {
  return (
    `disabled and kept with its schedules removed: it holds ${formatCount(count, 'snapshot')} ` +
    `("pobsync host remove ${name} --delete-snapshots" deletes them)`
  );
}

/** As configureSchedule does: a changed rule starts afresh, so fires it would have made before now are not owed. */
function updateSchedule(schedule: Schedule, values: Map<string, unknown>, fields: FieldChange[]): void {
  const wasEnabled = schedule.enabled;
  writeEntry(SCHEDULE_FIELDS, schedule, values);
  const restarted = fields.some((change) => change.key === 'cron' || change.key === 'time_zone') || (schedule.enabled && !wasEnabled);
  if (restarted) schedule.lastFiredAt = new Date();
}

function policyEntry(policy: RetentionPolicy | null): ConfigEntry {
  return policy ? policyToConfig(policy) : {};
}

function diffFields(current: ConfigEntry, values: Map<string, unknown>): FieldChange[] {
  const keys = [...new Set([...values.keys(), ...Object.keys(current)])];
  return keys
    .filter((key) => !sameConfigValue(current[key] ?? null, values.get(key) ?? null))
    .map((key) => ({ key, from: current[key] ?? null, to: values.get(key) ?? null }));
}

function addedFields(values: Map<string, unknown>): FieldChange[] {
  return [...values].filter(([key, to]) => to !== null || !OMITTED_WHEN_NULL.has(key)).map(([key, to]) => ({ key, from: null, to }));
}

const OMITTED_WHEN_NULL = new Set([...omittedWhenNull(HOST_FIELDS), ...omittedWhenNull(SCHEDULE_FIELDS)]);

/** A replicate schedule names its peer, and only a replicate schedule does (as `schedule --replicate-from`). */
function checkReplicateFields(values: Map<string, unknown>): void {
  const replicate = values.get('action') === 'replicate';
  if (replicate && values.get('replicate_from') === null) {
    throw new UserError('replicate_from is missing: a replicate schedule needs the peer it copies from (user@address[:port])');
  }
  if (!replicate) {
    const given = ['replicate_from', 'remote_pobsync', 'remote_home'].filter((key) => values.get(key) !== null);
    if (given.length > 0) throw new UserError(`${given.join(', ')}: only a schedule with action replicate takes them`);
  }
}
