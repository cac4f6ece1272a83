import { Migration } from '@mikro-orm/migrations';

/**
 * The server whose worker runs a schedule's fires, when that is not the host's server: a
 * replicate schedule on a shared catalogue, made by the server that copies another server's host.
 * Null for every other schedule (its fires are the host's server's, as before).
 */
export class Migration20261208000000ScheduleServer extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `schedule` add column `server` text null;');
  }
}
