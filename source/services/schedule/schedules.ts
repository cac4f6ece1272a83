/** Schedules: create, change, remove and list them, with their next fire times. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Schedule, ScheduleSchema } from '../../catalogue/entities/index.js';
import { UserError } from '../../domain/errors.js';
import { nextFires, resolveCron, validateCron, validateScheduleName } from '../../domain/schedule.js';
import type { ScheduleAction } from '../../domain/types.js';
import { validateTimeZone } from '../../domain/validation.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { loadSettings, settingsView } from '../settings.js';

export const DEFAULT_SCHEDULE_NAME = 'default';
/** A verify schedule's name when none is given: it must not replace the host's backup schedule. */
export const DEFAULT_VERIFY_SCHEDULE_NAME = 'verify';
export const DEFAULT_REPLICATE_SCHEDULE_NAME = 'replicate';

function defaultName(action: ScheduleAction | undefined): string {
  return action === 'verify'
    ? DEFAULT_VERIFY_SCHEDULE_NAME
    : action === 'replicate'
      ? DEFAULT_REPLICATE_SCHEDULE_NAME
      : DEFAULT_SCHEDULE_NAME;
}

export interface ScheduleView {
  id: number;
  host: string;
  name: string;
  /** what a fire queues: a backup, a verify of every snapshot of the host, or a replication */
  action: ScheduleAction;
  /** a replicate schedule's peer (`user@address:port`) and the command that runs pobsync there */
  replicateFrom: string | null;
  remotePobsync: string[] | null;
  /** the server whose worker runs its fires, when not the host's (a replicate schedule of another server's host) */
  server: string | null;
  /** as written: `H` fields (a minute or hour picked by the host name's hash) stay `H` */
  cron: string;
  /** what it fires on for this host: `cron` with each `H` resolved */
  resolvedCron: string;
  /** the zone it fires in: its own, or the global one */
  timeZone: string;
  ownTimeZone: string | null;
  prune: boolean;
  enabled: boolean;
  hostEnabled: boolean;
  lastFiredAt: string | null;
  /** the next fire times (empty while the schedule or its host is disabled) */
  nextFires: string[];
}

export interface ScheduleInput {
  cron?: string | undefined;
  timeZone?: string | undefined;
  prune?: boolean | undefined;
  enabled?: boolean | undefined;
  action?: ScheduleAction | undefined;
  /** with action `replicate`: the peer, checked (domain/peer.ts), and the remote pobsync's words */
  replicateFrom?: string | undefined;
  remotePobsync?: string[] | undefined;
  /** the server whose worker runs its fires, when not the host's; null: the host's */
  server?: string | null | undefined;
}

export function scheduleView(schedule: Schedule, globalTimeZone: string, now: Date, count = 5): ScheduleView {
  const timeZone = schedule.timeZone ?? globalTimeZone;
  // A replica host is disabled for backups; its replicate schedule fires all the same.
  const active = schedule.enabled && (schedule.host.enabled || schedule.action === 'replicate');
  return {
    id: schedule.id,
    host: schedule.host.name,
    name: schedule.name,
    action: schedule.action,
    replicateFrom: schedule.replicateFrom ?? null,
    remotePobsync: schedule.remotePobsync ?? null,
    server: schedule.server ?? null,
    cron: schedule.cron,
    resolvedCron: resolveCron(schedule.cron, schedule.host.name),
    timeZone,
    ownTimeZone: schedule.timeZone ?? null,
    prune: schedule.prune,
    enabled: schedule.enabled,
    hostEnabled: schedule.host.enabled,
    lastFiredAt: schedule.lastFiredAt?.toISOString() ?? null,
    nextFires: active
      ? nextFires(resolveCron(schedule.cron, schedule.host.name), timeZone, now, count).map((time) => time.toISOString())
      : [],
  };
}

async function globalTimeZone(em: EntityManager): Promise<string> {
  return settingsView(await loadSettings(em)).timeZone;
}

/**
 * Creates the host's schedule `name` or changes the given fields. Validates everything first;
 * a bad cron expression is refused with croner's reason.
 */
export async function configureSchedule(
  app: App,
  hostName: string | undefined,
  nameInput: string | undefined,
  input: ScheduleInput,
  now = new Date(),
): Promise<{ schedule: ScheduleView; created: boolean }> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const name = validateScheduleName(nameInput ?? defaultName(input.action));
  const zone = await globalTimeZone(em);
  const ownTimeZone = input.timeZone === undefined ? undefined : validateTimeZone(input.timeZone);
  let schedule = await em.findOne(ScheduleSchema, { host: host.id, name }, { populate: ['host'] });
  const cronText = input.cron === undefined ? undefined : validateCron(input.cron, ownTimeZone ?? schedule?.timeZone ?? zone, host.name);
  const created = !schedule;
  if (!schedule) {
    if (cronText === undefined)
      throw new UserError(`cron expression is missing for new schedule "${name}" of ${host.name}: give one with --cron "15 2 * * *"`);
    schedule = em.create(ScheduleSchema, {
      host,
      name,
      cron: cronText,
      timeZone: ownTimeZone ?? null,
      prune: input.prune ?? false,
      enabled: input.enabled ?? true,
      action: input.action ?? 'backup',
      replicateFrom: input.replicateFrom ?? null,
      remotePobsync: input.remotePobsync ?? null,
      server: input.server ?? null,
    });
  } else {
    const wasEnabled = schedule.enabled;
    if (cronText !== undefined) schedule.cron = cronText;
    if (ownTimeZone !== undefined) schedule.timeZone = ownTimeZone;
    if (input.prune !== undefined) schedule.prune = input.prune;
    if (input.enabled !== undefined) schedule.enabled = input.enabled;
    if (input.action !== undefined) schedule.action = input.action;
    if (input.replicateFrom !== undefined) schedule.replicateFrom = input.replicateFrom;
    if (input.remotePobsync !== undefined) schedule.remotePobsync = input.remotePobsync;
    if (input.server !== undefined) schedule.server = input.server;
    // A changed rule starts afresh: fires it would have made before now are not owed.
    if (cronText !== undefined || ownTimeZone !== undefined || (input.enabled && !wasEnabled)) schedule.lastFiredAt = now;
  }
  if (schedule.action === 'replicate' && !schedule.replicateFrom) {
    throw new UserError(`schedule "${name}" of ${host.name} replicates from no peer: give one with --replicate-from user@address[:port]`);
  }
  await em.flush();
  return { schedule: scheduleView(schedule, zone, now), created };
}

export async function removeSchedule(
  app: App,
  hostName: string | undefined,
  nameInput: string | undefined,
  action?: ScheduleAction,
): Promise<void> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const name = validateScheduleName(nameInput ?? defaultName(action));
  const schedule = await em.findOne(ScheduleSchema, { host: host.id, name });
  if (!schedule) throw new UserError(`host ${host.name} has no schedule "${name}": "pobsync schedules" lists them`);
  await em.remove(schedule).flush();
}

export async function listSchedules(
  app: App,
  options: { host?: string | undefined; count?: number } = {},
  now = new Date(),
): Promise<ScheduleView[]> {
  const em = app.catalogue.em();
  const where = options.host === undefined ? {} : { host: (await findHost(em, options.host)).id };
  const schedules = await em.find(ScheduleSchema, where, { populate: ['host'], orderBy: { host: { name: 'asc' }, name: 'asc' } });
  const zone = await globalTimeZone(em);
  return schedules.map((schedule) => scheduleView(schedule, zone, now, options.count ?? 1));
}
