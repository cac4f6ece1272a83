import { Migration } from '@mikro-orm/migrations';

/** MariaDB's twin of ../Migration20261209100000ServerAddress.ts: the same nullable column. */
export class Migration20261209100000ServerAddress extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `server` add column `address` varchar(255) null default null;');
  }
}
