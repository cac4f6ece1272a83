/**
 * Errors from the catalogue, sorted by what they mean for whoever hit them: a UNIQUE constraint
 * (someone else won), or the catalogue itself in trouble (locked, full, failing, damaged), which
 * an admin must hear about in words, never as raw SQLite codes.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** A UNIQUE constraint refused the write: from the ORM (converted) or from raw SQL (not), on SQLite or MariaDB. */
export function isUniqueViolation(error: unknown): boolean {
  // By name, not instanceof: this file must not load the ORM (a command's error path uses it).
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'UniqueConstraintViolationException') return true;
  if (code === 'ER_DUP_ENTRY') return true;
  return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

export type CatalogueTrouble = 'locked' | 'full' | 'io' | 'readonly' | 'unopenable' | 'damaged' | 'unreachable' | 'refused';

/** What is wrong with the catalogue itself, if this error says so. */
export function catalogueTrouble(error: unknown): CatalogueTrouble | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = `${String(code ?? '')} ${String(message ?? '')}`;
  // MariaDB: the server cannot be reached (down, restarting), or it refuses this user or database.
  if (/ER_ACCESS_DENIED|ER_DBACCESS_DENIED|ER_BAD_DB_ERROR|Unknown database/.test(text)) return 'refused';
  if (/ECONNREFUSED|ER_CONNECTION_TIMEOUT|ER_GET_CONNECTION_TIMEOUT|ER_SOCKET_UNEXPECTED_CLOSE|Connection lost|connect ENOENT/.test(text)) {
    return 'unreachable';
  }
  if (/ER_LOCK_WAIT_TIMEOUT|ER_LOCK_DEADLOCK/.test(text)) return 'locked';
  if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked/.test(text)) return 'locked';
  if (/SQLITE_FULL|database or disk is full/.test(text)) return 'full';
  if (/SQLITE_IOERR|disk I\/O error/.test(text)) return 'io';
  if (/SQLITE_READONLY|readonly database/.test(text)) return 'readonly';
  if (/SQLITE_CANTOPEN|unable to open database file/.test(text)) return 'unopenable';
  if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed|file is not a database/.test(text)) return 'damaged';
  return undefined;
}

/** Trouble that goes away by itself, or when the admin frees space or starts the server: worth trying the write again. */
export function isPassing(trouble: CatalogueTrouble | undefined): boolean {
  return trouble !== undefined && trouble !== 'damaged' && trouble !== 'refused';
}

/** The one line an admin reads for catalogue trouble, or undefined for any other error. */
export function describeCatalogueError(error: unknown, path: string): string | undefined {
  const trouble = catalogueTrouble(error);
  const mariadb = path.startsWith('mariadb://');
  switch (trouble) {
    case 'unreachable':
      return `the catalogue ${path} cannot be reached (${firstLine(error)}): is the MariaDB server running? Try again when it is`;
    case 'refused':
      return (
        `the MariaDB server refused the catalogue ${path} (${firstLine(error)}): check the user, its password and its grants ` +
        'on that database, and that the database exists (CREATE DATABASE)'
      );
    case 'locked':
      if (mariadb) return `the catalogue ${path} kept a row locked by another process or server for too long: try again`;
      return (
        `the catalogue ${path} is locked by another process and stayed locked (SQLITE_BUSY): ` +
        'is a sqlite3 shell or a stuck command holding it? Try again when it is free'
      );
    case 'full':
      return `the disk holding the catalogue ${path} is full (SQLITE_FULL): free space in ${dirname(path)}, then try again`;
    case 'io':
      return diskFull(path)
        ? `the disk holding the catalogue ${path} is full (SQLite reports a disk I/O error): free space in ${dirname(path)}, then try again`
        : `the catalogue ${path} could not be read or written (disk I/O error): check that disk (dmesg), then try again`;
    case 'readonly':
      return `the catalogue ${path} is read-only for this user (or its filesystem is): run pobsync as the user that owns it`;
    case 'unopenable':
      return `the catalogue ${path} cannot be opened: check that ${dirname(path)} exists and belongs to this user`;
    case 'damaged':
      return (
        `the catalogue ${path} is damaged (${(error as Error).message.split('\n')[0]}): restore it from a copy, ` +
        'or move it aside and rebuild it from the snapshots on disk: "pobsync configure-global --backup-root DIR --adopt"'
      );
    default:
      return undefined;
  }
}

/** The driver's own words, one line, without its connection prefix: they never hold the password. */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .replace(/^\(conn:[^)]*\)\s*/, '');
}

/** No room left for a few pages more: SQLite reports a write into a full disk as an I/O error. */
function diskFull(path: string): boolean {
  try {
    const stats = statfsSync(dirname(path));
    return stats.bavail * stats.bsize < 1 << 20 || stats.ffree === 0;
  } catch {
    return false;
  }
}
