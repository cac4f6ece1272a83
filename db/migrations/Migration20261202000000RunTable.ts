import { Migration } from '@mikro-orm/migrations';

/**
 * `backup_run` holds restore runs too (and verify and archive runs later): it becomes `run`.
 * SQLite keeps an index's name through a table rename, so the indexes are made again under the
 * names MikroORM gives them for `run`.
 */
export class Migration20261202000000RunTable extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `backup_run` rename to `run`;');
    for (const index of [
      'backup_run_host_id_index',
      'backup_run_base_id_index',
      'backup_run_snapshot_id_index',
      'backup_run_schedule_id_index',
      'backup_run_status_index',
      'backup_run_host_id_queued_at_index',
      'backup_run_schedule_id_scheduled_for_unique',
      'backup_run_one_running_per_host',
    ]) {
      this.addSql(`drop index \`${index}\`;`);
    }
    this.addSql('create index `run_host_id_index` on `run` (`host_id`);');
    this.addSql('create index `run_base_id_index` on `run` (`base_id`);');
    this.addSql('create index `run_snapshot_id_index` on `run` (`snapshot_id`);');
    this.addSql('create index `run_schedule_id_index` on `run` (`schedule_id`);');
    this.addSql('create index `run_status_index` on `run` (`status`);');
    this.addSql('create index `run_host_id_queued_at_index` on `run` (`host_id`, `queued_at`);');
    this.addSql('create unique index `run_schedule_id_scheduled_for_unique` on `run` (`schedule_id`, `scheduled_for`);');
    // The host lock: at most one running run per host, enforced by SQLite itself.
    this.addSql("create unique index `run_one_running_per_host` on `run` (`host_id`) where `status` = 'running';");
  }
}
