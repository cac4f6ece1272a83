/**
 * The installer's `--install-extras mariadb` (scripts/install-systemd): a database and a user for
 * pobsync on this server's MariaDB, made as root over the unix socket, and POBSYNC_DATABASE_URL
 * in the environment file, which is root's alone (0600). The generated password goes to the
 * `mariadb` client on its stdin and into that file, never into a process's arguments.
 *
 *   tsx scripts/systemd/mariadb-catalogue.ts --env-file FILE --socket PATH --database NAME --user NAME
 *
 * Prints one line, what it did. A POBSYNC_DATABASE_URL already in the file is kept: running the
 * installer again changes no password. Exit 2 for a bad argument, 1 when MariaDB refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DATABASE_URL_ENV, describeLocation, parseDatabaseUrl } from '../../source/catalogue/location.js';
import { parseEnvironmentFile } from '../../source/domain/env-file.js';

export interface MariaDbCatalogue {
  database: string;
  user: string;
  password: string;
  /** the server's unix socket: root logs in through it, and so does pobsync */
  socket: string;
}

/** Names go into SQL as identifiers and into the URL: letters, digits and _ only, as pobsync's URL parser takes them. */
const NAME = /^[A-Za-z0-9_]{1,32}$/;

export class BadArgument extends Error {}

export function checkName(what: 'database' | 'user', value: string): string {
  if (!NAME.test(value)) {
    throw new BadArgument(`the MariaDB ${what} name ${JSON.stringify(value)} is not allowed: 1 to 32 letters, digits or _`);
  }
  return value;
}

export function checkSocket(value: string): string {
  if (!value.startsWith('/') || /[\s'"%\\]/.test(value) || value.includes('..')) {
    throw new BadArgument(`the MariaDB socket ${JSON.stringify(value)} is not allowed: an absolute path without spaces, quotes, % or ..`);
  }
  return value;
}

/** 32 characters of A-Z a-z 0-9 - _: nothing to quote in SQL, nothing to encode in a URL. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * What root runs: the database, the user (a user that exists gets the new password: the file is
 * the one place that holds it), and the user's rights on that database only.
 */
export function setupSql({ database, user, password }: MariaDbCatalogue): string {
  checkName('database', database);
  checkName('user', user);
  if (!/^[A-Za-z0-9_-]+$/.test(password)) throw new BadArgument('the password must be generated (A-Z a-z 0-9 - _)');
  const account = `'${user}'@'localhost'`;
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;`,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '${password}';`,
    `ALTER USER ${account} IDENTIFIED BY '${password}';`,
    `GRANT ALL PRIVILEGES ON \`${database}\`.* TO ${account};`,
    '',
  ].join('\n');
}

/** pobsync's URL for that database over the socket (source/catalogue/location.ts reads it back). */
export function catalogueUrl({ database, user, password, socket }: MariaDbCatalogue): string {
  const query = encodeURIComponent(socket).replaceAll('%2F', '/');
  return `mariadb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@localhost/${database}?socket=${query}`;
}

/** The file's text with NAME=value in place of its NAME lines (or appended), every other line as it was. */
export function withVariable(text: string, name: string, value: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const assignment = new RegExp(`^\\s*${name}\\s*=`);
  const at = lines.findIndex((line) => assignment.test(line));
  const kept = lines.filter((line) => !assignment.test(line));
  kept.splice(at === -1 ? kept.length : at, 0, `${name}=${value}`);
  return `${kept.join('\n')}\n`;
}

/** Writes `path` as root's alone: a 0600 temp file beside it, renamed over it (never readable by others, not for a moment). */
export function writePrivateFile(path: string, text: string): void {
  const temp = `${path}.tmp`;
  rmSync(temp, { force: true });
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Runs SQL as MariaDB's root over the unix socket (root logs in by its uid): the SQL goes on stdin. */
export function runAsRoot(socket: string, sql: string): void {
  try {
    execFileSync('mariadb', ['--no-defaults', '--protocol=socket', `--socket=${socket}`, '--user=root', '--batch'], {
      input: sql,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`MariaDB refused (as root over ${socket}): ${stderr || (error as Error).message}`);
  }
}

export interface SetupResult {
  action: 'created' | 'kept';
  /** the URL without its password */
  catalogue: string;
}

export function setUpCatalogue(options: { envFile: string; socket: string; database: string; user: string }): SetupResult {
  const socket = checkSocket(options.socket);
  const database = checkName('database', options.database);
  const user = checkName('user', options.user);
  const text = readFileSync(options.envFile, 'utf8');
  const existing = parseEnvironmentFile(text)[DATABASE_URL_ENV];
  if (existing) return { action: 'kept', catalogue: describeLocation(parseDatabaseUrl(existing)) };
  const catalogue: MariaDbCatalogue = { database, user, password: generatePassword(), socket };
  runAsRoot(socket, setupSql(catalogue));
  const url = catalogueUrl(catalogue);
  writePrivateFile(options.envFile, withVariable(text, DATABASE_URL_ENV, url));
  return { action: 'created', catalogue: describeLocation(parseDatabaseUrl(url)) };
}

function main(argv: string[]): number {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'env-file': { type: 'string' }, socket: { type: 'string' }, database: { type: 'string' }, user: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`pobsync: ${(error as Error).message}\n`);
    return 2;
  }
  const envFile = values['env-file'];
  if (!envFile || !values['socket'] || !values['database'] || !values['user']) {
    process.stderr.write('pobsync: mariadb-catalogue needs --env-file, --socket, --database and --user\n');
    return 2;
  }
  try {
    const result = setUpCatalogue({ envFile, socket: values['socket'], database: values['database'], user: values['user'] });
    process.stdout.write(
      result.action === 'kept'
        ? `${envFile} already names a catalogue, kept: ${result.catalogue}\n`
        : `created ${result.catalogue} with a generated password, in ${envFile} (0600)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BadArgument) {
      process.stderr.write(`pobsync: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`pobsync: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
