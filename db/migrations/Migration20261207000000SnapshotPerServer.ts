import { Migration } from '@mikro-orm/migrations';

/**
 * A snapshot is one server's copy (issue #17): on a shared catalogue a second server records its
 * replica of a host's snapshot under the same name, so the unique key becomes (host, server,
 * name). Rows keep their server; a row with none (recorded before servers) is the only server's.
 */
export class Migration20261207000000SnapshotPerServer extends Migration {
  override async up(): Promise<void> {
    this.addSql('create unique index `snapshot_host_id_server_name_unique` on `snapshot` (`host_id`, `server`, `name`);');
    this.addSql('drop index `snapshot_host_id_name_unique`;');
  }
}
