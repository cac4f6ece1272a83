import { Migration } from '@mikro-orm/migrations';

/** Hosts, schedules, snapshots and runs: the catalogue the foundation needs. */
export class Migration20261123000000Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      [
        'create table `global_config` (`id` integer not null, `backup_root` text null, `time_zone` text null,',
        '`max_concurrent` integer not null default 2, `default_rsync_args` json not null,',
        '`updated_at` datetime not null, primary key (`id`));',
      ].join(' '),
    );

    this.addSql(
      [
        'create table `host` (`id` integer not null primary key autoincrement, `name` text not null,',
        '`address` text not null, `user` text not null, `port` integer not null, `sources` json not null,',
        '`excludes` json not null, `rsync_args` json not null, `enabled` integer not null default true,',
        '`created_at` datetime not null, `updated_at` datetime not null);',
      ].join(' '),
    );
    this.addSql('create unique index `host_name_unique` on `host` (`name`);');

    this.addSql(
      [
        'create table `schedule` (`id` integer not null primary key autoincrement, `host_id` integer not null,',
        '`name` text not null, `cron` text not null, `time_zone` text null,',
        '`prune` integer not null default false, `enabled` integer not null default true,',
        '`created_at` datetime not null, `updated_at` datetime not null,',
        'constraint `schedule_host_id_foreign` foreign key(`host_id`) references `host`(`id`) on delete cascade on update cascade);',
      ].join(' '),
    );
    this.addSql('create index `schedule_host_id_index` on `schedule` (`host_id`);');
    this.addSql('create unique index `schedule_host_id_name_unique` on `schedule` (`host_id`, `name`);');

    this.addSql(
      [
        'create table `snapshot` (`id` integer not null primary key autoincrement, `host_id` integer not null,',
        "`name` text not null, `kind` text check (`kind` in ('scheduled', 'manual', 'safety')) not null,",
        "`status` text check (`status` in ('complete', 'partial')) not null, `path` text not null,",
        '`started_at` datetime not null, `finished_at` datetime not null, `base_id` integer null,',
        '`stats` json null, `protected` integer not null default false, `created_at` datetime not null,',
        'constraint `snapshot_host_id_foreign` foreign key(`host_id`) references `host`(`id`) on delete cascade on update cascade,',
        'constraint `snapshot_base_id_foreign` foreign key(`base_id`) references `snapshot`(`id`) on delete set null on update cascade);',
      ].join(' '),
    );
    this.addSql('create index `snapshot_host_id_index` on `snapshot` (`host_id`);');
    this.addSql('create index `snapshot_base_id_index` on `snapshot` (`base_id`);');
    this.addSql('create index `snapshot_host_id_started_at_index` on `snapshot` (`host_id`, `started_at`);');
    this.addSql('create unique index `snapshot_host_id_name_unique` on `snapshot` (`host_id`, `name`);');

    this.addSql(
      [
        'create table `backup_run` (`id` integer not null primary key autoincrement, `host_id` integer not null,',
        "`kind` text check (`kind` in ('scheduled', 'manual', 'safety', 'restore')) not null,",
        "`status` text check (`status` in ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled',",
        "'interrupted')) not null, `queued_at` datetime not null, `started_at` datetime null,",
        '`finished_at` datetime null, `pid` integer null, `node` text null, `pid_start` text null,',
        '`log_path` text null, `progress` json null, `stats` json null, `error` text null,',
        '`base_id` integer null, `snapshot_id` integer null,',
        'constraint `backup_run_host_id_foreign` foreign key(`host_id`) references `host`(`id`) on delete cascade on update cascade,',
        'constraint `backup_run_base_id_foreign` foreign key(`base_id`) references `snapshot`(`id`) on delete set null on update cascade,',
        'constraint `backup_run_snapshot_id_foreign` foreign key(`snapshot_id`)',
        'references `snapshot`(`id`) on delete set null on update cascade);',
      ].join(' '),
    );
    this.addSql('create index `backup_run_host_id_index` on `backup_run` (`host_id`);');
    this.addSql('create index `backup_run_base_id_index` on `backup_run` (`base_id`);');
    this.addSql('create index `backup_run_snapshot_id_index` on `backup_run` (`snapshot_id`);');
    this.addSql('create index `backup_run_status_index` on `backup_run` (`status`);');
    this.addSql('create index `backup_run_host_id_queued_at_index` on `backup_run` (`host_id`, `queued_at`);');
    // The host lock: at most one running run per host, enforced by SQLite itself.
    this.addSql("create unique index `backup_run_one_running_per_host` on `backup_run` (`host_id`) where `status` = 'running';");
  }
}
