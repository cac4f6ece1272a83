/**
 * The scheduler lease row: who schedules for this catalogue. Taking it is one INSERT ... ON
 * CONFLICT ... WHERE, so of two takers only one wins; renewing and releasing only touch a lease
 * the caller still holds.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type SchedulerLease, SchedulerLeaseSchema } from './entities/index.js';
import type { RunOwner } from './runs.js';

export function findLease(em: EntityManager, name: string): Promise<SchedulerLease | null> {
  return em.findOne(SchedulerLeaseSchema, { name });
}

/** Ends `holder`'s lease now (its process is gone), so anyone may take it at once. */
export async function expireLease(em: EntityManager, name: string, holder: string): Promise<void> {
  await em.nativeUpdate(SchedulerLeaseSchema, { name, holder }, { expiresAt: new Date(0) });
}

/** Takes the lease for `holder` until `expires`, if it is free or has expired. */
export async function takeLease(
  em: EntityManager,
  lease: { name: string; holder: string; role: string; home: string; now: Date; expires: Date },
  owner: RunOwner,
): Promise<void> {
  const now = lease.now.getTime();
  await em.execute(
    `insert into scheduler_lease (name, holder, pid, node, pid_start, role, acquired_at, heartbeat_at, expires_at, home, server)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (name) do update
        set holder = excluded.holder, pid = excluded.pid, node = excluded.node, pid_start = excluded.pid_start,
            role = excluded.role, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
            expires_at = excluded.expires_at, home = excluded.home, server = excluded.server
      where scheduler_lease.expires_at <= ? and scheduler_lease.holder != excluded.holder`,
    [
      lease.name,
      lease.holder,
      owner.pid,
      owner.node,
      owner.pidStart,
      lease.role,
      now,
      now,
      lease.expires.getTime(),
      lease.home,
      owner.server,
      now,
    ],
    'run',
  );
}

/** Renews `holder`'s lease; false when it no longer holds it. */
export async function renewLease(em: EntityManager, name: string, holder: string, now: Date, expires: Date): Promise<boolean> {
  return (await em.nativeUpdate(SchedulerLeaseSchema, { name, holder }, { heartbeatAt: now, expiresAt: expires })) > 0;
}

export async function releaseLease(em: EntityManager, name: string, holder: string): Promise<void> {
  await em.nativeDelete(SchedulerLeaseSchema, { name, holder });
}
