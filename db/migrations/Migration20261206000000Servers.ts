import { Migration } from '@mikro-orm/migrations';

/**
 * Several backup servers on one catalogue (issue #17): a `server` table (each server's backup
 * root and heartbeat), and the server a host is assigned to, a snapshot is held by, a run is run
 * by and the scheduler lease is held by. Existing rows get null: the first server to register
 * takes over the global backup root and every host without a server (services/servers.ts).
 */
export class Migration20261206000000Servers extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      [
        'create table `server` (`name` text not null, `backup_root` text null, `registered_at` datetime not null,',
        '`started_at` datetime null, `heartbeat_at` datetime null, `pid` integer null, `node` text null, `version` text null,',
        'primary key (`name`));',
      ].join(' '),
    );
    this.addSql('alter table `host` add column `server` text null;');
    this.addSql('alter table `snapshot` add column `server` text null;');
    this.addSql('alter table `run` add column `server` text null;');
    this.addSql('alter table `scheduler_lease` add column `server` text null;');
    this.addSql('create index `run_status_server_index` on `run` (`status`, `server`);');
  }
}
