import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for 1,000 hosts with a million snapshots and a million runs (issue #17): what `status`,
 * `status --check` and the TUI read for every host. Both cover their queries, so SQLite reads the
 * index alone and never the table's rows:
 *
 * - a host's snapshot count and newest snapshot (those not deleting and not missing), and
 * - a host's last run and last backup result: the newest run by kind and status.
 *
 * Indexes only; no table is rebuilt.
 */
export class Migration20261204100000ScaleIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create index `snapshot_host_id_deleting_at_missing_since_kind_started_at_index` on `snapshot` ' +
        '(`host_id`, `deleting_at`, `missing_since`, `kind`, `started_at`);',
    );
    this.addSql('create index `run_host_id_kind_status_index` on `run` (`host_id`, `kind`, `status`);');
  }
}
