import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { ScheduleAction } from '../../domain/types.js';
import { HostSchema } from './host.js';

/** When a host is backed up: a cron expression in a time zone. */
export const ScheduleSchema = defineEntity({
  name: 'Schedule',
  tableName: 'schedule',
  uniques: [{ properties: ['host', 'name'] }],
  properties: {
    id: p.integer().primary(),
    host: () => p.manyToOne(HostSchema).deleteRule('cascade'),
    name: p.string(),
    cron: p.string(),
    /** IANA name; null = the global time zone */
    timeZone: p.string().nullable(),
    /** apply the host's retention policy after a good backup */
    prune: p.boolean().default(false),
    enabled: p.boolean().default(true),
    /** what a fire queues: a backup, or a verify of the host's snapshots (a plain string: no CHECK to widen later) */
    action: p.string().$type<ScheduleAction>().default('backup'),
    /** the last fire time the scheduler handled (queued or skipped); catch-up starts after it */
    lastFiredAt: p.datetime().nullable(),
    /** a replicate schedule's peer (`user@address:port`) and the command that runs pobsync there */
    replicateFrom: p.string().nullable(),
    remotePobsync: p.json<string[]>().nullable(),
    /**
     * the server whose worker runs its fires, when not the host's: a replicate schedule on a shared
     * catalogue, made by the server that copies another server's host; null: the host's server
     */
    server: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type Schedule = InferEntity<typeof ScheduleSchema>;
