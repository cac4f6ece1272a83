/** What a transaction that changes hosts as a whole (config apply, host remove and rename) needs. */
import type { EntityManager } from '@mikro-orm/sqlite';

/**
 * Takes the catalogue's write lock at the start of a transaction. In WAL mode a transaction that
 * reads first and writes later fails if another process wrote in between; writing first makes
 * the others wait (busy_timeout) instead, and keeps a worker from claiming a run meanwhile.
 */
export async function lockForWriting(em: EntityManager): Promise<void> {
  await em.execute('update host set id = id where id = -1', [], 'run');
}
