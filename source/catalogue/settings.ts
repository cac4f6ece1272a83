/** The one row of server-wide settings. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { type GlobalConfig, GlobalConfigSchema } from './entities/index.js';

/** The settings row, created with defaults on first use (by whichever process gets there first). */
export async function settingsRow(em: EntityManager): Promise<GlobalConfig> {
  const found = await em.findOne(GlobalConfigSchema, { id: 1 });
  if (found) return found;
  await em
    .createQueryBuilder(GlobalConfigSchema)
    .insert({ id: 1, maxConcurrent: 2, shutdownGraceSeconds: 30, defaultRsyncArgs: [], updatedAt: new Date() })
    .onConflict('id')
    .ignore()
    .execute();
  return em.findOneOrFail(GlobalConfigSchema, { id: 1 });
}
