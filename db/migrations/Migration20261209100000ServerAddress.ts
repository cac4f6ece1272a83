import { Migration } from '@mikro-orm/migrations';

/**
 * How other servers of a shared catalogue reach a server over ssh (`user@address:port`), so that
 * `replicate HOST --from NAME` can name the server instead of spelling out its address. Null
 * until configure-global --server-address sets it on that server.
 */
export class Migration20261209100000ServerAddress extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `server` add column `address` text null;');
  }
}
