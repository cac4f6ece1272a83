import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { type RestoreDetails, type RsyncProgress, type RsyncStats, RUN_KINDS, RUN_STATUSES, type RunDetails } from '../../domain/types.js';
import { HostSchema } from './host.js';
import { ScheduleSchema } from './schedule.js';
import { SnapshotRecordSchema } from './snapshot-record.js';

/**
 * One attempt to make a snapshot. A `running` row is also the host's lock: the catalogue
 * allows at most one per host (a partial unique index), and `pid`/`node`/`pidStart` say which
 * process holds it, so a lock left by a dead process can be recognised and taken over.
 */
export const RunSchema = defineEntity({
  name: 'Run',
  tableName: 'run',
  indexes: [
    { properties: ['status'] },
    { properties: ['host', 'queuedAt'] },
    // A host's newest run by kind and status (its last run, its last backup result), from the index alone.
    { properties: ['host', 'kind', 'status'] },
    // The running runs of one server (its share of the concurrency limit, its stuck runs).
    { properties: ['status', 'server'] },
  ],
  // A schedule fires once per due time, even if two schedulers ever raced.
  uniques: [{ properties: ['schedule', 'scheduledFor'] }],
  properties: {
    id: p.integer().primary(),
    host: () => p.manyToOne(HostSchema).deleteRule('cascade'),
    kind: p.enum([...RUN_KINDS]),
    status: p.enum([...RUN_STATUSES]),
    queuedAt: p.datetime(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    /** the process running it: pid, the machine's hostname, and the pid's start time */
    pid: p.integer().nullable(),
    node: p.string().nullable(),
    pidStart: p.string().nullable(),
    logPath: p.string().nullable(),
    progress: p.json<RsyncProgress>().nullable(),
    stats: p.json<RsyncStats>().nullable(),
    error: p.text().nullable(),
    base: () => p.manyToOne(SnapshotRecordSchema).nullable().deleteRule('set null'),
    snapshot: () => p.manyToOne(SnapshotRecordSchema).nullable().deleteRule('set null'),
    /** the schedule that fired it, and the fire time it stands for */
    schedule: () => p.manyToOne(ScheduleSchema).nullable().deleteRule('set null'),
    scheduledFor: p.datetime().nullable(),
    /** apply the host's retention policy after a good backup */
    prune: p.boolean().default(false),
    /** set by `pobsync cancel` in any process; the process running it stops rsync */
    cancelRequested: p.boolean().default(false),
    /** a restore run's source, target and paths; its `base` is the snapshot it reads */
    restore: p.json<RestoreDetails>().nullable(),
    /** 1 for the first try; a retry of a failed scheduled run counts on */
    attempt: p.integer().default(1),
    /** a retry waits in the queue until then */
    notBefore: p.datetime().nullable(),
    /** a verify or archive run's what and where (and what a verify found) */
    details: p.json<RunDetails>().nullable(),
    /** the server that runs (or ran) it: only that server may recover it when its process is gone */
    server: p.string().nullable(),
  },
});

export type Run = InferEntity<typeof RunSchema>;
