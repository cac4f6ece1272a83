/**
 * What the listings (hosts, snapshots, status, a retention preview) read from the catalogue, and
 * nothing they write: through the ORM (orm-reads.ts, any dialect) or, for a SQLite catalogue whose
 * schema is current, straight through the sqlite3 driver (sqlite-reads.ts), which spares a command
 * loading MikroORM and knex, most of its start-up. Both give the same entity-shaped rows.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { columnsOf, type PlanColumns, type PlanInput } from '../domain/retention.js';
import { type RunStatus, SNAPSHOT_KINDS, SNAPSHOT_STATUSES, type SnapshotKind, type SnapshotStatus } from '../domain/types.js';
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

/** A kind, a status and protected in one character: 64 + kind + 8 * status + 32 * protected (indexes into their lists). */
const SNAPSHOT_CODE =
  `char(64 + case kind ${SNAPSHOT_KINDS.map((kind, code) => `when '${kind}' then ${code}`).join(' ')} else 7 end ` +
  `+ 8 * case status ${SNAPSHOT_STATUSES.map((status, code) => `when '${status}' then ${code}`).join(' ')} else 3 end ` +
  '+ 32 * coalesce(protected = 1, 0))';

/**
 * planInputs on SQLite as one row of columns, each column's values joined in the same row order:
 * the names one after another with their lengths beside, ids and times comma-joined, and kind,
 * status and protected as one character per snapshot. They are read in place into typed arrays
 * and the kinds' and statuses' own constants: no string per snapshot, nor an object.
 */
export async function planInputsByColumns(em: Queryable, hostId: number, server?: string): Promise<PlanColumns> {
  const [row] = await query<
    { count: number; names: string | null; lengths: string | null; ids: string | null; times: string | null; codes: string | null }[]
  >(
    em,
    "select count(*) as count, group_concat(name, '') as names, group_concat(length(name)) as lengths, " +
      `group_concat(id) as ids, group_concat(started_at) as times, group_concat(${SNAPSHOT_CODE}, '') as codes ` +
      `from snapshot ${planFilter(server)}`,
    server === undefined ? [hostId] : [hostId, server],
  );
  const count = Number(row?.count ?? 0);
  if (count === 0) {
    const none = new Float64Array(0);
    return {
      length: 0,
      ids: none,
      names: { text: '', starts: Uint32Array.of(0) },
      kinds: [],
      statuses: [],
      times: none,
      protect: new Uint8Array(0),
    };
  }
  const names = row!.names ?? '';
  const lengths = integers(row!.lengths ?? '', count);
  const ids = integers(row!.ids ?? '', count);
  const times = integers(row!.times ?? '', count);
  const codes = row!.codes ?? '';
  const starts = new Uint32Array(count + 1);
  for (let index = 0; lengths && index < count; index += 1) starts[index + 1] = starts[index]! + lengths[index]!;
  const kinds = new Array<SnapshotKind>(count);
  const statuses = new Array<SnapshotStatus>(count);
  const protect = new Uint8Array(count);
  let known = codes.length === count;
  for (let index = 0; known && index < count; index += 1) {
    const code = codes.charCodeAt(index) - 64;
    const kind = SNAPSHOT_KINDS[code & 7];
    const status = SNAPSHOT_STATUSES[(code >> 3) & 3];
    if (kind === undefined || status === undefined || code < 0 || code > 63) known = false;
    else {
      kinds[index] = kind;
      statuses[index] = status;
      protect[index] = code >> 5;
    }
  }
  // SQLite counts a name's length in characters, JavaScript in UTF-16 units: the same when no
  // name has a character beyond them (a surrogate pair). A null or a comma in a column, or
  // anything else unexpected, and it is read row by row instead.
  if (!known || !ids || !times || !lengths || starts[count] !== names.length || /[\ud800-\udfff]/.test(names)) {
    return columnsOf(await planInputsByRows(em, hostId, server));
  }
  return { length: count, ids, names: { text: names, starts }, kinds, statuses, times, protect };
}

/** `count` comma-separated integers (of up to 15 digits); undefined for anything else. */
function integers(text: string, count: number): Float64Array | undefined {
  const values = new Float64Array(count);
  let start = 0;
  for (let index = 0; index < count; index += 1) {
    let end = text.indexOf(',', start);
    if (end < 0) end = text.length;
    let at = start;
    const sign = text.charCodeAt(at) === 45 ? -1 : 1;
    if (sign < 0) at += 1;
    if (end - at < 1 || end - at > 15) return undefined;
    // Two halves of small integers: a digit at a time into one number would overflow a small
    // integer halfway through a time in milliseconds, and the engine's optimized loop with it.
    const split = Math.max(at, end - 7);
    let high = 0;
    let low = 0;
    for (; at < split; at += 1) {
      const digit = text.charCodeAt(at) - 48;
      if (!(digit >= 0 && digit <= 9)) return undefined;
      high = high * 10 + digit;
    }
    for (; at < end; at += 1) {
      const digit = text.charCodeAt(at) - 48;
      if (!(digit >= 0 && digit <= 9)) return undefined;
      low = low * 10 + digit;
    }
    values[index] = sign * (high * 1e7 + low);
    start = end + 1;
  }
  return start === text.length + 1 ? values : undefined;
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
