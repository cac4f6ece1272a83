/**
 * Whether a catalogue's schema is current: the migrations its table records, against the list
 * this pobsync carries. Kept apart from orm.ts so that asking loads neither the ORM nor the migrator.
 */
import type { MigrationEntry } from '../../db/migrations/index.js';

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** The names of `migrations` not among `applied` (rows of the migrations table, whose names may end in .ts or .js). */
export function pendingMigrations(applied: readonly { name: string }[], migrations: readonly MigrationEntry[]): string[] {
  const names = new Set(applied.map((row) => row.name.replace(/\.[jt]s$/, '')));
  return migrations.map((migration) => migration.name).filter((name) => !names.has(name));
}
