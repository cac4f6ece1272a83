import { Migration } from '@mikro-orm/migrations';

const RUN_KINDS_BEFORE = "('scheduled', 'manual', 'safety', 'restore')";
const RUN_KINDS_AFTER = "('scheduled', 'manual', 'safety', 'restore', 'verify', 'archive', 'replicate')";
const SNAPSHOT_KINDS_BEFORE = "('scheduled', 'manual', 'safety')";
const SNAPSHOT_KINDS_AFTER = "('scheduled', 'manual', 'safety', 'replica')";

/**
 * New kinds of run (verify, archive, replicate) and of snapshot (replica). Each kind is a CHECK
 * constraint, and SQLite cannot alter one. Rebuilding `snapshot` is out: other tables point at
 * it, and dropping it would set their references to null. A wider CHECK accepts every row the
 * narrower one did, so SQLite's own procedure for changing constraints applies (sqlite.org,
 * "ALTER TABLE", making other kinds of table schema changes): rewrite the table's SQL in
 * sqlite_schema and bump the schema version, in the migration's transaction.
 */
export class Migration20261202010000MoreKinds extends Migration {
  override async up(): Promise<void> {
    const [version] = (await this.execute('pragma schema_version')) as { schema_version: number }[];
    await this.execute('pragma writable_schema = on');
    await this.widen('run', RUN_KINDS_BEFORE, RUN_KINDS_AFTER);
    await this.widen('snapshot', SNAPSHOT_KINDS_BEFORE, SNAPSHOT_KINDS_AFTER);
    await this.execute(`pragma schema_version = ${version!.schema_version + 1}`);
    await this.execute('pragma writable_schema = off');
    const [check] = (await this.execute('pragma integrity_check')) as { integrity_check: string }[];
    if (check?.integrity_check !== 'ok') throw new Error(`the catalogue failed its integrity check: ${check?.integrity_check}`);
  }

  private async widen(table: string, before: string, after: string): Promise<void> {
    const [row] = (await this.execute(`select sql from sqlite_schema where type = 'table' and name = '${table}'`)) as { sql: string }[];
    if (!row?.sql.includes(`\`kind\` in ${before}`)) throw new Error(`table ${table} does not have the kinds ${before}`);
    const literal = (kinds: string) => `'\`kind\` in ${kinds.replace(/'/g, "''")}'`;
    await this.execute(
      `update sqlite_schema set sql = replace(sql, ${literal(before)}, ${literal(after)}) where type = 'table' and name = '${table}'`,
    );
  }
}
