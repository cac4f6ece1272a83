/** The listings' reads through the ORM: for MariaDB, a catalogue still to migrate, and the long-lived TUI and daemon. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
import { HostSchema, SchedulerLeaseSchema, ScheduleSchema, ServerSchema, SnapshotRecordSchema } from './entities/index.js';
import type { CatalogueReads } from './reads.js';
import { settingsRow } from './settings.js';

export function ormReads(em: EntityManager): CatalogueReads {
  return {
    dialectSql: sqlFor(em),
    execute: <T>(sql: string, params: unknown[] = []) => em.execute(sql, params) as Promise<T>,
    hosts: () => em.find(HostSchema, {}, { orderBy: { name: 'asc' } }),
    host: (name) => em.findOne(HostSchema, { name }),
    snapshotsOf: (hostId) =>
      em.find(SnapshotRecordSchema, { host: hostId }, { orderBy: { startedAt: 'asc', name: 'asc' }, populate: ['base'] }),
    enabledSchedules: () => em.find(ScheduleSchema, { enabled: true }),
    settings: () => settingsRow(em),
    lease: (name) => em.findOne(SchedulerLeaseSchema, { name }),
    servers: () => em.find(ServerSchema, {}, { orderBy: { name: 'asc' } }),
  };
}
