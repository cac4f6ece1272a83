/**
 * The few places where the catalogue's raw SQL differs between SQLite and MariaDB, each said once
 * per dialect: how a time is stored and read (SQLite: epoch milliseconds, as MikroORM keeps them;
 * MariaDB: DATETIME(3) in UTC), the database's clock, string concatenation, and null-safe equality.
 * Raw SQL that compares or sets a time goes through `sqlFor(em)`, never writes either form by hand.
 */
import type { EntityManager } from '@mikro-orm/sqlite';

export type Dialect = 'sqlite' | 'mariadb';

export interface DialectSql {
  readonly dialect: Dialect;
  /** a Date as a parameter for a datetime column */
  time(date: Date): number | string;
  /** a datetime column's value in a raw row as a Date (null stays null) */
  date(value: unknown): Date | null;
  /** the database's clock as a datetime column value: the same clock for every process and server */
  readonly now: string;
  /** SQL for the text of `parts` joined */
  concat(...parts: string[]): string;
  /** SQL for "`column` equals the next parameter, null equal to null" */
  isSame(column: string): string;
  /** the end of an INSERT that leaves an existing row with the same `key` as it is (and inserts nothing) */
  keepExisting(key: string): string;
  /** what a SELECT without a table says before WHERE (MariaDB needs FROM DUAL there) */
  readonly noTable: string;
  /** a count or sum from a raw row as a number (MariaDB returns BIGINT counts as bigint, JSON values as text) */
  number(value: unknown): number;
  /**
   * What follows a table's alias to read it through `index`, where the planner would pick wrong:
   * MariaDB prefers a covering index and sorts a host's every run to find its newest, where
   * reading run_host_id_index (ordered by id within a host) backwards stops at the first match;
   * SQLite's planner does the same with a list of kinds and statuses.
   */
  throughIndex(index: string): string;
}

const SQLITE: DialectSql = {
  dialect: 'sqlite',
  time: (date) => date.getTime(),
  date: (value) => (value === null || value === undefined ? null : new Date(Number(value))),
  now: `cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`,
  concat: (...parts) => parts.join(' || '),
  isSame: (column) => `${column} is ?`,
  noTable: '',
  keepExisting: (key) => `on conflict (${key}) do nothing`,
  number: (value) => Number(value ?? 0),
  throughIndex: (index) => `indexed by ${index}`,
};

const MARIADB: DialectSql = {
  dialect: 'mariadb',
  // 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: what a DATETIME(3) column holds, whatever the session's zone.
  time: (date) => date.toISOString().replace('T', ' ').replace('Z', ''),
  date: (value) => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value;
    return new Date(`${String(value).replace(' ', 'T')}Z`);
  },
  now: 'utc_timestamp(3)',
  concat: (...parts) => `concat(${parts.join(', ')})`,
  isSame: (column) => `${column} <=> ?`,
  noTable: 'from dual',
  // A no-op assignment, not INSERT IGNORE: that would turn every other error into a warning too.
  keepExisting: (key) => `on duplicate key update ${key} = ${key}`,
  number: (value) => Number(value ?? 0),
  throughIndex: (index) => `force index (${index})`,
};

/** The dialect of the catalogue `em` belongs to (the MariaDB driver says so; SQLite's says nothing). */
export function dialectOf(em: EntityManager): Dialect {
  return (em.config.get('driver') as { dialect?: Dialect } | undefined)?.dialect ?? 'sqlite';
}

/** The SQL of `em`'s catalogue, or of the catalogue a reader reads (catalogue/reads.ts). */
export function sqlFor(em: EntityManager | { readonly dialectSql: DialectSql }): DialectSql {
  if ('dialectSql' in em) return em.dialectSql;
  return dialectOf(em) === 'mariadb' ? MARIADB : SQLITE;
}

/** SQLite's SQL, for the catalogue read straight through the driver. */
export const sqliteSql: DialectSql = SQLITE;
