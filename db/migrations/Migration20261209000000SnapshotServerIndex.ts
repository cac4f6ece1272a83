import { Migration } from '@mikro-orm/migrations';

/**
 * `status` counts a host's snapshots per server (on a shared catalogue a replica is a second
 * server's copy of the same name): the covering index of Migration20261204100000ScaleIndexes gets
 * the server after the host, so the count per host and server is still read from the index alone.
 */
export class Migration20261209000000SnapshotServerIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create index `snapshot_host_id_server_counts_index` on `snapshot` ' +
        '(`host_id`, `server`, `deleting_at`, `missing_since`, `kind`, `started_at`);',
    );
    this.addSql('drop index `snapshot_host_id_deleting_at_missing_since_kind_started_at_index`;');
  }
}
