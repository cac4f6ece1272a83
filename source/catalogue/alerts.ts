/**
 * A host's alert state: whether the on-failure and on-stale alerts went out, so each goes out once
 * per failure or stale spell, and recovery once after them. Every change is one compare-and-set
 * UPDATE: when the daemon and a shell see the same change at once, only one of them alerts.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
import { HostSchema } from './entities/index.js';

/** The host is failing from `at` on (kept if it already was). */
export async function markFailing(em: EntityManager, hostId: number, at: Date): Promise<void> {
  await em.execute('update host set failing_since = coalesce(failing_since, ?) where id = ?', [sqlFor(em).time(at), hostId], 'run');
}

/** The host went stale at `at`; false when another process had already marked it (and alerted). */
export async function markStale(em: EntityManager, hostId: number, at: Date): Promise<boolean> {
  return (await em.nativeUpdate(HostSchema, { id: hostId, staleSince: null }, { staleSince: at })) > 0;
}

/** Fresh again without a run (its max age was raised, a snapshot was discovered): no alert. */
export async function clearStale(em: EntityManager, hostId: number): Promise<void> {
  await em.nativeUpdate(HostSchema, { id: hostId, staleSince: { $ne: null } }, { staleSince: null });
}

/**
 * A good backup ends the failing or stale spell. Returns what it ended (null when the host was
 * fine already, or another process recovered it first).
 */
export async function recover(em: EntityManager, hostId: number): Promise<{ failingSince: Date | null; staleSince: Date | null } | null> {
  const sql = sqlFor(em);
  const [before] = await em.execute<{ failing_since: number | string | null; stale_since: number | string | null }[]>(
    'select failing_since, stale_since from host where id = ?',
    [hostId],
    'all',
  );
  if (!before || (before.failing_since === null && before.stale_since === null)) return null;
  const changed = await em.execute(
    `update host set failing_since = null, stale_since = null
      where id = ? and ${sql.isSame('failing_since')} and ${sql.isSame('stale_since')}`,
    [hostId, before.failing_since, before.stale_since],
    'run',
  );
  if ((changed as { affectedRows?: number; changes?: number }).affectedRows === 0) return null;
  return {
    failingSince: sql.date(before.failing_since),
    staleSince: sql.date(before.stale_since),
  };
}
