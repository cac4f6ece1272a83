/**
 * The MariaDB side of the catalogue seam: the driver and its options. orm.ts imports this module
 * only when POBSYNC_DATABASE_URL asks for MariaDB, so a SQLite catalogue never loads the driver.
 */
import type { Configuration } from '@mikro-orm/core';
import { MariaDbDriver, MariaDbPlatform, MikroORM, type Options } from '@mikro-orm/mariadb';
import { ENTITIES } from './entities/index.js';
import type { MariaDbLocation } from './location.js';

/**
 * What SQLite gives every catalogue column without asking: datetimes to the millisecond (runs
 * started within one second still sort), and 64-bit integers (snapshot and archive sizes pass 2 GiB).
 */
class CataloguePlatform extends MariaDbPlatform {
  override getDateTimeTypeDeclarationSQL(): string {
    return 'datetime(3)';
  }

  override getIntegerTypeDeclarationSQL(): string {
    return 'bigint';
  }
}

/** The MariaDB driver with pobsync's platform; `dialect` tells catalogue code which SQL to write. */
export class CatalogueMariaDbDriver extends MariaDbDriver {
  static readonly dialect = 'mariadb';

  constructor(config: Configuration) {
    super(config);
    (this as unknown as { platform: MariaDbPlatform }).platform = new CataloguePlatform();
  }
}

export function mariaDbOptions(location: MariaDbLocation, waitMs: number): Options {
  return {
    driver: CatalogueMariaDbDriver,
    dbName: location.database,
    user: location.user,
    password: location.password,
    host: location.host,
    port: location.port,
    // Times in UTC on every connection, whatever the server's zone: the columns are DATETIME, with no zone of their own.
    forceUtcTimezone: true,
    entities: ENTITIES,
    // MariaDB commits around every DDL statement: a migration cannot be one transaction here.
    migrations: { transactional: false, allOrNothing: false, snapshot: false, silent: true },
    discovery: { warnWhenNoEntities: false, disableDynamicFileAccess: true, requireEntitiesArray: true },
    // The database is the admin's (created with its user); the migrations make the tables.
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
    pool: { min: 0, max: 4 },
    driverOptions: {
      connection: {
        ...(location.socket ? { socketPath: location.socket } : {}),
        // Counts, sums and ids as numbers, as SQLite returns them (not bigint, not decimal strings).
        bigIntAsNumber: true,
        decimalAsNumber: true,
        // How long a statement waits for another server's row lock: SQLite's busy timeout.
        sessionVariables: { innodb_lock_wait_timeout: Math.max(1, Math.round(waitMs / 1000)) },
      },
    },
  };
}

export async function openMariaDb(location: MariaDbLocation, waitMs: number): Promise<MikroORM> {
  return MikroORM.init(mariaDbOptions(location, waitMs));
}
