import { Migration } from '@mikro-orm/migrations';

/** MariaDB's twin of ../Migration20261206000000Servers.ts: the server table and the same nullable columns. */
export class Migration20261206000000Servers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE \`server\` (
        \`name\` varchar(255) NOT NULL,
        \`backup_root\` varchar(255) DEFAULT NULL,
        \`registered_at\` datetime(3) NOT NULL,
        \`started_at\` datetime(3) DEFAULT NULL,
        \`heartbeat_at\` datetime(3) DEFAULT NULL,
        \`pid\` bigint(20) DEFAULT NULL,
        \`node\` varchar(255) DEFAULT NULL,
        \`version\` varchar(255) DEFAULT NULL,
        PRIMARY KEY (\`name\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql('alter table `host` add column `server` varchar(255) null default null;');
    this.addSql('alter table `snapshot` add column `server` varchar(255) null default null;');
    this.addSql(
      'alter table `run` add column `server` varchar(255) null default null, add index `run_status_server_index` (`status`, `server`);',
    );
    this.addSql('alter table `scheduler_lease` add column `server` varchar(255) null default null;');
  }
}
