/**
 * The catalogue itself: migrations match the entities (SQLite's, and on the MariaDB pass
 * MariaDB's), WAL mode, owner-only, several processes opening a new catalogue at once, and an
 * upgrade with rows in it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { HostSchema, SnapshotRecordSchema } from '../../source/catalogue/entities/index.js';
import { isUniqueViolation } from '../../source/catalogue/errors.js';
import { catalogueOptions, MIGRATIONS_TABLE, openCatalogue } from '../../source/catalogue/orm.js';
import { freshTestDatabase, testingOnMariaDb } from '../helpers/mariadb.js';
import { type Workspace, workspace } from '../helpers/pobsync.js';

let dir: string;
let ws: Workspace | undefined;
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  ws?.cleanup();
});

type Connection = ReturnType<ReturnType<Awaited<ReturnType<typeof openCatalogue>>['em']>['getConnection']>;

/**
 * The schema as SQLite sees it, independent of column order and of how the DDL was written
 * (ALTER TABLE appends columns; a rebuilt table does not): columns, foreign keys, indexes and
 * CHECK constraints of every table but the migrations' own.
 */
async function describeSchema(connection: Connection): Promise<Record<string, unknown>> {
  const tables = await connection.execute<{ name: string; sql: string }[]>(
    `select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != '${MIGRATIONS_TABLE}' order by name`,
  );
  const schema: Record<string, unknown> = {};
  for (const { name, sql } of tables) {
    const columns = await connection.execute<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[]>(
      `pragma table_info(\`${name}\`)`,
    );
    const foreignKeys = await connection.execute<{ table: string; from: string; to: string; on_update: string; on_delete: string }[]>(
      `pragma foreign_key_list(\`${name}\`)`,
    );
    const indexes = await connection.execute<{ name: string; unique: number; origin: string; partial: number }[]>(
      `pragma index_list(\`${name}\`)`,
    );
    const indexColumns = async (index: string) =>
      (await connection.execute<{ name: string }[]>(`pragma index_info(\`${index}\`)`)).map((column) => column.name);
    schema[name] = {
      columns: columns.map((c) => `${c.name} ${c.type.toLowerCase()} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk}`).sort(),
      foreignKeys: foreignKeys.map((fk) => `${fk.from} -> ${fk.table}.${fk.to} on delete ${fk.on_delete} on update ${fk.on_update}`).sort(),
      indexes: (
        await Promise.all(
          indexes
            .filter((index) => index.origin !== 'pk')
            .map(
              async (index) =>
                `${index.name} unique=${index.unique} partial=${index.partial} (${(await indexColumns(index.name)).join(', ')})`,
            ),
        )
      ).sort(),
      checks: [...sql.replace(/`/g, '').matchAll(/check \(([^)]*)\)/gi)].map((match) => match[1]!.replace(/\s+/g, ' ')).sort(),
    };
  }
  return schema;
}

describe('catalogue', () => {
  it.runIf(testingOnMariaDb())('on MariaDB, built by its migrations has exactly the schema the entities describe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    const catalogue = await openCatalogue(dir, freshTestDatabase());
    expect(catalogue.dialect).toBe('mariadb');
    // What the schema generator would change to make the database match the entities: only the
    // host lock, which entities cannot say (a unique key on a column that holds a running run's host).
    const diff = (await catalogue.orm.schema.getUpdateSchemaSQL({ wrap: false })).split('\n').filter((line) => line.trim() !== '');
    await catalogue.close();
    expect(diff).toEqual(['alter table `run` drop index `run_one_running_per_host`;', 'alter table `run` drop column `running_host_id`;']);
  });

  it.skipIf(testingOnMariaDb())('built by the migrations has exactly the schema the entities describe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    const migrated = await openCatalogue(dir);
    const fromMigrations = await describeSchema(migrated.em().getConnection());
    const lockSql = await migrated
      .em()
      .getConnection()
      .execute<{ sql: string }[]>("select sql from sqlite_master where name = 'run_one_running_per_host'");
    await migrated.close();

    const fresh = await MikroORM.init(catalogueOptions(join(dir, 'fresh.sqlite')));
    await fresh.schema.createSchema();
    const fromEntities = await describeSchema(fresh.em.fork().getConnection());
    await fresh.close();

    // The one addition the entities cannot express: the host lock (one running run per host).
    expect(lockSql[0]?.sql.replace(/`/g, '')).toBe(
      "CREATE UNIQUE INDEX run_one_running_per_host on run (host_id) where status = 'running'",
    );
    const runIndexes = (fromMigrations['run'] as { indexes: string[] }).indexes;
    expect(runIndexes).toContain('run_one_running_per_host unique=1 partial=1 (host_id)');
    runIndexes.splice(runIndexes.indexOf('run_one_running_per_host unique=1 partial=1 (host_id)'), 1);
    expect(Object.keys(fromEntities).length).toBeGreaterThanOrEqual(6);
    expect(fromMigrations).toEqual(fromEntities);
  });

  it.skipIf(testingOnMariaDb())('is owner-only, in WAL mode, with a busy timeout', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    const catalogue = await openCatalogue(join(dir, 'home'));
    const connection = catalogue.em().getConnection();
    expect(await connection.execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await connection.execute('pragma busy_timeout')).toEqual([{ timeout: 10000 }]);
    expect(await connection.execute('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    await catalogue.close();
    expect(statSync(join(dir, 'home')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'home/pobsync.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('upgrades a snapshot to one copy per server: rows keep their server, a second server records its copy of a name', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    const database = freshTestDatabase();
    // A catalogue as it was before Migration20261207000000SnapshotPerServer: (host, name) unique.
    const before = await openCatalogue(dir, database);
    const sql = before.em().getConnection();
    if (before.dialect === 'mariadb') {
      await sql.execute(
        'alter table `snapshot` add unique index `snapshot_host_id_name_unique` (`host_id`, `name`), ' +
          'drop index `snapshot_host_id_server_name_unique`',
      );
    } else {
      await sql.execute('drop index `snapshot_host_id_server_name_unique`');
      await sql.execute('create unique index `snapshot_host_id_name_unique` on `snapshot` (`host_id`, `name`)');
    }
    await sql.execute(`delete from ${MIGRATIONS_TABLE} where name = 'Migration20261207000000SnapshotPerServer'`);
    const at = new Date('2026-11-23T02:00:00Z');
    const snapshot = (server: string | null) => ({
      ...{ host: 1, name: '2026-11-23T020000Z', kind: 'scheduled' as const, status: 'complete' as const, path: `/srv/${server}/web1` },
      ...{ startedAt: at, finishedAt: at, protected: false, dumps: [], server },
    });
    const em = before.em();
    em.create(HostSchema, { name: 'web1', address: 'local', user: 'root', port: 22, sources: ['/etc'], excludes: [], rsyncArgs: [] });
    em.create(SnapshotRecordSchema, snapshot('alpha'));
    await em.flush();
    const refused = before.em();
    refused.create(SnapshotRecordSchema, snapshot('beta'));
    expect(isUniqueViolation(await refused.flush().catch((error: unknown) => error))).toBe(true);
    await before.close();

    const after = await openCatalogue(dir, database);
    try {
      expect((await after.em().find(SnapshotRecordSchema, {})).map((row) => row.server)).toEqual(['alpha']);
      const second = after.em();
      second.create(SnapshotRecordSchema, snapshot('beta'));
      await second.flush();
      const again = after.em();
      again.create(SnapshotRecordSchema, snapshot('beta'));
      expect(isUniqueViolation(await again.flush().catch((error: unknown) => error))).toBe(true);
      const rows = await after.em().find(SnapshotRecordSchema, {}, { orderBy: { server: 'asc' } });
      expect(rows.map((row) => `${row.name}@${row.server}`)).toEqual(['2026-11-23T020000Z@alpha', '2026-11-23T020000Z@beta']);
    } finally {
      await after.close();
    }
  });

  it('can be created by several processes at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    ws = workspace();
    const results = await Promise.all([1, 2, 3, 4].map(() => ws!.run(['hosts', '--json'])));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual([]);
    }
  });
});
