/** What `doctor` asks of the catalogue itself: is the file sound, and which migrations made it. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { MIGRATIONS_TABLE } from './orm.js';

/** SQLite's quick_check: "ok", or the first problems it found. */
export async function quickCheck(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ quick_check: string }[]>('pragma quick_check(5)');
  return rows.map((row) => row.quick_check);
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
