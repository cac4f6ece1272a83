/**
 * The opened pobsync home: where the catalogue, logs and keys live, and the catalogue itself.
 * Every service takes an App; commands and the TUI open one and close it when done.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeCatalogueError } from '../catalogue/errors.js';
import { catalogueFile } from '../catalogue/file.js';
import { catalogueLocation, catalogueWaitMs, DATABASE_URL_ENV, describeLocation } from '../catalogue/location.js';
import type { Catalogue } from '../catalogue/orm.js';
import { OperationError } from '../domain/errors.js';
import { environment } from '../engine/environment.js';
import { installedEnvFile, readInstalledEnv } from '../engine/install-env.js';
import { packageRoot } from '../engine/package-root.js';

export interface Paths {
  home: string;
  catalogue: string;
  logs: string;
  keys: string;
}

export interface App {
  readonly paths: Paths;
  readonly catalogue: Catalogue;
  /** what chose the home, in words: "--home", "POBSYNC_HOME", "/etc/pobsync/pobsync.env", ... */
  readonly homeSource: string;
  close(): Promise<void>;
}

/**
 * What a listing needs of an opened home: where it is and the catalogue's reads. An App is one;
 * openChosenReadApp opens one that, on a current SQLite catalogue, loads no ORM.
 */
export interface ReadApp {
  readonly paths: Paths;
  readonly homeSource: string;
  readonly catalogue: Pick<Catalogue, 'path' | 'dialect' | 'reads' | 'notices' | 'version'>;
  close(): Promise<void>;
}

export interface HomeChoice {
  home: string;
  /** what chose it, as status and doctor name it */
  source: string;
}

/** The system install's home, when no environment file names another. */
export const SYSTEM_HOME = '/var/lib/pobsync';

/**
 * One rule for the CLI, the TUI and the daemon: `--home`, else $POBSYNC_HOME, else the home in
 * the installer's environment file (/etc/pobsync/pobsync.env, which the service reads too), else
 * `var/` of a git checkout (so `npm start` keeps everything in the clone), else /var/lib/pobsync.
 */
export function chooseHome(flag?: string, env: NodeJS.ProcessEnv = environment()): HomeChoice {
  if (flag) return { home: resolve(flag), source: '--home' };
  if (env['POBSYNC_HOME']) return { home: resolve(env['POBSYNC_HOME']), source: 'POBSYNC_HOME' };
  const envFile = installedEnvFile(env);
  const installed = readInstalledEnv(envFile)?.['POBSYNC_HOME'];
  if (installed) return { home: resolve(installed), source: envFile };
  const root = packageRoot();
  if (existsSync(join(root, '.git'))) return { home: join(root, 'var'), source: 'the development checkout' };
  return { home: SYSTEM_HOME, source: 'the default' };
}

export function resolveHome(flag?: string): string {
  return chooseHome(flag).home;
}

/** The home the installed service uses, from the installer's environment file; undefined without one. */
export function installedHome(env: NodeJS.ProcessEnv = environment()): string | undefined {
  const home = readInstalledEnv(installedEnvFile(env))?.['POBSYNC_HOME'];
  return home ? resolve(home) : undefined;
}

export function pathsFor(home: string): Paths {
  return {
    home,
    catalogue: catalogueFile(home, environment()),
    logs: join(home, 'logs'),
    keys: join(home, 'keys'),
  };
}

/**
 * The MariaDB catalogue's URL, if one is chosen: $POBSYNC_DATABASE_URL, else the one in the
 * installer's environment file when `home` is the installed home (so `pobsync status` in a shell
 * opens the catalogue the service uses). Undefined: the SQLite file in the home.
 */
export function chooseDatabaseUrl(home: string, env: NodeJS.ProcessEnv = environment()): string | undefined {
  if (env[DATABASE_URL_ENV] !== undefined) return env[DATABASE_URL_ENV] || undefined;
  if (installedHome(env) !== home) return undefined;
  return readInstalledEnv(installedEnvFile(env))?.[DATABASE_URL_ENV] || undefined;
}

/** How errors name the catalogue of `home`: its SQLite path, or its MariaDB URL without the password. */
export function catalogueName(home: string): string {
  try {
    return describeLocation(catalogueLocation(home, chooseDatabaseUrl(home), environment()));
  } catch {
    return pathsFor(home).catalogue;
  }
}

/**
 * The one line an admin reads for an error that comes from the catalogue itself (locked, full,
 * failing, damaged, unreachable), or undefined for any other error.
 */
export function explainCatalogueFailure(error: unknown, home: string): string | undefined {
  return describeCatalogueError(error, catalogueName(home));
}

export async function openApp(home: string, homeSource = 'the caller', databaseUrl = chooseDatabaseUrl(home)): Promise<App> {
  const paths = pathsFor(home);
  // Loaded here, not imported above: a command that needs only the paths never loads the ORM.
  const { openCatalogue } = await import('../catalogue/orm.js');
  let catalogue: Catalogue;
  try {
    catalogue = await openCatalogue(home, databaseUrl ?? '', environment());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new OperationError(
        `cannot open the catalogue in ${home} (the home from ${homeSource}): permission denied; run pobsync as the user that ` +
          'owns it (root for a system install: sudo pobsync ...), or choose another home with --home',
      );
    }
    throw error;
  }
  return { paths, catalogue, homeSource, close: () => catalogue.close() };
}

/**
 * A token that changes whenever the catalogue may have (another process's commit, a row changed
 * here); undefined where the database offers none (MariaDB): then a viewer must read again each time.
 */
export function catalogueVersion(app: ReadApp): Promise<string | undefined> {
  return app.catalogue.version();
}

/** Opens the home the rule chooses for `--home` (or none). */
export function openChosenApp(flag?: string): Promise<App> {
  const choice = chooseHome(flag);
  return openApp(choice.home, choice.source);
}

/**
 * Opens the home the rule chooses for reading: a SQLite catalogue that needs nothing done first
 * (schema current, settings made) straight through the driver; any other (MariaDB, one to create
 * or migrate, one the driver cannot open) as openChosenApp does.
 */
export async function openChosenReadApp(flag?: string): Promise<ReadApp> {
  const choice = chooseHome(flag);
  return (await openDirectReadApp(choice.home, choice.source)) ?? openApp(choice.home, choice.source);
}

/**
 * The home's SQLite catalogue opened straight through the driver, for reading only, if it needs
 * nothing done first (schema current, settings made); undefined otherwise (MariaDB, one to create
 * or migrate, one the driver cannot open, or one locked for longer than `waitMs`): openApp then
 * does what is needed.
 */
export async function openDirectReadApp(
  home: string,
  homeSource = 'the caller',
  waitMs = catalogueWaitMs(environment()),
): Promise<ReadApp | undefined> {
  const paths = pathsFor(home);
  if (chooseDatabaseUrl(home) !== undefined || !hasContent(paths.catalogue)) return undefined;
  const { openSqliteReader } = await import('../catalogue/sqlite-reads.js');
  const reader = await openSqliteReader(paths.catalogue, waitMs);
  if (!reader) return undefined;
  const path = describeLocation(catalogueLocation(home, undefined, environment()));
  return {
    paths,
    homeSource,
    catalogue: { path, dialect: 'sqlite', notices: [], reads: reader.reads, version: reader.version },
    close: reader.close,
  };
}

function hasContent(file: string): boolean {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}
