/**
 * Copying a whole catalogue into another of the other dialect (SQLite into MariaDB, for an admin
 * whose one server became several): every table, every row, ids kept, in one transaction on the
 * target, and counted on both sides after.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import { sqlFor } from './dialect.js';
import { ENTITIES } from './entities/index.js';

/** Rows per read and per INSERT: big enough to be quick, small enough for any max_allowed_packet. */
const CHUNK = 500;

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** A table of the catalogue: its name, key and datetime columns (stored differently by each dialect). */
interface TableShape {
  table: string;
  key: string;
  times: Set<string>;
}

/** The catalogue's tables, parents before children (hosts before their runs), as `em`'s ORM discovered them. */
export function catalogueTables(em: EntityManager): TableShape[] {
  return ENTITIES.map((entity) => {
    const meta = em.getMetadata().find(entity.meta.className)!;
    const properties = Object.values(meta.properties);
    const key = properties.find((property) => property.primary)?.fieldNames?.[0] ?? 'id';
    const times = properties.filter((property) => property.runtimeType === 'Date').flatMap((property) => property.fieldNames ?? []);
    return { table: meta.tableName, key, times: new Set(times) };
  });
}

/** Rows per catalogue table. */
export async function countRows(em: EntityManager): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { table } of catalogueTables(em)) {
    const [row] = await em.execute<{ count: number }[]>(`select count(*) as count from \`${table}\``, [], 'all');
    counts.set(table, Number(row?.count ?? 0));
  }
  return counts;
}

/**
 * Copies every row of `from` into `to` (whose tables exist and are empty), in one transaction on
 * `to`: all of it lands, or none. `progress` hears after each chunk how far a table is.
 */
export async function copyCatalogue(
  from: EntityManager,
  to: EntityManager,
  progress: (table: string, copied: number, total: number) => void,
): Promise<TableCount[]> {
  const source = sqlFor(from);
  const target = sqlFor(to);
  const totals = await countRows(from);
  await to.transactional(async (tx) => {
    // The copy keeps ids, so a snapshot may name as its base one copied after it: checked once all are in.
    if (target.dialect === 'mariadb') await tx.execute('set foreign_key_checks = 0', [], 'run');
    try {
      for (const shape of catalogueTables(from)) {
        let copied = 0;
        let after: unknown = null;
        for (;;) {
          const rows = await from.execute<Record<string, unknown>[]>(
            `select * from \`${shape.table}\`${after === null ? '' : ` where \`${shape.key}\` > ?`}
              order by \`${shape.key}\` limit ${CHUNK}`,
            after === null ? [] : [after],
            'all',
          );
          if (rows.length === 0) break;
          const columns = Object.keys(rows[0]!);
          const values = rows.flatMap((row) =>
            columns.map((column) => {
              const value = row[column];
              if (!shape.times.has(column) || value === null || value === undefined) return value;
              return target.time(source.date(value)!);
            }),
          );
          const placeholders = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
          await tx.execute(
            `insert into \`${shape.table}\` (${columns.map((column) => `\`${column}\``).join(', ')}) values ${placeholders}`,
            values,
            'run',
          );
          copied += rows.length;
          after = rows.at(-1)![shape.key];
          progress(shape.table, copied, totals.get(shape.table) ?? copied);
        }
      }
    } finally {
      if (target.dialect === 'mariadb') await tx.execute('set foreign_key_checks = 1', [], 'run');
    }
  });
  const copied = await countRows(to);
  return catalogueTables(from).map(({ table }) => ({ table, source: totals.get(table) ?? 0, target: copied.get(table) ?? 0 }));
}
