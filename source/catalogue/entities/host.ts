import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { AlertHooks } from '../../domain/alerting.js';
import type { RetentionPolicy } from '../../domain/retention.js';
import { type DumpCommand, HOST_ACCESS } from '../../domain/types.js';

/** A machine to back up. Lists (sources, excludes, rsync args) are stored as JSON arrays. */
export const HostSchema = defineEntity({
  name: 'Host',
  tableName: 'host',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    /** a hostname, an IP address, or "local" for this server */
    address: p.string(),
    user: p.string(),
    port: p.integer(),
    sources: p.json<string[]>(),
    excludes: p.json<string[]>(),
    rsyncArgs: p.json<string[]>(),
    enabled: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    /** this host's own retention policy; null = the global default */
    retention: p.json<RetentionPolicy>().nullable(),
    /** run before the files are pulled, in this order */
    dumps: p.json<DumpCommand[]>().default('[]'),
    /** full: a login that runs any command; restricted: pobsync's key may only run rrsync -ro */
    access: p.enum([...HOST_ACCESS]).default('full'),
    /** older than this, its newest snapshot is stale; null: twice the interval of its most frequent schedule */
    maxAgeSeconds: p.integer().nullable(),
    /** where its alerts go; fields it leaves unset use the global ones */
    alerts: p.json<AlertHooks>().nullable(),
    /** how often a failed scheduled backup is tried again, and the pause before the first retry; null: global */
    retries: p.integer().nullable(),
    retryDelaySeconds: p.integer().nullable(),
    /**
     * Since when the host is failing, or stale, as alerted: set when the on-failure or on-stale
     * alert goes out (compare-and-set, so two processes never both send it), cleared by recovery.
     */
    failingSince: p.datetime().nullable(),
    staleSince: p.datetime().nullable(),
    /** the peer (`user@address:port`) whose snapshots of this host `pobsync replicate` copies here; null: none */
    replicaOf: p.string().nullable(),
    /** the server that backs it up (its name); null: made before servers, the only server's */
    server: p.string().nullable(),
  },
});

export type Host = InferEntity<typeof HostSchema>;
