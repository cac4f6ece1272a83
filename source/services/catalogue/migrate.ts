/**
 * `pobsync catalogue migrate --to mariadb://...`: the home's SQLite catalogue copied into an empty
 * MariaDB database, for an admin whose one backup server becomes several. The target must be
 * empty (nothing is written otherwise); the copy is one transaction; the counts per table are
 * compared after.
 */
import { existsSync } from 'node:fs';
import { catalogueTables, copyCatalogue, countRows, type TableCount } from '../../catalogue/copy.js';
import { describeCatalogueError } from '../../catalogue/errors.js';
import { findLease } from '../../catalogue/lease.js';
import { describeLocation, parseDatabaseUrl } from '../../catalogue/location.js';
import { catalogueWaitMs, MIGRATIONS_TABLE, openCatalogue } from '../../catalogue/orm.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatCount } from '../../domain/format.js';
import { environment } from '../../engine/environment.js';
import { pathsFor } from '../app.js';
import { SCHEDULER_LEASE } from '../schedule/lease.js';

export interface CatalogueMigration {
  from: string;
  to: string;
  tables: TableCount[];
}

/** Tables this big get progress lines while they are copied. */
const BIG_TABLE = 10_000;

export async function migrateCatalogue(home: string, toUrl: string, say: (line: string) => void): Promise<CatalogueMigration> {
  const location = parseDatabaseUrl(toUrl);
  const to = describeLocation(location);
  const from = pathsFor(home).catalogue;
  if (!existsSync(from)) throw new UserError(`there is no SQLite catalogue at ${from} to copy: is --home right?`);
  await refuseUnlessEmpty(location, to);

  const source = await openCatalogue(home, '', environment());
  try {
    const lease = await findLease(source.em(), SCHEDULER_LEASE);
    if (lease && lease.expiresAt.getTime() > Date.now()) {
      throw new UserError(
        `a ${lease.role} (pid ${lease.pid} on ${lease.node}) is using ${from}: stop it first (systemctl stop pobsync), then migrate`,
      );
    }
    const target = await openCatalogue(home, toUrl, environment());
    try {
      let shown = 0;
      const tables = await copyCatalogue(source.em(), target.em(), (table, copied, total) => {
        if (total < BIG_TABLE || (copied < total && Date.now() - shown < 1000)) return;
        shown = Date.now();
        say(`copying ${table}: ${copied.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`);
      });
      const differ = tables.filter((table) => table.source !== table.target);
      if (differ.length > 0) {
        throw new OperationError(
          `the copy in ${to} does not match ${from}: ${differ.map((t) => `${t.table} ${t.target} of ${t.source} rows`).join(', ')}`,
        );
      }
      return { from, to, tables };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Refuses a target that holds anything: tables that are not pobsync's, or catalogue rows (a
 * daemon that already ran on it). An empty database, or pobsync's tables without rows, will do.
 */
async function refuseUnlessEmpty(location: ReturnType<typeof parseDatabaseUrl>, to: string): Promise<void> {
  const { openMariaDb } = await import('../../catalogue/mariadb.js');
  // Named as the target, not as the home's catalogue the harness would name.
  const asTarget = (error: unknown) => {
    const explained = describeCatalogueError(error, to);
    return explained ? new OperationError(explained) : error;
  };
  let orm: Awaited<ReturnType<typeof openMariaDb>>;
  try {
    orm = await openMariaDb(location, catalogueWaitMs(environment()));
  } catch (error) {
    throw asTarget(error);
  }
  try {
    const em = orm.em.fork() as unknown as Parameters<typeof countRows>[0];
    // The first query is where the driver connects: a server that is down fails here.
    const present = (
      await em
        .execute<{ name: string }[]>('select table_name as name from information_schema.tables where table_schema = database()')
        .catch((error: unknown) => {
          throw asTarget(error);
        })
    ).map((row) => row.name);
    const ours = new Set([MIGRATIONS_TABLE, ...catalogueTables(em).map((shape) => shape.table)]);
    const foreign = present.filter((name) => !ours.has(name));
    if (foreign.length > 0) {
      throw new UserError(
        `${to} is not empty (tables ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}): ` +
          'catalogue migrate copies into an empty database only; nothing was written',
      );
    }
    if (!catalogueTables(em).every((shape) => present.includes(shape.table))) return;
    const filled = [...(await countRows(em))].filter(([, count]) => count > 0);
    if (filled.length > 0) {
      throw new UserError(
        `${to} already holds a catalogue (${filled.map(([table, count]) => `${table}: ${formatCount(count, 'row')}`).join(', ')}): ` +
          'catalogue migrate copies into an empty database only; nothing was written',
      );
    }
  } finally {
    await orm.close(true);
  }
}
