import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { AlertHooks } from '../../domain/alerting.js';
import type { RetentionPolicy } from '../../domain/retention.js';

/** The one row of server-wide settings (id 1). */
export const GlobalConfigSchema = defineEntity({
  name: 'GlobalConfig',
  tableName: 'global_config',
  properties: {
    id: p.integer().primary().autoincrement(false),
    /** where snapshots live; null until configure-global sets it */
    backupRoot: p.string().nullable(),
    /** IANA name for schedules and retention periods; null = the server's own zone */
    timeZone: p.string().nullable(),
    maxConcurrent: p.integer().default(2),
    /** how long a stopping daemon lets running backups finish before it interrupts them */
    shutdownGraceSeconds: p.integer().default(30),
    /** extra rsync options for every host, before the host's own */
    defaultRsyncArgs: p.json<string[]>(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    /** the retention policy of hosts without their own; null = keep everything */
    retention: p.json<RetentionPolicy>().nullable(),
    /** where alerts go for hosts that set none of their own */
    alerts: p.json<AlertHooks>().nullable(),
    /** how often a failed scheduled backup is tried again (exponential backoff from the delay) */
    retries: p.integer().default(2),
    retryDelaySeconds: p.integer().default(300),
    /** how long an alert hook may run before it is stopped */
    hookTimeoutSeconds: p.integer().default(60),
    /** each host keeps its newest this many runs (and every run whose snapshot is still there) */
    keepRuns: p.integer().default(100),
    /** node_exporter textfile the daemon rewrites after every run; null: none */
    metricsTextfile: p.string().nullable(),
    /** this catalogue's own id, set once; the backup root's marker names it (a root belongs to one catalogue) */
    catalogueId: p.string().nullable(),
    /** delete a deprecated archive's file when a newer archive of its host and option set is made */
    archiveAutoPurge: p.boolean().default(false),
  },
});

export type GlobalConfig = InferEntity<typeof GlobalConfigSchema>;
