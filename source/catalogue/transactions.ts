/** What a transaction that changes hosts as a whole (config apply, host remove and rename) needs. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { dialectOf } from './dialect.js';

/**
 * Takes the catalogue's write lock at the start of a transaction. In WAL mode a transaction that
 * reads first and writes later fails if another process wrote in between; writing first makes
 * the others wait (busy_timeout) instead, and keeps a worker from claiming a run meanwhile.
 *
 * MariaDB locks rows, not the database: there the lock is the settings row (made with its defaults
 * if it is not there yet), which every claim takes too, so claims on all servers take turns.
 */
export async function lockForWriting(em: EntityManager): Promise<void> {
  if (dialectOf(em) === 'mariadb') {
    await em.execute(
      `insert into global_config (id, default_rsync_args, updated_at) values (1, '[]', utc_timestamp(3)) on duplicate key update id = id`,
      [],
      'run',
    );
    return;
  }
  await em.execute('update host set id = id where id = -1', [], 'run');
}
