/** Archive rows: preservation (the newest of a host and option set is current) and purging. */
import type { EntityManager } from '@mikro-orm/sqlite';
import type { OptionSet } from '../domain/archive.js';
import { type Archive, ArchiveSchema } from './entities/index.js';

/** Deprecates every current archive of the host and option set but `keepId`; returns what it deprecated. */
export async function deprecateOlder(
  em: EntityManager,
  hostId: number,
  optionSet: OptionSet,
  keepId: number,
  at = new Date(),
): Promise<number[]> {
  const older = await em.find(ArchiveSchema, { host: hostId, optionSet, deprecatedAt: null, id: { $ne: keepId } }, { fields: ['id'] });
  const ids = older.map((archive) => archive.id);
  if (ids.length > 0) await em.nativeUpdate(ArchiveSchema, { id: { $in: ids }, deprecatedAt: null }, { deprecatedAt: at });
  return ids;
}

/** Deprecates one archive; false when it already was (deprecation is never undone). */
export async function deprecateArchive(em: EntityManager, archiveId: number, at = new Date()): Promise<boolean> {
  return (await em.nativeUpdate(ArchiveSchema, { id: archiveId, deprecatedAt: null }, { deprecatedAt: at })) > 0;
}

/** Deprecated archives of the host and option set whose files are still there. */
export function purgeable(em: EntityManager, hostId: number, optionSet: OptionSet): Promise<Archive[]> {
  return em.find(ArchiveSchema, { host: hostId, optionSet, deprecatedAt: { $ne: null }, purgedAt: null }, { orderBy: { id: 'asc' } });
}

export async function markPurged(em: EntityManager, archiveId: number, at = new Date()): Promise<void> {
  await em.nativeUpdate(ArchiveSchema, { id: archiveId, purgedAt: null }, { purgedAt: at });
}
