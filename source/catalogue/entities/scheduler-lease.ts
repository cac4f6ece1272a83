import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * Who runs the scheduler for this catalogue. One row per lease name; the holder renews
 * `expiresAt` with a heartbeat, and anyone may take a lease that has expired.
 */
export const SchedulerLeaseSchema = defineEntity({
  name: 'SchedulerLease',
  tableName: 'scheduler_lease',
  properties: {
    name: p.string().primary(),
    /** random id of the holding process's supervisor */
    holder: p.string(),
    pid: p.integer(),
    node: p.string(),
    pidStart: p.string().nullable(),
    /** what holds it: "daemon", "tui", "scheduler" */
    role: p.string(),
    acquiredAt: p.datetime(),
    heartbeatAt: p.datetime(),
    expiresAt: p.datetime(),
    /** the holder's home (catalogue, keys, logs): a command using another one is told */
    home: p.string().nullable(),
    /** the holder's pobsync server */
    server: p.string().nullable(),
  },
});

export type SchedulerLease = InferEntity<typeof SchedulerLeaseSchema>;
