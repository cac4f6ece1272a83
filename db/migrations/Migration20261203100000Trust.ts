import { Migration } from '@mikro-orm/migrations';

/**
 * Trust and carry: a snapshot whose directory is gone (missing_since), the catalogue's own id
 * (the backup root's marker names it) and the archive purge setting, what a verify or archive run
 * does (run.details), what a schedule queues (schedule.action, a plain string: no CHECK), and the
 * archives themselves. Only added columns and a new table: nothing existing is rebuilt.
 */
export class Migration20261203100000Trust extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `snapshot` add column `missing_since` datetime null;');
    this.addSql('alter table `global_config` add column `catalogue_id` text null;');
    this.addSql('alter table `global_config` add column `archive_auto_purge` integer not null default false;');
    // An existing catalogue gets its id now; a new one when its settings row is made.
    this.addSql('update `global_config` set `catalogue_id` = lower(hex(randomblob(16))) where `catalogue_id` is null;');
    this.addSql('alter table `run` add column `details` json null;');
    this.addSql("alter table `schedule` add column `action` text not null default 'backup';");
    this.addSql(
      [
        'create table `archive` (`id` integer not null primary key autoincrement, `host_id` integer not null,',
        '`snapshot_name` text not null, `snapshot_id` integer null, `option_set` text not null, `path` text not null,',
        '`bytes` integer not null, `blake2b` text not null, `files` integer not null, `created_at` datetime not null,',
        '`deprecated_at` datetime null, `purged_at` datetime null, `run_id` integer null,',
        'constraint `archive_host_id_foreign` foreign key(`host_id`) references `host`(`id`) on delete cascade on update cascade,',
        'constraint `archive_snapshot_id_foreign` foreign key(`snapshot_id`)',
        'references `snapshot`(`id`) on delete set null on update cascade,',
        'constraint `archive_run_id_foreign` foreign key(`run_id`) references `run`(`id`) on delete set null on update cascade);',
      ].join(' '),
    );
    this.addSql('create index `archive_host_id_index` on `archive` (`host_id`);');
    this.addSql('create index `archive_snapshot_id_index` on `archive` (`snapshot_id`);');
    this.addSql('create index `archive_run_id_index` on `archive` (`run_id`);');
    this.addSql('create index `archive_host_id_option_set_created_at_index` on `archive` (`host_id`, `option_set`, `created_at`);');
  }
}
