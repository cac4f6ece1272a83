/**
 * What the listings (hosts, snapshots, status, a retention preview) read from the catalogue, and
 * nothing they write: through the ORM (orm-reads.ts, any dialect) or, for a SQLite catalogue whose
 * schema is current, straight through the sqlite3 driver (sqlite-reads.ts), which spares a command
 * loading MikroORM and knex, most of its start-up. Both give the same entity-shaped rows.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import type { PlanInput } from '../domain/retention.js';
import type { RunStatus } from '../domain/types.js';
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
export function planInputs(em: Queryable, hostId: number, server?: string): Promise<PlanInput[]> {
  return sqlFor(em).dialect === 'sqlite' ? planInputsByColumns(em, hostId, server) : planInputsByRows(em, hostId, server);
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
 * kinds and statuses, which are words), protected as one digit per snapshot.
 */
export async function planInputsByColumns(em: Queryable, hostId: number, server?: string): Promise<PlanInput[]> {
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
  if (count === 0) return [];
  const names = JSON.parse(row!.names) as string[];
  const ids = row!.ids!.split(',');
  const times = row!.times!.split(',');
  const kinds = row!.kinds!.split(',') as PlanInput['kind'][];
  const statuses = row!.statuses!.split(',') as PlanInput['status'][];
  const protect = row!.protect!;
  if ([names, ids, times, kinds, statuses].some((column) => column.length !== count) || protect.length !== count) {
    // A column with a null or a comma in it: read row by row instead.
    return planInputsByRows(em, hostId, server);
  }
  const inputs = new Array<PlanInput>(count);
  for (let index = 0; index < count; index += 1) {
    inputs[index] = {
      id: Number(ids[index]),
      name: names[index]!,
      kind: kinds[index]!,
      status: statuses[index]!,
      startedAt: new Date(Number(times[index])),
      protected: protect.charCodeAt(index) === 49,
    };
  }
  return inputs;
}

/**
 * The host's queued and running runs, oldest first, with the snapshot each has picked as its
 * base (null while a backup has not picked one yet).
 */
export function activeRunsOf(em: Queryable, hostId: number): Promise<{ id: number; status: RunStatus; base_id: number | null }[]> {
  return query(em, `select id, status, base_id from run where host_id = ? and status in ('queued', 'running') order by id`, [hostId]);
}

/**
 * The database's clock: the one every server of a shared catalogue reads alike. Heartbeats are
 * written and judged by it, so a server whose own clock is off is not shown as down (or up) for that.
 */
export async function databaseNow(em: Queryable): Promise<Date> {
  const sql = sqlFor(em);
  const [row] = await query<{ now: unknown }[]>(em, `select ${sql.now} as now ${sql.noTable}`);
  return sql.date(row?.now) ?? new Date();
}
