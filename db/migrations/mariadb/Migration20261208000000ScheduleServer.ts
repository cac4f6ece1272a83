import { Migration } from '@mikro-orm/migrations';

/** MariaDB's twin of ../Migration20261208000000ScheduleServer.ts: the same nullable column. */
export class Migration20261208000000ScheduleServer extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `schedule` add column `server` varchar(255) null default null;');
  }
}
