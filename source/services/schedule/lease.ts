/**
 * The scheduler lease: one row that says which process schedules backups for this catalogue.
 * The holder renews it with a heartbeat; a lease that expired, or whose holder's process is
 * gone, can be taken. Taking is one INSERT ... ON CONFLICT ... WHERE, so only one taker wins.
 */
import type { SchedulerLease } from '../../catalogue/entities/index.js';
import { peekLease } from '../../catalogue/peek.js';
import { currentProcess, liveness } from '../../engine/process-identity.js';
import { type App, installedHome, type ReadApp } from '../app.js';

/** The lease's writes, loaded when one is made: reading who holds it (status, every command's check) loads no ORM. */
const leases = () => import('../../catalogue/lease.js');

export const SCHEDULER_LEASE = 'scheduler';
/** A holder that has not renewed for this long has lost the lease. */
export const LEASE_TTL_MS = 30_000;
export const LEASE_HEARTBEAT_MS = 10_000;

export interface LeaseView {
  holder: string;
  role: string;
  pid: number;
  node: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
  /** the holder's home (catalogue, keys, logs); null when an older pobsync took the lease */
  home: string | null;
  /** the holder's pobsync server; null when an older pobsync took the lease */
  server: string | null;
  /** not expired, and its process not known to be gone */
  live: boolean;
}

export function leaseView(lease: SchedulerLease, now: Date): LeaseView {
  return {
    holder: lease.holder,
    role: lease.role,
    pid: lease.pid,
    node: lease.node,
    acquiredAt: lease.acquiredAt.toISOString(),
    heartbeatAt: lease.heartbeatAt.toISOString(),
    expiresAt: lease.expiresAt.toISOString(),
    home: lease.home ?? null,
    server: lease.server ?? null,
    live: lease.expiresAt.getTime() > now.getTime() && liveness(lease) !== 'dead',
  };
}

export async function readLease(app: ReadApp, now = new Date()): Promise<LeaseView | null> {
  const lease = await app.catalogue.reads().lease(SCHEDULER_LEASE);
  return lease ? leaseView(lease, now) : null;
}

/** Takes the lease for `holder` if it is free, expired, or held by a process that is gone. */
export async function tryAcquireLease(
  app: App,
  holder: string,
  role: string,
  now = new Date(),
): Promise<{ acquired: boolean; lease: LeaseView | null }> {
  const em = app.catalogue.em();
  const { findLease, expireLease, takeLease } = await leases();
  const current = await findLease(em, SCHEDULER_LEASE);
  if (current && current.holder !== holder && liveness(current) === 'dead') {
    // Its process is gone: no need to wait for the lease to expire.
    await expireLease(em, SCHEDULER_LEASE, current.holder);
  }
  const expires = new Date(now.getTime() + LEASE_TTL_MS);
  await takeLease(em, { name: SCHEDULER_LEASE, holder, role, home: app.paths.home, now, expires }, currentProcess());
  const lease = await readLease(app, now);
  return { acquired: lease?.holder === holder, lease };
}

/** Renews our lease; false means it was lost (expired and taken by someone else). */
export async function renewLease(app: App, holder: string, now = new Date()): Promise<boolean> {
  const renewed = await (await leases()).renewLease(
    app.catalogue.em(),
    SCHEDULER_LEASE,
    holder,
    now,
    new Date(now.getTime() + LEASE_TTL_MS),
  );
  // A heartbeat changes nothing a viewer shows (the lease's holder stays the same): the TUI
  // polling this catalogue's version must not read all it shows again every heartbeat.
  if (renewed) app.catalogue.unversioned(1);
  return renewed;
}

export async function releaseLease(app: App, holder: string): Promise<void> {
  await (await leases()).releaseLease(app.catalogue.em(), SCHEDULER_LEASE, holder);
}

export interface DaemonElsewhere {
  home: string;
  role: string;
  pid: number;
  node: string;
}

/**
 * The installed service's scheduler, when it is alive and keeps another home than `app` (a
 * `--home` or POBSYNC_HOME that points away from it): hosts configured here never reach it.
 */
export async function daemonElsewhere(app: ReadApp, now = new Date()): Promise<DaemonElsewhere | undefined> {
  const other = installedHome();
  if (!other || other === app.paths.home) return undefined;
  const lease = await peekLease(other);
  if (!lease || lease.expiresAt.getTime() <= now.getTime() || liveness(lease) === 'dead') return undefined;
  return { home: other, role: lease.role, pid: lease.pid, node: lease.node };
}
