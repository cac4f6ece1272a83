/**
 * What the listings (hosts, snapshots, status, a retention preview) read from the catalogue, and
 * nothing they write: through the ORM (orm-reads.ts, any dialect) or, for a SQLite catalogue whose
 * schema is current, straight through the sqlite3 driver (sqlite-reads.ts), which spares a command
 * loading MikroORM and knex, most of its start-up. Both give the same entity-shaped rows.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { columnsOf, type PlanColumns, type PlanInput } from '../domain/retention.js';
import { type RunStatus, SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from '../domain/types.js';
import { type DialectSql, sqlFor } from './dialect.js';
import type { GlobalConfig, Host, Schedule, SchedulerLease, Server, SnapshotRecord } from './entities/index.js';

export interface CatalogueReads {
  readonly dialectSql: DialectSql;
  /** raw SQL in the catalogue's dialect: every row */
  execute<T>(sql: string, params?: unknown[]): Promise<T>;
  /** every host, by name */
  hosts(): Promise<Host[]>;
  host(name: string): Promise<Host | null>;
  /** the host's snapshots, oldest first, each with its base's name */
  snapshotsOf(hostId: number): Promise<SnapshotRecord[]>;
  enabledSchedules(): Promise<Schedule[]>;
  /** the settings row (the ORM creates it on first use; the direct reader opens only a catalogue that has it) */
  settings(): Promise<GlobalConfig>;
  lease(name: string): Promise<SchedulerLease | null>;
  /** the servers of the catalogue, by name */
  servers(): Promise<Server[]>;
}

/** Where raw SQL can run: an EntityManager, or the listings' reads. */
export type Queryable = EntityManager | CatalogueReads;

/** Every row of raw SQL in the catalogue's dialect (sqlFor(q) says which). */
export function query<T>(q: Queryable, sql: string, params: unknown[] = []): Promise<T> {
  return (q as CatalogueReads).execute<T>(sql, params);
}

/** How a column's stored value becomes its property's: anything not listed is taken as it is. */
export type ColumnKind = 'json' | 'boolean' | 'date' | { ref: string };

/**
 * Per table, the properties whose stored form differs from their value (the rest, strings and
 * integers, are read as stored). A test compares these with the ORM's metadata.
 */
export const COLUMN_KINDS = {
  host: {
    sources: 'json',
    excludes: 'json',
    rsyncArgs: 'json',
    enabled: 'boolean',
    createdAt: 'date',
    updatedAt: 'date',
    retention: 'json',
    dumps: 'json',
    alerts: 'json',
    failingSince: 'date',
    staleSince: 'date',
  },
  snapshot: {
    host: { ref: 'Host' },
    startedAt: 'date',
    finishedAt: 'date',
    base: { ref: 'SnapshotRecord' },
    stats: 'json',
    protected: 'boolean',
    createdAt: 'date',
    deletingAt: 'date',
    dumps: 'json',
    missingSince: 'date',
    sizedAt: 'date',
    origin: 'json',
  },
  schedule: {
    host: { ref: 'Host' },
    prune: 'boolean',
    enabled: 'boolean',
    lastFiredAt: 'date',
    remotePobsync: 'json',
    createdAt: 'date',
    updatedAt: 'date',
  },
  global_config: {
    defaultRsyncArgs: 'json',
    updatedAt: 'date',
    retention: 'json',
    alerts: 'json',
    archiveAutoPurge: 'boolean',
  },
  scheduler_lease: { acquiredAt: 'date', heartbeatAt: 'date', expiresAt: 'date' },
  server: { registeredAt: 'date', startedAt: 'date', heartbeatAt: 'date' },
} as const satisfies Record<string, Record<string, ColumnKind>>;

export type ReadTable = keyof typeof COLUMN_KINDS;

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** What to do with one column of a table: skip it, make a reference of it, or read it as its property. */
type ColumnPlan =
  | { skip: true }
  | { skip: false; ref: true; property: string; nameColumn: string }
  | { skip: false; ref: false; property: string; kind: ColumnKind | undefined };

/** Per table and column, worked out once: the same columns come back in every row. */
const plans = new Map<string, ColumnPlan>();

function columnPlan(table: ReadTable, column: string): ColumnPlan {
  const key = `${table}.${column}`;
  let plan = plans.get(key);
  if (plan) return plan;
  const kinds = COLUMN_KINDS[table] as Record<string, ColumnKind>;
  const refOf = (suffix: string) => {
    if (!column.endsWith(suffix)) return undefined;
    const property = camel(column.slice(0, -suffix.length));
    return typeof kinds[property] === 'object' ? property : undefined;
  };
  const named = refOf('_name');
  const referenced = refOf('_id');
  if (named !== undefined) plan = { skip: true };
  else if (referenced !== undefined) plan = { skip: false, ref: true, property: referenced, nameColumn: `${column.slice(0, -3)}_name` };
  else plan = { skip: false, ref: false, property: camel(column), kind: kinds[camel(column)] };
  plans.set(key, plan);
  return plan;
}

/**
 * One raw row of `table` as the ORM would give its entity: camelCase properties, JSON parsed,
 * booleans and times as such, a reference as `{ id }` (with `name` when the query selected
 * `<ref>_name`, as a populated base has).
 */
export function entityOf<T>(table: ReadTable, row: Record<string, unknown>, sql: DialectSql): T {
  const entity: Record<string, unknown> = {};
  for (const column in row) {
    const plan = columnPlan(table, column);
    if (plan.skip) continue;
    const value = row[column];
    if (plan.ref) {
      const name = row[plan.nameColumn];
      entity[plan.property] = value === null ? null : name === undefined ? { id: Number(value) } : { id: Number(value), name };
      continue;
    }
    const kind = plan.kind;
    if (value === null || value === undefined) entity[plan.property] = null;
    else if (kind === 'json') entity[plan.property] = typeof value === 'string' ? JSON.parse(value) : value;
    else if (kind === 'boolean') entity[plan.property] = Boolean(Number(value));
    else if (kind === 'date') entity[plan.property] = sql.date(value);
    else if (typeof value === 'bigint') entity[plan.property] = Number(value);
    else entity[plan.property] = value;
  }
  return entity as T;
}

/**
 * The host's snapshots as the planner needs them (with `server`, only those it holds): a catalogue
 * of 100,000 snapshots must plan in well under a second, which hydrating entities would not. On
 * SQLite the database joins each column into one text (planInputsByColumns): the sqlite3 driver
 * makes an object of every row it returns, most of the cost of reading 100,000 of them.
 */
export async function planInputs(em: Queryable, hostId: number, server?: string): Promise<PlanColumns> {
  return sqlFor(em).dialect === 'sqlite' ? planInputsByColumns(em, hostId, server) : columnsOf(await planInputsByRows(em, hostId, server));
}

const planFilter = (server: string | undefined) =>
  `where host_id = ? and deleting_at is null and missing_since is null${server === undefined ? '' : ' and (server = ? or server is null)'}`;

/** planInputs one row at a time: any dialect. */
export async function planInputsByRows(em: Queryable, hostId: number, server?: string): Promise<PlanInput[]> {
  const rows = await query<
    (Omit<PlanInput, 'protected' | 'startedAt'> & { started_at: number | string; protected: number | boolean; startedAt: Date })[]
  >(
    em,
    `select id, name, kind, status, started_at, protected from snapshot ${planFilter(server)}`,
    server === undefined ? [hostId] : [hostId, server],
  );
  // The rows become the planner's input in place: 100,000 fewer objects to make and collect.
  const sql = sqlFor(em);
  for (const row of rows) {
    row.startedAt = sql.date(row.started_at)!;
    row.protected = row.protected === 1 || row.protected === true;
  }
  return rows as PlanInput[];
}

/**
 * planInputs on SQLite as one row of columns, each column's values joined in the same row order:
 * names as a JSON array (a name may hold any character), the rest comma-joined (numbers, and
 * kinds and statuses, which are words), protected as one digit per snapshot. The columns are read
 * in place, into typed arrays and the kinds' and statuses' own constants: no string per value.
 */
export async function planInputsByColumns(em: Queryable, hostId: number, server?: string): Promise<PlanColumns> {
  const [row] = await query<
    {
      count: number;
      names: string;
      ids: string | null;
      times: string | null;
      kinds: string | null;
      statuses: string | null;
      protect: string | null;
    }[]
  >(
    em,
    'select count(*) as count, json_group_array(name) as names, group_concat(id) as ids, group_concat(started_at) as times, ' +
      "group_concat(kind) as kinds, group_concat(status) as statuses, group_concat(coalesce(protected = 1, 0), '') as protect " +
      `from snapshot ${planFilter(server)}`,
    server === undefined ? [hostId] : [hostId, server],
  );
  const count = Number(row?.count ?? 0);
  if (count === 0)
    return {
      length: 0,
      ids: new Float64Array(0),
      names: [],
      kinds: [],
      statuses: [],
      times: new Float64Array(0),
      protect: new Uint8Array(0),
    };
  const names = JSON.parse(row!.names) as string[];
  const ids = integers(row!.ids!, count);
  const times = integers(row!.times!, count);
  const kinds = words(row!.kinds!, count, SNAPSHOT_KINDS);
  const statuses = words(row!.statuses!, count, SNAPSHOT_STATUSES);
  const protect = row!.protect!;
  if (names.length !== count || !ids || !times || !kinds || !statuses || protect.length !== count) {
    // A column with a null, a comma or something unexpected in it: read row by row instead.
    return columnsOf(await planInputsByRows(em, hostId, server));
  }
  const protectedOnes = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) protectedOnes[index] = protect.charCodeAt(index) === 49 ? 1 : 0;
  return { length: count, ids, names, kinds, statuses, times, protect: protectedOnes };
}

/** `count` comma-separated integers; undefined for anything else. */
function integers(text: string, count: number): Float64Array | undefined {
  const values = new Float64Array(count);
  let index = 0;
  let value = 0;
  let sign = 1;
  let digits = 0;
  for (let at = 0; at <= text.length; at += 1) {
    const code = at < text.length ? text.charCodeAt(at) : 44;
    if (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      digits += 1;
    } else if (code === 45 && digits === 0 && sign === 1) {
      sign = -1;
    } else if (code === 44 && digits > 0 && digits <= 15 && index < count) {
      values[index] = sign * value;
      index += 1;
      value = 0;
      sign = 1;
      digits = 0;
    } else {
      return undefined;
    }
  }
  return index === count ? values : undefined;
}

/** `count` comma-separated words, each one of `allowed` (the same strings, not copies); undefined for anything else. */
function words<T extends string>(text: string, count: number, allowed: readonly T[]): T[] | undefined {
  const values = new Array<T>(count);
  let at = 0;
  for (let index = 0; index < count; index += 1) {
    let word: T | undefined;
    for (const candidate of allowed) {
      const end = at + candidate.length;
      if (text.startsWith(candidate, at) && (end === text.length || text.charCodeAt(end) === 44)) word = candidate;
    }
    if (word === undefined) return undefined;
    values[index] = word;
    at += word.length + 1;
  }
  return at === text.length + 1 ? values : undefined;
}

/**
 * The host's queued and running runs, oldest first, with the snapshot each has picked as its
 * base (null while a backup has not picked one yet).
 */
export function activeRunsOf(em: Queryable, hostId: number): Promise<{ id: number; status: RunStatus; base_id: number | null }[]> {
  return query(em, `select id, status, base_id from run where host_id = ? and status in ('queued', 'running') order by id`, [hostId]);
}
