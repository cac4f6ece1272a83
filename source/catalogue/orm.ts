/**
 * Opening the catalogue: one SQLite file in WAL mode with a busy timeout, so the TUI, the
 * daemon and a one-off command can all use it at once; or, when POBSYNC_DATABASE_URL names one,
 * a MariaDB database that several servers share (location.ts). Migrations applied on every open,
 * from each dialect's own list.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EntityManager, MikroORM, type Options } from '@mikro-orm/sqlite';
import { MIGRATIONS, type MigrationEntry } from '../../db/migrations/index.js';
import { MARIADB_MIGRATIONS } from '../../db/migrations/mariadb/index.js';
import type { Dialect } from './dialect.js';
import { ENTITIES } from './entities/index.js';
import { CATALOGUE_FILE } from './file.js';
import {
  type CatalogueLocation,
  catalogueLocation,
  catalogueWaitMs,
  DATABASE_URL_ENV,
  describeLocation,
  type MariaDbLocation,
} from './location.js';
import { ormReads } from './orm-reads.js';
import type { CatalogueReads } from './reads.js';
import { MIGRATIONS_TABLE, pendingMigrations as pendingOf } from './schema-version.js';

export { CATALOGUE_FILE, catalogueWaitMs, MIGRATIONS_TABLE };

export interface Catalogue {
  readonly orm: MikroORM;
  /** which SQL the catalogue speaks */
  readonly dialect: Dialect;
  /** absolute path of the SQLite file, or the MariaDB URL without its password: how status and doctor name it */
  readonly path: string;
  /** A fresh EntityManager for one unit of work: a long-lived one would never see other processes' writes. */
  em(): EntityManager;
  /** What the listings read, on a fresh EntityManager. */
  reads(): CatalogueReads;
  /**
   * Changes whenever the catalogue may have: a commit by any other connection (another process)
   * or a row changed through this one. One cheap query: a viewer polls it instead of reloading.
   * Undefined on MariaDB, which offers no such counter: a viewer reads again each time.
   */
  version(): Promise<string | undefined>;
  /**
   * `rows` rows this connection just changed that no viewer shows (the scheduler lease's
   * heartbeat): version() does not count them, so a viewer does not read everything again for them.
   */
  unversioned(rows: number): void;
  /** what the admin should hear about how it was opened (a catalogue created anew where one was expected) */
  readonly notices: readonly string[];
  close(): Promise<void>;
}

/** Set on every connection, with the busy timeout. */
const PRAGMAS = 'PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;';

type SqliteConnection = { exec(sql: string, done: (error: Error | null) => void): void };

export function catalogueOptions(path: string, waitMs = catalogueWaitMs()): Options {
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
        const pragmas = `PRAGMA journal_mode=WAL; PRAGMA busy_timeout=${waitMs}; ${PRAGMAS}`;
        connection.exec(pragmas, (error) => done(error, connection));
      },
    },
  };
}

/**
 * Opens the catalogue of `home`: the MariaDB database `databaseUrl` names (POBSYNC_DATABASE_URL by
 * default), else the SQLite file in the home. `env` holds the other settings (POBSYNC_CATALOGUE,
 * POBSYNC_CATALOGUE_WAIT).
 */
export async function openCatalogue(
  home: string,
  databaseUrl = process.env[DATABASE_URL_ENV],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Catalogue> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const location = catalogueLocation(home, databaseUrl, env);
  if (location.dialect === 'mariadb') return openMariaDbCatalogue(location, catalogueWaitMs(env));
  const path = location.path;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const notices: string[] = [];
  // A home with run logs had a catalogue (only a run writes one, and a run is a catalogue's row): a
  // new empty one must not pass unnoticed. Keys alone say nothing: `pobsync key` makes them first.
  const lost = (!existsSync(path) || statSync(path).size === 0) && hasEntries(join(home, 'logs'));
  if (lost) {
    notices.push(
      `the catalogue ${path} was missing or empty although ${home} has run logs: a new, empty one is in its place. ` +
        'If the old one was lost, "pobsync configure-global --backup-root DIR --adopt" recreates its hosts (disabled) and records ' +
        'the snapshots on disk again',
    );
  }
  createOwnerOnly(path);
  const orm = await MikroORM.init(catalogueOptions(path, catalogueWaitMs(env)));
  return migrated(orm, location, MIGRATIONS, notices);
}

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Creates the catalogue file owner-only before SQLite does (its -wal and -shm files inherit the
 * mode), and never opens one that exists: closing any descriptor of a file drops every POSIX lock
 * this process holds on it, SQLite's included. When the TUI's reader already had it open, that
 * close let the next process that closed the catalogue take it for the last user and delete the
 * -wal file under the TUI, whose commits from then on went to a deleted file nobody else could see.
 */
function createOwnerOnly(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** The MariaDB catalogue; its driver is loaded here, only when a URL asks for it. */
export async function openMariaDbCatalogue(location: MariaDbLocation, waitMs = catalogueWaitMs()): Promise<Catalogue> {
  const { openMariaDb } = await import('./mariadb.js');
  const orm = (await openMariaDb(location, waitMs)) as unknown as MikroORM;
  return migrated(orm, location, MARIADB_MIGRATIONS, []);
}

async function migrated(
  orm: MikroORM,
  location: CatalogueLocation,
  migrations: readonly MigrationEntry[],
  notices: string[],
): Promise<Catalogue> {
  try {
    await migrate(orm, migrations);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  let unversioned = 0;
  return {
    orm,
    dialect: location.dialect,
    path: describeLocation(location),
    notices,
    em: () => orm.em.fork(),
    reads: () => ormReads(orm.em.fork()),
    async version() {
      // MariaDB has no counter of committed changes a client can read cheaply: no version, every poll loads.
      if (location.dialect === 'mariadb') return undefined;
      const [row] = await orm.em
        .getConnection()
        .execute<{ own: number; others: number }[]>(
          'select total_changes() as own, (select data_version from pragma_data_version) as others',
        );
      return `${row!.others}:${row!.own - unversioned}`;
    },
    unversioned: (rows) => {
      unversioned += rows;
    },
    close: () => orm.close(true),
  };
}

/**
 * Applies pending migrations; loads the migrator only when something is pending. Several
 * processes may open a new catalogue at once: a loser's migration fails (and rolls back) on
 * tables the winner just made, so it waits and looks again until nothing is pending.
 */
async function migrate(orm: MikroORM, migrations: readonly MigrationEntry[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    if ((await pendingMigrations(orm, migrations)).length === 0) return;
    try {
      const migrator = await loadMigrator(orm, migrations);
      await migrator.up();
      return;
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(100 + Math.random() * 200);
    }
  }
}

async function loadMigrator(orm: MikroORM, migrations: readonly MigrationEntry[]) {
  const { Migrator } = await import('@mikro-orm/migrations');
  Migrator.register(orm);
  orm.config.set('migrations', {
    ...orm.config.get('migrations'),
    migrationsList: await Promise.all(migrations.map(async (migration) => ({ name: migration.name, class: await migration.load() }))),
  });
  return orm.getMigrator();
}

async function pendingMigrations(orm: MikroORM, migrations: readonly MigrationEntry[]): Promise<string[]> {
  let applied: { name: string }[] = [];
  try {
    applied = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE}`);
  } catch {
    // A new catalogue has no migrations table yet: everything is pending.
  }
  return pendingOf(applied, migrations);
}
