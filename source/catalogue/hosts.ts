/** Host rows: the changes removal and rename make, inside the caller's transaction (which holds the write lock). */
import type { EntityManager } from '@mikro-orm/sqlite';
import { HostSchema, ScheduleSchema } from './entities/index.js';

/** The host stays for its snapshots, disabled, with no schedule left to fire. */
export async function retireHostRow(em: EntityManager, hostId: number): Promise<void> {
  await em.nativeUpdate(HostSchema, { id: hostId }, { enabled: false });
  await em.nativeDelete(ScheduleSchema, { host: hostId });
}

export async function renameHostRow(em: EntityManager, hostId: number, name: string): Promise<void> {
  await em.nativeUpdate(HostSchema, { id: hostId }, { name });
}
