import { Migration } from '@mikro-orm/migrations';

/** MariaDB's twin of ../Migration20261209000000SnapshotServerIndex.ts: the same index, the old one dropped in the same statement. */
export class Migration20261209000000SnapshotServerIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table `snapshot` add index `snapshot_host_id_server_counts_index` ' +
        '(`host_id`, `server`, `deleting_at`, `missing_since`, `kind`, `started_at`), ' +
        'drop index `snapshot_host_id_deleting_at_missing_since_kind_started_at_index`;',
    );
  }
}
