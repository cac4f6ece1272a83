/**
 * The `server` rows: which pobsync servers use this catalogue, each one's backup root and
 * heartbeat. A server registers itself the first time it needs its row; the very first one takes
 * over what the catalogue had before there were servers (the global backup root, every host).
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
import { type Server, ServerSchema } from './entities/index.js';
import { databaseNow } from './reads.js';

export { databaseNow };

export function findServer(em: EntityManager, name: string): Promise<Server | null> {
  return em.findOne(ServerSchema, { name });
}

export function listServers(em: EntityManager): Promise<Server[]> {
  return em.find(ServerSchema, {}, { orderBy: { name: 'asc' } });
}

export async function serverCount(em: EntityManager): Promise<number> {
  return em.count(ServerSchema, {});
}

/**
 * This server's row, made when it has none. The first server of a catalogue (no row yet) gets
 * the global backup root and the hosts nobody was assigned, in one statement each: of two
 * servers registering at once, only the one whose insert found the table empty takes them.
 */
export async function ensureServer(em: EntityManager, name: string, now = new Date()): Promise<Server> {
  const found = await findServer(em, name);
  if (found) return found;
  const sql = sqlFor(em);
  const inserted = await em.execute<{ name: string }[]>(
    `insert into server (name, backup_root, registered_at)
     select ?, (select backup_root from global_config where id = 1), ? ${sql.noTable}
      where not exists (select 1 from server)
     returning name`,
    [name, sql.time(now)],
    'all',
  );
  if (inserted.length > 0) {
    await em.execute('update host set server = ? where server is null', [name], 'run');
    await em.execute('update snapshot set server = ? where server is null', [name], 'run');
  } else {
    await em.execute(`insert into server (name, registered_at) values (?, ?) ${sql.keepExisting('name')}`, [name, sql.time(now)], 'run');
  }
  return em.findOneOrFail(ServerSchema, { name });
}

/** Says this server's process is alive: at start (`started`), then on every heartbeat; at `now`, else by the database's clock. */
export async function beatServer(
  em: EntityManager,
  name: string,
  beat: { now?: Date | undefined; pid: number; node: string; version: string; started?: boolean },
): Promise<void> {
  const now = beat.now ?? (await databaseNow(em));
  await ensureServer(em, name, now);
  await em.nativeUpdate(
    ServerSchema,
    { name },
    {
      heartbeatAt: now,
      pid: beat.pid,
      node: beat.node,
      version: beat.version,
      ...(beat.started ? { startedAt: now } : {}),
    },
  );
}

export async function setServerAddress(em: EntityManager, name: string, address: string | null): Promise<void> {
  await ensureServer(em, name);
  await em.nativeUpdate(ServerSchema, { name }, { address });
}

export async function setServerBackupRoot(em: EntityManager, name: string, backupRoot: string): Promise<void> {
  await ensureServer(em, name);
  await em.nativeUpdate(ServerSchema, { name }, { backupRoot });
}
