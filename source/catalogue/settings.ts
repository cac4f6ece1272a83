/** The one row of server-wide settings. */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type GlobalConfig, GlobalConfigSchema } from './entities/index.js';

/** The settings row, created with defaults on first use (by whichever process gets there first). */
export async function settingsRow(em: EntityManager): Promise<GlobalConfig> {
  const found = await em.findOne(GlobalConfigSchema, { id: 1 });
  if (found?.catalogueId) return found;
  if (found) {
    // Set once, by whichever process gets there first; every process then reads the same id.
    await em.execute('update global_config set catalogue_id = ? where id = 1 and catalogue_id is null', [newCatalogueId()], 'run');
    await em.refresh(found);
    return found;
  }
  await em
    .createQueryBuilder(GlobalConfigSchema)
    .insert({
      id: 1,
      maxConcurrent: 2,
      shutdownGraceSeconds: 30,
      defaultRsyncArgs: [],
      updatedAt: new Date(),
      catalogueId: newCatalogueId(),
      archiveAutoPurge: false,
    })
    .onConflict('id')
    .ignore()
    .execute();
  return em.findOneOrFail(GlobalConfigSchema, { id: 1 });
}

function newCatalogueId(): string {
  return randomBytes(16).toString('hex');
}
