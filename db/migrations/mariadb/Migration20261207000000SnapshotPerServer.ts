import { Migration } from '@mikro-orm/migrations';

/**
 * MariaDB's twin of ../Migration20261207000000SnapshotPerServer.ts. The new key is added before
 * the old one goes: it starts with host_id, so the host foreign key always has an index.
 */
export class Migration20261207000000SnapshotPerServer extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table `snapshot` add unique index `snapshot_host_id_server_name_unique` (`host_id`, `server`, `name`), ' +
        'drop index `snapshot_host_id_name_unique`;',
    );
  }
}
