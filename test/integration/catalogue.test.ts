/**
 * The catalogue file itself: migrations match the entities, WAL mode, owner-only, and two
 * processes opening a new catalogue at once.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogueOptions, openCatalogue, MIGRATIONS_TABLE } from '../../source/catalogue/orm.js';
import { workspace, type Workspace } from '../helpers/pobsync.js';

let dir: string;
let ws: Workspace | undefined;
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  ws?.cleanup();
});

type Row = { type: string; name: string; sql: string | null };
const normalize = (rows: Row[]) =>
  rows
    .filter((row) => row.sql && !row.name.startsWith('sqlite_') && row.name !== MIGRATIONS_TABLE && !row.name.startsWith(`${MIGRATIONS_TABLE}`))
    .map((row) => `${row.type} ${row.name}: ${row.sql!.replace(/\s+/g, ' ').replace(/`/g, '')}`)
    .sort();

describe('catalogue', () => {
  it('built by the migrations has exactly the schema the entities describe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pobsync-catalogue-'));
    const migrated = await openCatalogue(dir);
    const fromMigrations = normalize(await migrated.em().getConnection().execute<Row[]>('select type, name, sql from sqlite_master'));
    await migrated.close();

    const fresh = await MikroORM.init(catalogueOptions(join(dir, 'fresh.sqlite')));
    await fresh.schema.createSchema();
    const fromEntities = normalize(await fresh.em.fork().getConnection().execute<Row[]>('select type, name, sql from sqlite_master'));
    await fresh.close();

    // The one addition the entities cannot express: the host lock (one running run per host).
    const lock = fromMigrations.filter((line) => line.includes('backup_run_one_running_per_host'));
    expect(lock).toEqual(["index backup_run_one_running_per_host: CREATE UNIQUE INDEX backup_run_one_running_per_host on backup_run (host_id) where status = 'running'"]);
    expect(fromEntities.length).toBeGreaterThan(15);
    expect(fromMigrations.filter((line) => !lock.includes(line))).toEqual(fromEntities);
  });

  it('is owner-only, in WAL mode, with a busy timeout', async () => {
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
