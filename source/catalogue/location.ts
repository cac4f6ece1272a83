/**
 * Where the catalogue is: the SQLite file in the home (the default), or a MariaDB database named
 * by POBSYNC_DATABASE_URL. Loads no ORM and no driver, so a command can name its catalogue cheaply.
 *
 * The URL forms:
 *
 *   mariadb://USER:PASSWORD@HOST:PORT/DATABASE             TCP (PORT defaults to 3306)
 *   mariadb://USER:PASSWORD@localhost/DATABASE?socket=/run/mysqld/mysqld.sock   a unix socket
 *
 * USER and PASSWORD are percent-encoded (`%40` for `@`). The password is never printed: not in
 * errors, not in `status` or `doctor`, which show the URL without it.
 */
import { UserError } from '../domain/errors.js';
import { catalogueFile } from './file.js';

export const DATABASE_URL_ENV = 'POBSYNC_DATABASE_URL';

export type CatalogueLocation = { dialect: 'sqlite'; path: string } | MariaDbLocation;

export interface MariaDbLocation {
  dialect: 'mariadb';
  user: string;
  password: string;
  database: string;
  host: string;
  port: number;
  /** a unix socket path: then host and port are not used */
  socket?: string;
}

/**
 * How long a statement waits for another process's write lock before it fails with SQLITE_BUSY:
 * 10 s, or POBSYNC_CATALOGUE_WAIT seconds (a script that would rather fail fast; the fault tests).
 */
export function catalogueWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env['POBSYNC_CATALOGUE_WAIT']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 10_000;
}

const URL_FORMS = 'mariadb://USER:PASSWORD@HOST:PORT/DATABASE, or mariadb://USER:PASSWORD@localhost/DATABASE?socket=/path/to/mysqld.sock';

/**
 * The catalogue of `home`: MariaDB when `databaseUrl` is set (not empty), else the SQLite file in the
 * home (or the one POBSYNC_CATALOGUE names: see catalogueFile).
 */
export function catalogueLocation(home: string, databaseUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): CatalogueLocation {
  if (!databaseUrl) return { dialect: 'sqlite', path: catalogueFile(home, env) };
  return parseDatabaseUrl(databaseUrl);
}

/** Reads a MariaDB URL; a bad one is a UserError that names the forms allowed and never repeats the URL (it may hold a password). */
export function parseDatabaseUrl(text: string): MariaDbLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`${DATABASE_URL_ENV} is not a URL; expected ${URL_FORMS}`);
  }
  if (url.protocol !== 'mariadb:' && url.protocol !== 'mysql:') {
    throw new UserError(`${DATABASE_URL_ENV} must start with mariadb:// (SQLite needs no URL: leave it unset); expected ${URL_FORMS}`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw new UserError(`${DATABASE_URL_ENV} must name a database (letters, digits, _ and $) after the host; expected ${URL_FORMS}`);
  }
  if (!url.username) throw new UserError(`${DATABASE_URL_ENV} must name a user before the host; expected ${URL_FORMS}`);
  const unknown = [...url.searchParams.keys()].filter((key) => key !== 'socket');
  if (unknown.length > 0)
    throw new UserError(`${DATABASE_URL_ENV} has unknown options (${unknown.join(', ')}); the one allowed is ?socket=PATH`);
  const socket = url.searchParams.get('socket') ?? undefined;
  if (socket !== undefined && !socket.startsWith('/')) {
    throw new UserError(`${DATABASE_URL_ENV}: the socket must be an absolute path, like ?socket=/run/mysqld/mysqld.sock`);
  }
  return {
    dialect: 'mariadb',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    host: url.hostname || 'localhost',
    port: url.port ? Number(url.port) : 3306,
    ...(socket === undefined ? {} : { socket }),
  };
}

/** How `status`, `doctor` and errors name the catalogue: the SQLite path, or the MariaDB URL without its password. */
export function describeLocation(location: CatalogueLocation): string {
  if (location.dialect === 'sqlite') return location.path;
  const user = encodeURIComponent(location.user);
  if (location.socket) return `mariadb://${user}@localhost/${location.database}?socket=${location.socket}`;
  return `mariadb://${user}@${location.host}:${location.port}/${location.database}`;
}
