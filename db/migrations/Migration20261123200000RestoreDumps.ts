import { Migration } from '@mikro-orm/migrations';

/**
 * Database dumps (a host's dump commands, the dumps a snapshot holds) and restore runs (what a
 * restore run restores, and where to). SQLite adds each column after the table's last column,
 * where the entities declare it.
 */
export class Migration20261123200000RestoreDumps extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `host` add column `dumps` json not null default '[]';");
    this.addSql("alter table `snapshot` add column `dumps` json not null default '[]';");
    this.addSql('alter table `backup_run` add column `restore` json null;');
  }
}
