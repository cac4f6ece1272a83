import { Migration } from '@mikro-orm/migrations';

/** How pobsync's key logs in on a host: full, or restricted to a read-only rrsync. */
export class Migration20261203000000HostAccess extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `host` add column `access` text check (`access` in ('full', 'restricted')) not null default 'full';");
  }
}
