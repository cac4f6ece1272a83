/**
 * The listings' reads straight through the sqlite3 driver: no ORM, no knex, no migrator. Only for
 * a catalogue that needs nothing done to it first: its schema current and its settings row made.
 * Otherwise the caller opens it through the ORM, which migrates and creates what is missing.
 */
import type { Database } from 'sqlite3';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { sqliteSql } from './dialect.js';
import type { GlobalConfig, Host, Schedule, SchedulerLease, Server, SnapshotRecord } from './entities/index.js';
import { type CatalogueReads, entityOf } from './reads.js';
import { MIGRATIONS_TABLE, pendingMigrations } from './schema-version.js';

export interface SqliteReader {
  reads(): CatalogueReads;
  /** Changes whenever another connection commits: this reader never writes, so that is every change. */
  version(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the SQLite catalogue at `path` for reading, or resolves to undefined when it cannot be
 * read as it is (no such file, a migration pending, no settings row yet, a driver error): the
 * ORM's open then does what is needed, and says what is wrong in its own words.
 */
export async function openSqliteReader(path: string, waitMs: number): Promise<SqliteReader | undefined> {
  let db: Database | undefined;
  try {
    const { default: sqlite3 } = await import('sqlite3');
    db = await new Promise<Database>((resolve, reject) => {
      const opened = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (error) => (error ? reject(error) : resolve(opened)));
    });
    db.configure('busyTimeout', waitMs);
    const reader = sqliteReader(db);
    const reads = reader.reads();
    const applied = await reads.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE}`);
    const settings = await reads.execute<{ catalogue_id: string | null }[]>('select catalogue_id from global_config where id = 1');
    if (pendingMigrations(applied, MIGRATIONS).length > 0 || !settings[0]?.catalogue_id) {
      await reader.close();
      return undefined;
    }
    return reader;
  } catch {
    if (db) await closeDb(db);
    return undefined;
  }
}

function sqliteReader(db: Database): SqliteReader {
  const all = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T>((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T))));
  const entities = async <T>(table: Parameters<typeof entityOf>[0], sql: string, params: unknown[] = []) =>
    (await all<Record<string, unknown>[]>(sql, params)).map((row) => entityOf<T>(table, row, sqliteSql));
  const reads: CatalogueReads = {
    dialectSql: sqliteSql,
    execute: all,
    hosts: () => entities<Host>('host', 'select * from host order by name asc'),
    host: async (name) => (await entities<Host>('host', 'select * from host where name = ?', [name]))[0] ?? null,
    snapshotsOf: (hostId) =>
      entities<SnapshotRecord>(
        'snapshot',
        `select s.*, b.name as base_name from snapshot s left join snapshot b on b.id = s.base_id
          where s.host_id = ? order by s.started_at asc, s.name asc`,
        [hostId],
      ),
    enabledSchedules: () => entities<Schedule>('schedule', 'select * from schedule where enabled = 1'),
    settings: async () => (await entities<GlobalConfig>('global_config', 'select * from global_config where id = 1'))[0]!,
    lease: async (name) =>
      (await entities<SchedulerLease>('scheduler_lease', 'select * from scheduler_lease where name = ?', [name]))[0] ?? null,
    servers: () => entities<Server>('server', 'select * from server order by name asc'),
  };
  const version = async () => {
    const [row] = await all<{ others: number }[]>('select data_version as others from pragma_data_version');
    return `reader:${row!.others}`;
  };
  return { reads: () => reads, version, close: () => closeDb(db) };
}

function closeDb(db: Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}
