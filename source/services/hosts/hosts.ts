/** Hosts: create, update, look up, list. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, HostSchema } from '../../catalogue/entities/index.js';
import { ormReads } from '../../catalogue/orm-reads.js';
import { type AlertHooks, validateRetries } from '../../domain/alerting.js';
import { UserError } from '../../domain/errors.js';
import { parseInterval } from '../../domain/interval.js';
import {
  checkAccess,
  validateAccess,
  validateAddress,
  validateDumpRestores,
  validateDumps,
  validateExcludes,
  validateHostName,
  validatePort,
  validateRsyncArgs,
  validateSources,
  validateUser,
} from '../../domain/validation.js';
import type { App } from '../app.js';
import { ownServer, requireKnownServer } from '../servers.js';
import { mergeAlerts, validateAlertChanges } from '../settings.js';
import { type HostView, hostView, requireHost } from './host-view.js';

export { type HostView, hostView, listHosts } from './host-view.js';

/** The host named `name`, or a UserError naming it. */
export function findHost(em: EntityManager, name: string | undefined): Promise<Host> {
  return requireHost(ormReads(em), name);
}

export interface HostInput {
  address?: string | undefined;
  user?: string | undefined;
  port?: number | string | undefined;
  sources?: string[] | undefined;
  excludes?: string[] | undefined;
  rsyncArgs?: string[] | undefined;
  /** `NAME=COMMAND`, as given on the command line */
  dumps?: string[] | undefined;
  /** full or restricted */
  access?: string | undefined;
  /** `NAME=COMMAND`: the command that loads dump NAME back (an empty COMMAND removes it) */
  dumpRestores?: string[] | undefined;
  enabled?: boolean | undefined;
  /** a duration like 36h or 2d; "" returns to the default (twice the schedule's interval) */
  maxAge?: string | undefined;
  /** each field given replaces the host's own; "" removes it (the global one applies again) */
  alerts?: { [K in keyof AlertHooks]?: string | undefined } | undefined;
  /** "" returns to the global setting */
  retries?: string | number | undefined;
  retryDelay?: string | undefined;
  /** the server that backs it up (a registered one); a new host: this server */
  server?: string | undefined;
}

/**
 * Creates the host or changes the given fields; a list given replaces the stored list.
 * Everything is validated before anything is written.
 */
export async function configureHost(app: App, name: string | undefined, input: HostInput): Promise<{ host: HostView; created: boolean }> {
  const valid = {
    name: validateHostName(name),
    address: input.address === undefined ? undefined : validateAddress(input.address),
    user: input.user === undefined ? undefined : validateUser(input.user),
    port: input.port === undefined ? undefined : validatePort(input.port),
    // No sources at all is fine for a host whose backups are its dumps.
    sources: input.sources === undefined ? undefined : input.sources.length === 0 ? [] : validateSources(input.sources),
    excludes: input.excludes === undefined ? undefined : validateExcludes(input.excludes),
    rsyncArgs: input.rsyncArgs === undefined ? undefined : validateRsyncArgs(input.rsyncArgs),
    dumps: input.dumps === undefined ? undefined : validateDumps(input.dumps),
    access: input.access === undefined ? undefined : validateAccess(input.access),
    maxAgeSeconds:
      input.maxAge === undefined ? undefined : input.maxAge === '' ? null : parseInterval('max age', input.maxAge, { min: 60 }),
    alerts: input.alerts === undefined ? undefined : validateAlertChanges(input.alerts),
    retries: input.retries === undefined ? undefined : input.retries === '' ? null : validateRetries(input.retries),
    retryDelaySeconds:
      input.retryDelay === undefined
        ? undefined
        : input.retryDelay === ''
          ? null
          : parseInterval('retry delay', input.retryDelay, { max: 86_400 }),
  };
  const em = app.catalogue.em();
  const server = input.server === undefined ? undefined : await requireKnownServer(em, input.server);
  let host = await em.findOne(HostSchema, { name: valid.name });
  const created = !host;
  const sources = valid.sources ?? host?.sources ?? [];
  // A dump given again keeps its restore command unless --dump-restore changes it.
  const kept = valid.dumps?.map((dump) => {
    const restore = host?.dumps.find((old) => old.name === dump.name)?.restore;
    return restore ? { ...dump, restore } : dump;
  });
  const dumps = input.dumpRestores?.length ? validateDumpRestores(input.dumpRestores, kept ?? host?.dumps ?? []) : kept;
  if (!host && !valid.address) {
    throw new UserError(`address is missing for new host "${valid.name}": give one with --address web1.example.com (or "local")`);
  }
  // A replica host holds what replications copy: it has nothing of its own to back up.
  if (sources.length === 0 && (dumps ?? host?.dumps ?? []).length === 0 && !host?.replicaOf) {
    throw new UserError(
      host
        ? `host "${valid.name}" needs something to back up: keep a source (--source /path) or a database dump (--dump NAME=COMMAND)`
        : `sources are missing for new host "${valid.name}": give at least one with --source /path, or a database dump with ` +
            '--dump NAME=COMMAND for a host backed up by its dumps alone',
    );
  }
  if (!host) {
    if (!valid.address) throw new UserError(`address is missing for new host "${valid.name}"`);
    host = em.create(HostSchema, {
      name: valid.name,
      address: valid.address,
      user: valid.user ?? 'root',
      port: valid.port ?? 22,
      sources,
      excludes: valid.excludes ?? [],
      rsyncArgs: valid.rsyncArgs ?? [],
      dumps: dumps ?? [],
      enabled: input.enabled ?? true,
      access: valid.access ?? 'full',
      maxAgeSeconds: valid.maxAgeSeconds ?? null,
      alerts: valid.alerts ? mergeAlerts(null, valid.alerts) : null,
      retries: valid.retries ?? null,
      retryDelaySeconds: valid.retryDelaySeconds ?? null,
      server: server ?? (await ownServer(em)).name,
    });
  } else {
    if (valid.address !== undefined) host.address = valid.address;
    if (valid.user !== undefined) host.user = valid.user;
    if (valid.port !== undefined) host.port = valid.port;
    if (valid.sources !== undefined) host.sources = valid.sources;
    if (valid.excludes !== undefined) host.excludes = valid.excludes;
    if (valid.rsyncArgs !== undefined) host.rsyncArgs = valid.rsyncArgs;
    if (dumps !== undefined) host.dumps = dumps;
    if (input.enabled !== undefined) host.enabled = input.enabled;
    if (valid.access !== undefined) host.access = valid.access;
    if (valid.maxAgeSeconds !== undefined) host.maxAgeSeconds = valid.maxAgeSeconds;
    if (valid.alerts !== undefined) host.alerts = mergeAlerts(host.alerts, valid.alerts);
    if (valid.retries !== undefined) host.retries = valid.retries;
    if (valid.retryDelaySeconds !== undefined) host.retryDelaySeconds = valid.retryDelaySeconds;
    if (server !== undefined) host.server = server;
  }
  checkAccess(host);
  await em.flush();
  return { host: hostView(host), created };
}

/**
 * A host for snapshots that arrive without one (an adopted backup root, an imported archive):
 * disabled, reached at its own name, with the sources and excludes its snapshot recorded. Its
 * dump commands are not known here; the admin checks it with "pobsync host" and enables it.
 * Returns false when the name cannot be a host (nothing is created).
 */
export async function createHostFromSnapshot(
  em: EntityManager,
  name: string,
  meta: { sources?: unknown; excludes?: unknown },
): Promise<boolean> {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  let address: string;
  try {
    validateHostName(name);
    address = validateAddress(name);
  } catch {
    return false;
  }
  let sources: string[] = [];
  let excludes: string[] = [];
  try {
    sources = strings(meta.sources).length > 0 ? validateSources(strings(meta.sources)) : [];
    excludes = validateExcludes(strings(meta.excludes));
  } catch {
    // What the snapshot recorded does not pass today's checks: the admin sets them.
  }
  const server = (await ownServer(em)).name;
  em.create(HostSchema, { name, address, user: 'root', port: 22, sources, excludes, rsyncArgs: [], dumps: [], enabled: false, server });
  await em.flush();
  return true;
}

export async function getHost(app: App, name: string | undefined): Promise<HostView> {
  return hostView(await findHost(app.catalogue.em(), name));
}
