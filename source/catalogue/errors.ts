/**
 * Errors from the catalogue, sorted by what they mean for whoever hit them: a UNIQUE constraint
 * (someone else won), or the catalogue itself in trouble (locked, full, failing, damaged), which
 * an admin must hear about in words, never as raw SQLite codes.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** A UNIQUE constraint refused the write: from the ORM (converted) or from raw SQL (not). */
export function isUniqueViolation(error: unknown): boolean {
  // By name, not instanceof: this file must not load the ORM (a command's error path uses it).
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'UniqueConstraintViolationException') return true;
  return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

export type CatalogueTrouble = 'locked' | 'full' | 'io' | 'readonly' | 'unopenable' | 'damaged';

/** What is wrong with the catalogue itself, if this error says so. */
export function catalogueTrouble(error: unknown): CatalogueTrouble | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = `${String(code ?? '')} ${String(message ?? '')}`;
  if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked/.test(text)) return 'locked';
  if (/SQLITE_FULL|database or disk is full/.test(text)) return 'full';
  if (/SQLITE_IOERR|disk I\/O error/.test(text)) return 'io';
  if (/SQLITE_READONLY|readonly database/.test(text)) return 'readonly';
  if (/SQLITE_CANTOPEN|unable to open database file/.test(text)) return 'unopenable';
  if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed|file is not a database/.test(text)) return 'damaged';
  return undefined;
}

/** Trouble that goes away by itself, or when the admin frees space: worth trying the write again. */
export function isPassing(trouble: CatalogueTrouble | undefined): boolean {
  return trouble !== undefined && trouble !== 'damaged';
}

/** The one line an admin reads for catalogue trouble, or undefined for any other error. */
export function describeCatalogueError(error: unknown, path: string): string | undefined {
  const trouble = catalogueTrouble(error);
  switch (trouble) {
    case 'locked':
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

/** No room left for a few pages more: SQLite reports a write into a full disk as an I/O error. */
function diskFull(path: string): boolean {
  try {
    const stats = statfsSync(dirname(path));
    return stats.bavail * stats.bsize < 1 << 20 || stats.ffree === 0;
  } catch {
    return false;
  }
}
