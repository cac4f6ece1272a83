/**
 * MariaDB's migrations, oldest first: its own list, because SQLite's are SQLite SQL (table
 * rebuilds, epoch-millisecond integers). A MariaDB catalogue starts from the baseline, which is
 * SQLite's schema after Migration20261204100000ScaleIndexes.
 *
 * A later migration gets its MariaDB twin here: same name (the timestamp and what it does), in
 * db/migrations/mariadb/, written in MariaDB SQL (`alter table ... add column`, DATETIME(3) and
 * BIGINT as the baseline uses), and listed below in the same order as in ../index.ts. The test in
 * test/integration/catalogue.test.ts then checks on a real mariadbd that the schema the entities
 * describe and the one these migrations build do not differ.
 */
import type { MigrationEntry } from '../index.js';

export const MARIADB_MIGRATIONS: MigrationEntry[] = [
  {
    name: 'Migration20261204100000Baseline',
    load: async () => (await import('./Migration20261204100000Baseline.js')).Migration20261204100000Baseline,
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
