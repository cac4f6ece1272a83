/**
 * Every migration, oldest first. Listed here rather than discovered on disk so they run the
 * same from the TypeScript sources (tests) and the compiled build. Each is loaded only when it
 * has to run: importing the migrator costs every command start-up time.
 */
import type { Migration } from '@mikro-orm/migrations';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

export interface MigrationEntry {
  name: string;
  load(): Promise<MigrationClass>;
}

export const MIGRATIONS: MigrationEntry[] = [
  {
    name: 'Migration20261123000000Foundation',
    load: async () => (await import('./Migration20261123000000Foundation.js')).Migration20261123000000Foundation,
  },
  {
    name: 'Migration20261123100000Scheduler',
    load: async () => (await import('./Migration20261123100000Scheduler.js')).Migration20261123100000Scheduler,
  },
  {
    name: 'Migration20261123150000Retention',
    load: async () => (await import('./Migration20261123150000Retention.js')).Migration20261123150000Retention,
  },
  {
    name: 'Migration20261123200000RestoreDumps',
    load: async () => (await import('./Migration20261123200000RestoreDumps.js')).Migration20261123200000RestoreDumps,
  },
  {
    name: 'Migration20261202000000RunTable',
    load: async () => (await import('./Migration20261202000000RunTable.js')).Migration20261202000000RunTable,
  },
  {
    name: 'Migration20261202010000MoreKinds',
    load: async () => (await import('./Migration20261202010000MoreKinds.js')).Migration20261202010000MoreKinds,
  },
  {
    name: 'Migration20261203000000HostAccess',
    load: async () => (await import('./Migration20261203000000HostAccess.js')).Migration20261203000000HostAccess,
  },
  {
    name: 'Migration20261203100000Unattended',
    load: async () => (await import('./Migration20261203100000Unattended.js')).Migration20261203100000Unattended,
  },
  {
    name: 'Migration20261203100000Trust',
    load: async () => (await import('./Migration20261203100000Trust.js')).Migration20261203100000Trust,
  },
  {
    name: 'Migration20261204000000SnapshotSizes',
    load: async () => (await import('./Migration20261204000000SnapshotSizes.js')).Migration20261204000000SnapshotSizes,
  },
  {
    name: 'Migration20261204100000ScaleIndexes',
    load: async () => (await import('./Migration20261204100000ScaleIndexes.js')).Migration20261204100000ScaleIndexes,
  },
  {
    name: 'Migration20261205100000Replicas',
    load: async () => (await import('./Migration20261205100000Replicas.js')).Migration20261205100000Replicas,
  },
  {
    name: 'Migration20261206000000Servers',
    load: async () => (await import('./Migration20261206000000Servers.js')).Migration20261206000000Servers,
  },
  {
    name: 'Migration20261207000000SnapshotPerServer',
    load: async () => (await import('./Migration20261207000000SnapshotPerServer.js')).Migration20261207000000SnapshotPerServer,
  },
  {
    name: 'Migration20261208000000ScheduleServer',
    load: async () => (await import('./Migration20261208000000ScheduleServer.js')).Migration20261208000000ScheduleServer,
  },
  {
    name: 'Migration20261209000000SnapshotServerIndex',
    load: async () => (await import('./Migration20261209000000SnapshotServerIndex.js')).Migration20261209000000SnapshotServerIndex,
  },
  {
    name: 'Migration20261209100000ServerAddress',
    load: async () => (await import('./Migration20261209100000ServerAddress.js')).Migration20261209100000ServerAddress,
  },
];
