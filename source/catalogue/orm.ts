/**
 * Opening the catalogue: one SQLite file in WAL mode with a busy timeout, so the TUI, the
 * daemon and a one-off command can all use it at once; migrations applied on every open.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { ENTITIES } from './entities/index.js';

export const CATALOGUE_FILE = 'pobsync.sqlite';

export interface Catalogue {
  readonly orm: MikroORM;
  /** absolute path of the SQLite file */
  readonly path: string;
  /** A fresh EntityManager for one unit of work: a long-lived one would never see other processes' writes. */
  em(): EntityManager;
  close(): Promise<void>;
}

type SqliteConnection = { exec(sql: string, done: (error: Error | null) => void): void };

export function catalogueOptions(path: string): Options {
  return {
    dbName: path,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    debug: false,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void) {
        connection.exec('PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;', (error) =>
          done(error, connection),
        );
      },
    },
  };
}

export async function openCatalogue(home: string): Promise<Catalogue> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, CATALOGUE_FILE);
  // Create the file owner-only before SQLite does; its -wal and -shm files inherit the mode.
  closeSync(openSync(path, 'a', 0o600));
  const orm = await MikroORM.init(catalogueOptions(path));
  try {
    await migrate(orm);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return {
    orm,
    path,
    em: () => orm.em.fork(),
    close: () => orm.close(true),
  };
}

async function migrate(orm: MikroORM): Promise<void> {
  const migrator = orm.getMigrator();
  try {
    await migrator.up();
  } catch (error) {
    // Two processes opening a new catalogue at once: the loser's migration fails on a table
    // the winner just made. If nothing is pending now, the catalogue is as it should be.
    if ((await migrator.getPendingMigrations()).length > 0) throw error;
  }
}
