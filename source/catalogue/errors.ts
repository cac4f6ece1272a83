import { UniqueConstraintViolationException } from '@mikro-orm/sqlite';

/** A UNIQUE constraint refused the write: from the ORM (converted) or from raw SQL (not). */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof UniqueConstraintViolationException) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}
