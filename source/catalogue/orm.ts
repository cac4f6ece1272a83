/**
 * Opening the catalogue: one SQLite file in WAL mode with a busy timeout, so the TUI, the
 * daemon and a one-off command can all use it at once; migrations applied on every open.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EntityManager, MikroORM, type Options } from '@mikro-orm/sqlite';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { ENTITIES } from './entities/index.js';
import { CATALOGUE_FILE, catalogueFile } from './file.js';

export { CATALOGUE_FILE };

export interface Catalogue {
  readonly orm: MikroORM;
  /** absolute path of the SQLite file */
  readonly path: string;
  /** A fresh EntityManager for one unit of work: a long-lived one would never see other processes' writes. */
  em(): EntityManager;
  /** what the admin should hear about how it was opened (a catalogue created anew where one was expected) */
  readonly notices: readonly string[];
  close(): Promise<void>;
}

/** Set on every connection, with the busy timeout. */
const PRAGMAS = 'PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;';

type SqliteConnection = { exec(sql: string, done: (error: Error | null) => void): void };

/**
 * How long a statement waits for another process's write lock before it fails with SQLITE_BUSY:
 * 10 s, or POBSYNC_CATALOGUE_WAIT seconds (a script that would rather fail fast; the fault tests).
 */
export function catalogueWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env['POBSYNC_CATALOGUE_WAIT']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 10_000;
}

export function catalogueOptions(path: string): Options {
  return {
    dbName: path,
    // MikroORM reads MIKRO_ORM_* settings from `<baseDir>/.env`: pobsync's home, not whatever
    // directory the admin runs pobsync from.
    baseDir: dirname(path),
    entities: ENTITIES,
    migrations: { transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // The entities are given as a list of schemas: nothing to find on disk, no metadata cache
    // directory to read or write on every start.
    discovery: { warnWhenNoEntities: false, disableDynamicFileAccess: true, requireEntitiesArray: true },
    // The file exists (openCatalogue makes it) and the migrations make the tables.
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void) {
        const pragmas = `PRAGMA journal_mode=WAL; PRAGMA busy_timeout=${catalogueWaitMs()}; ${PRAGMAS}`;
        connection.exec(pragmas, (error) => done(error, connection));
      },
    },
  };
}

export async function openCatalogue(home: string): Promise<Catalogue> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = catalogueFile(home);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const notices: string[] = [];
  // A home with logs or keys had a catalogue: a new empty one must not pass unnoticed.
  const lost = (!existsSync(path) || statSync(path).size === 0) && ['logs', 'keys'].some((dir) => existsSync(join(home, dir)));
  if (lost) {
    notices.push(
      `the catalogue ${path} was missing or empty although ${home} has logs and keys: a new, empty one is in its place. ` +
        'If the old one was lost, "pobsync configure-global --backup-root DIR --adopt" recreates its hosts (disabled) and records ' +
        'the snapshots on disk again',
    );
  }
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
    notices,
    em: () => orm.em.fork(),
    close: () => orm.close(true),
  };
}

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Applies pending migrations; loads the migrator only when something is pending. Several
 * processes may open a new catalogue at once: a loser's migration fails (and rolls back) on
 * tables the winner just made, so it waits and looks again until nothing is pending.
 */
async function migrate(orm: MikroORM): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    if ((await pendingMigrations(orm)).length === 0) return;
    try {
      const migrator = await loadMigrator(orm);
      await migrator.up();
      return;
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(100 + Math.random() * 200);
    }
  }
}

async function loadMigrator(orm: MikroORM) {
  const { Migrator } = await import('@mikro-orm/migrations');
  Migrator.register(orm);
  orm.config.set('migrations', {
    ...orm.config.get('migrations'),
    migrationsList: await Promise.all(MIGRATIONS.map(async (migration) => ({ name: migration.name, class: await migration.load() }))),
  });
  return orm.getMigrator();
}

async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  let applied: { name: string }[] = [];
  try {
    applied = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE}`);
  } catch {
    // A new catalogue has no migrations table yet: everything is pending.
  }
  const names = new Set(applied.map((row) => row.name.replace(/\.[jt]s$/, '')));
  return MIGRATIONS.map((migration) => migration.name).filter((name) => !names.has(name));
}
