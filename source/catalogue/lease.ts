/**
 * The scheduler lease row: who schedules for this catalogue. Taking it is an INSERT that only
 * makes the row when there is none, then a compare-and-set UPDATE that only takes an expired
 * lease of another holder, so of two takers only one wins (on SQLite and on MariaDB alike);
 * renewing and releasing only touch a lease the caller still holds.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
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
  const sql = sqlFor(em);
  const now = sql.time(lease.now);
  const values = [owner.pid, owner.node, owner.pidStart, lease.role, now, now, sql.time(lease.expires), lease.home, owner.server];
  // The UPDATE runs either way: MariaDB counts a kept row as affected (found rows), so the count cannot tell.
  await em.execute(
    `insert into scheduler_lease (holder, pid, node, pid_start, role, acquired_at, heartbeat_at, expires_at, home, server, name)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${sql.keepExisting('name')}`,
    [lease.holder, ...values, lease.name],
    'run',
  );
  await em.execute(
    `update scheduler_lease
        set holder = ?, pid = ?, node = ?, pid_start = ?, role = ?, acquired_at = ?, heartbeat_at = ?, expires_at = ?, home = ?,
            server = ?
      where name = ? and expires_at <= ? and holder != ?`,
    [lease.holder, ...values, lease.name, now, lease.holder],
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
