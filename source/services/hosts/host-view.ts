/**
 * A host as every listing shows it, and the listing itself: kept apart from hosts.ts (its writes)
 * so that `pobsync hosts` loads no ORM.
 */
import type { Host } from '../../catalogue/entities/index.js';
import type { CatalogueReads } from '../../catalogue/reads.js';
import type { AlertHooks } from '../../domain/alerting.js';
import { UserError } from '../../domain/errors.js';
import type { DumpCommand, HostAccess } from '../../domain/types.js';
import { LOCAL_ADDRESS, validateHostName } from '../../domain/validation.js';
import type { ReadApp } from '../app.js';

export interface HostView {
  id: number;
  name: string;
  address: string;
  user: string;
  port: number;
  sources: string[];
  excludes: string[];
  rsyncArgs: string[];
  /** run before the files are pulled; stdout becomes dumps/NAME in the snapshot */
  dumps: DumpCommand[];
  enabled: boolean;
  /** full: pobsync's key may run commands; restricted: only rrsync -ro (no dumps, no restore to the host) */
  access: HostAccess;
  /** true for address "local": copied on this server, without ssh */
  local: boolean;
  /** its own max age (seconds), after which its newest snapshot is stale; null: twice its schedule's interval */
  maxAgeSeconds: number | null;
  /** its own alert hooks and mail address; fields not set use the global ones */
  alerts: AlertHooks;
  /** its own retry settings; null: the global ones */
  retries: number | null;
  retryDelaySeconds: number | null;
  /** the peer (`user@address:port`) `pobsync replicate` copies its snapshots from; null: none */
  replicaOf: string | null;
  /** the pobsync server that backs it up; null: made before servers (the only server's) */
  server: string | null;
  createdAt: string;
  updatedAt: string;
}

export function hostView(host: Host): HostView {
  return {
    id: host.id,
    name: host.name,
    address: host.address,
    user: host.user,
    port: host.port,
    sources: host.sources,
    excludes: host.excludes,
    rsyncArgs: host.rsyncArgs,
    dumps: host.dumps ?? [],
    enabled: host.enabled,
    access: host.access,
    local: host.address === LOCAL_ADDRESS,
    maxAgeSeconds: host.maxAgeSeconds ?? null,
    alerts: host.alerts ?? {},
    retries: host.retries ?? null,
    retryDelaySeconds: host.retryDelaySeconds ?? null,
    replicaOf: host.replicaOf ?? null,
    server: host.server ?? null,
    createdAt: host.createdAt.toISOString(),
    updatedAt: host.updatedAt.toISOString(),
  };
}

/** The host named `name`, or a UserError naming it. */
export async function requireHost(reads: CatalogueReads, name: string | undefined): Promise<Host> {
  const valid = validateHostName(name);
  const host = await reads.host(valid);
  if (!host) throw new UserError(`unknown host "${valid}": "pobsync hosts" lists the configured ones`);
  return host;
}

export async function listHosts(app: ReadApp): Promise<HostView[]> {
  const hosts = await app.catalogue.reads().hosts();
  return hosts.map(hostView);
}
