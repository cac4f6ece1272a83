/** What `doctor` asks of the catalogue itself: is the file sound, and which migrations made it. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { MARIADB_MIGRATIONS } from '../../db/migrations/mariadb/index.js';
import { dialectOf } from './dialect.js';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS_TABLE } from './schema-version.js';

/** SQLite's quick_check, or MariaDB's CHECK TABLE over the catalogue's tables: "ok", or the first problems found. */
export async function quickCheck(em: EntityManager): Promise<string[]> {
  if (dialectOf(em) === 'mariadb') {
    const tables = ENTITIES.map((entity) => `\`${entity.meta.tableName}\``).join(', ');
    const rows = await em.execute<{ Table: string; Msg_type: string; Msg_text: string }[]>(`check table ${tables} quick`);
    const problems = rows.filter((row) => row.Msg_type === 'error' || (row.Msg_type === 'status' && row.Msg_text !== 'OK'));
    return problems.length === 0 ? ['ok'] : problems.slice(0, 5).map((row) => `${row.Table}: ${row.Msg_text}`);
  }
  const rows = await em.execute<{ quick_check: string }[]>('pragma quick_check(5)');
  return rows.map((row) => row.quick_check);
}

/** The names of the migrations this pobsync has for the catalogue's dialect. */
export function knownMigrations(em: EntityManager): string[] {
  return (dialectOf(em) === 'mariadb' ? MARIADB_MIGRATIONS : MIGRATIONS).map((migration) => migration.name);
}

export async function appliedMigrations(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE} order by id`);
  return rows.map((row) => row.name.replace(/\.[jt]s$/, ''));
}

/** Runs left `running`, with the process that holds each. */
export function runningRuns(em: EntityManager): Promise<
  {
    id: number;
    host: string;
    pid: number | null;
    node: string | null;
    pid_start: string | null;
    started_at: number | null;
    server: string | null;
  }[]
> {
  return em.execute(
    `select r.id, h.name as host, r.pid, r.node, r.pid_start, r.started_at, r.server from run r join host h on h.id = r.host_id
        where r.status = 'running' order by r.id`,
  );
}

/** How many schedules are enabled, over every host. */
export async function enabledScheduleCount(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ count: number }[]>('select count(*) as count from schedule where enabled = 1');
  return Number(row?.count ?? 0);
}
