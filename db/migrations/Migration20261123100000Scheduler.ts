import { Migration } from '@mikro-orm/migrations';

/**
 * The scheduler: the lease row, schedules' last fire, runs that remember their schedule and
 * fire time (unique, so one fire makes one run), cancel requests, prune-after-backup, and the
 * `skipped` status (a CHECK constraint, so backup_run is rebuilt; nothing references it).
 */
export class Migration20261123100000Scheduler extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `global_config` add column `shutdown_grace_seconds` integer not null default 30;');
    this.addSql('alter table `schedule` add column `last_fired_at` datetime null;');
    this.addSql(
      [
        'create table `scheduler_lease` (`name` text not null, `holder` text not null, `pid` integer not null,',
        '`node` text not null, `pid_start` text null, `role` text not null, `acquired_at` datetime not null,',
        '`heartbeat_at` datetime not null, `expires_at` datetime not null, primary key (`name`));',
      ].join(' '),
    );

    this.addSql(
      [
        'create table `backup_run__new` (`id` integer not null primary key autoincrement,',
        "`host_id` integer not null, `kind` text check (`kind` in ('scheduled', 'manual', 'safety',",
        "'restore')) not null, `status` text check (`status` in ('queued', 'running', 'succeeded', 'partial',",
        "'failed', 'cancelled', 'interrupted', 'skipped')) not null, `queued_at` datetime not null,",
        '`started_at` datetime null, `finished_at` datetime null, `pid` integer null, `node` text null,',
        '`pid_start` text null, `log_path` text null, `progress` json null, `stats` json null, `error` text null,',
        '`base_id` integer null, `snapshot_id` integer null, `schedule_id` integer null,',
        '`scheduled_for` datetime null, `prune` integer not null default false,',
        '`cancel_requested` integer not null default false,',
        'constraint `backup_run_host_id_foreign` foreign key(`host_id`) references `host`(`id`) on delete cascade on update cascade,',
        'constraint `backup_run_base_id_foreign` foreign key(`base_id`) references `snapshot`(`id`) on delete set null on update cascade,',
        'constraint `backup_run_snapshot_id_foreign` foreign key(`snapshot_id`)',
        'references `snapshot`(`id`) on delete set null on update cascade,',
        'constraint `backup_run_schedule_id_foreign` foreign key(`schedule_id`)',
        'references `schedule`(`id`) on delete set null on update cascade);',
      ].join(' '),
    );
    this.addSql(
      [
        'insert into `backup_run__new` (`id`, `host_id`, `kind`, `status`, `queued_at`, `started_at`,',
        '`finished_at`, `pid`, `node`, `pid_start`, `log_path`, `progress`, `stats`, `error`, `base_id`,',
        '`snapshot_id`) select `id`, `host_id`, `kind`, `status`, `queued_at`, `started_at`, `finished_at`,',
        '`pid`, `node`, `pid_start`, `log_path`, `progress`, `stats`, `error`, `base_id`,',
        '`snapshot_id` from `backup_run`;',
      ].join(' '),
    );
    this.addSql('drop table `backup_run`;');
    this.addSql('alter table `backup_run__new` rename to `backup_run`;');
    this.addSql('create index `backup_run_host_id_index` on `backup_run` (`host_id`);');
    this.addSql('create index `backup_run_base_id_index` on `backup_run` (`base_id`);');
    this.addSql('create index `backup_run_snapshot_id_index` on `backup_run` (`snapshot_id`);');
    this.addSql('create index `backup_run_schedule_id_index` on `backup_run` (`schedule_id`);');
    this.addSql('create index `backup_run_status_index` on `backup_run` (`status`);');
    this.addSql('create index `backup_run_host_id_queued_at_index` on `backup_run` (`host_id`, `queued_at`);');
    this.addSql('create unique index `backup_run_schedule_id_scheduled_for_unique` on `backup_run` (`schedule_id`, `scheduled_for`);');
    this.addSql("create unique index `backup_run_one_running_per_host` on `backup_run` (`host_id`) where `status` = 'running';");
  }
}
