import { Migration } from '@mikro-orm/migrations';

/**
 * The MariaDB catalogue as SQLite's migrations leave it after Migration20261204100000ScaleIndexes:
 * one baseline, since every MariaDB catalogue starts at that schema (new, or filled by `pobsync
 * catalogue migrate`). It is what MikroORM's schema generator makes of the entities on pobsync's
 * MariaDB platform (DATETIME(3), BIGINT: source/catalogue/mariadb.ts), with keys and foreign keys
 * inside each CREATE TABLE (one statement per table: on InnoDB each ALTER costs a table rebuild),
 * plus the one thing entities cannot say: the host lock.
 */
export class Migration20261204100000Baseline extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE \`global_config\` (
        \`id\` bigint(20) unsigned NOT NULL,
        \`backup_root\` varchar(255) DEFAULT NULL,
        \`time_zone\` varchar(255) DEFAULT NULL,
        \`max_concurrent\` bigint(20) NOT NULL DEFAULT 2,
        \`shutdown_grace_seconds\` bigint(20) NOT NULL DEFAULT 30,
        \`default_rsync_args\` json NOT NULL,
        \`updated_at\` datetime(3) NOT NULL,
        \`retention\` json DEFAULT NULL,
        \`alerts\` json DEFAULT NULL,
        \`retries\` bigint(20) NOT NULL DEFAULT 2,
        \`retry_delay_seconds\` bigint(20) NOT NULL DEFAULT 300,
        \`hook_timeout_seconds\` bigint(20) NOT NULL DEFAULT 60,
        \`keep_runs\` bigint(20) NOT NULL DEFAULT 100,
        \`metrics_textfile\` varchar(255) DEFAULT NULL,
        \`catalogue_id\` varchar(255) DEFAULT NULL,
        \`archive_auto_purge\` tinyint(1) NOT NULL DEFAULT 0,
        PRIMARY KEY (\`id\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql(`CREATE TABLE \`host\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`name\` varchar(255) NOT NULL,
        \`address\` varchar(255) NOT NULL,
        \`user\` varchar(255) NOT NULL,
        \`port\` bigint(20) NOT NULL,
        \`sources\` json NOT NULL,
        \`excludes\` json NOT NULL,
        \`rsync_args\` json NOT NULL,
        \`enabled\` tinyint(1) NOT NULL DEFAULT 1,
        \`created_at\` datetime(3) NOT NULL,
        \`updated_at\` datetime(3) NOT NULL,
        \`retention\` json DEFAULT NULL,
        \`dumps\` json NOT NULL DEFAULT '[]',
        \`access\` enum('full','restricted') NOT NULL DEFAULT 'full',
        \`max_age_seconds\` bigint(20) DEFAULT NULL,
        \`alerts\` json DEFAULT NULL,
        \`retries\` bigint(20) DEFAULT NULL,
        \`retry_delay_seconds\` bigint(20) DEFAULT NULL,
        \`failing_since\` datetime(3) DEFAULT NULL,
        \`stale_since\` datetime(3) DEFAULT NULL,
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`host_name_unique\` (\`name\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql(`CREATE TABLE \`schedule\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`host_id\` bigint(20) unsigned NOT NULL,
        \`name\` varchar(255) NOT NULL,
        \`cron\` varchar(255) NOT NULL,
        \`time_zone\` varchar(255) DEFAULT NULL,
        \`prune\` tinyint(1) NOT NULL DEFAULT 0,
        \`enabled\` tinyint(1) NOT NULL DEFAULT 1,
        \`action\` varchar(255) NOT NULL DEFAULT 'backup',
        \`last_fired_at\` datetime(3) DEFAULT NULL,
        \`created_at\` datetime(3) NOT NULL,
        \`updated_at\` datetime(3) NOT NULL,
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`schedule_host_id_name_unique\` (\`host_id\`,\`name\`),
        KEY \`schedule_host_id_index\` (\`host_id\`),
        CONSTRAINT \`schedule_host_id_foreign\` FOREIGN KEY (\`host_id\`) REFERENCES \`host\` (\`id\`) ON DELETE CASCADE ON UPDATE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql(`CREATE TABLE \`scheduler_lease\` (
        \`name\` varchar(255) NOT NULL,
        \`holder\` varchar(255) NOT NULL,
        \`pid\` bigint(20) NOT NULL,
        \`node\` varchar(255) NOT NULL,
        \`pid_start\` varchar(255) DEFAULT NULL,
        \`role\` varchar(255) NOT NULL,
        \`acquired_at\` datetime(3) NOT NULL,
        \`heartbeat_at\` datetime(3) NOT NULL,
        \`expires_at\` datetime(3) NOT NULL,
        \`home\` varchar(255) DEFAULT NULL,
        PRIMARY KEY (\`name\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql(`CREATE TABLE \`snapshot\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`host_id\` bigint(20) unsigned NOT NULL,
        \`name\` varchar(255) NOT NULL,
        \`kind\` enum('scheduled','manual','safety','replica') NOT NULL,
        \`status\` enum('complete','partial') NOT NULL,
        \`path\` varchar(255) NOT NULL,
        \`started_at\` datetime(3) NOT NULL,
        \`finished_at\` datetime(3) NOT NULL,
        \`base_id\` bigint(20) unsigned DEFAULT NULL,
        \`stats\` json DEFAULT NULL,
        \`protected\` tinyint(1) NOT NULL DEFAULT 0,
        \`created_at\` datetime(3) NOT NULL,
        \`deleting_at\` datetime(3) DEFAULT NULL,
        \`dumps\` json NOT NULL DEFAULT '[]',
        \`missing_since\` datetime(3) DEFAULT NULL,
        \`size_freed\` bigint(20) DEFAULT NULL,
        \`size_total\` bigint(20) DEFAULT NULL,
        \`sized_at\` datetime(3) DEFAULT NULL,
        \`sized_among\` bigint(20) DEFAULT NULL,
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`snapshot_host_id_name_unique\` (\`host_id\`,\`name\`),
        KEY \`snapshot_host_id_index\` (\`host_id\`),
        KEY \`snapshot_base_id_index\` (\`base_id\`),
        KEY \`snapshot_host_id_started_at_index\` (\`host_id\`,\`started_at\`),
        KEY \`snapshot_host_id_deleting_at_missing_since_kind_started_at_index\`
          (\`host_id\`,\`deleting_at\`,\`missing_since\`,\`kind\`,\`started_at\`),
        CONSTRAINT \`snapshot_base_id_foreign\` FOREIGN KEY (\`base_id\`) REFERENCES \`snapshot\` (\`id\`)
          ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT \`snapshot_host_id_foreign\` FOREIGN KEY (\`host_id\`) REFERENCES \`host\` (\`id\`) ON DELETE CASCADE ON UPDATE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    // The host lock, at most one running run per host: SQLite says it with a partial unique index
    // (run_one_running_per_host); MariaDB with a unique key on a column that holds the host only while
    // the run is running.
    this.addSql(`CREATE TABLE \`run\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`host_id\` bigint(20) unsigned NOT NULL,
        \`kind\` enum('scheduled','manual','safety','restore','verify','archive','replicate') NOT NULL,
        \`status\` enum('queued','running','succeeded','partial','failed','cancelled','interrupted','skipped') NOT NULL,
        \`queued_at\` datetime(3) NOT NULL,
        \`started_at\` datetime(3) DEFAULT NULL,
        \`finished_at\` datetime(3) DEFAULT NULL,
        \`pid\` bigint(20) DEFAULT NULL,
        \`node\` varchar(255) DEFAULT NULL,
        \`pid_start\` varchar(255) DEFAULT NULL,
        \`log_path\` varchar(255) DEFAULT NULL,
        \`progress\` json DEFAULT NULL,
        \`stats\` json DEFAULT NULL,
        \`error\` text DEFAULT NULL,
        \`base_id\` bigint(20) unsigned DEFAULT NULL,
        \`snapshot_id\` bigint(20) unsigned DEFAULT NULL,
        \`schedule_id\` bigint(20) unsigned DEFAULT NULL,
        \`scheduled_for\` datetime(3) DEFAULT NULL,
        \`prune\` tinyint(1) NOT NULL DEFAULT 0,
        \`cancel_requested\` tinyint(1) NOT NULL DEFAULT 0,
        \`restore\` json DEFAULT NULL,
        \`attempt\` bigint(20) NOT NULL DEFAULT 1,
        \`not_before\` datetime(3) DEFAULT NULL,
        \`details\` json DEFAULT NULL,
        \`running_host_id\` bigint(20) unsigned GENERATED ALWAYS AS (if(\`status\` = 'running',\`host_id\`,NULL)) VIRTUAL,
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`run_schedule_id_scheduled_for_unique\` (\`schedule_id\`,\`scheduled_for\`),
        UNIQUE KEY \`run_one_running_per_host\` (\`running_host_id\`),
        KEY \`run_host_id_index\` (\`host_id\`),
        KEY \`run_base_id_index\` (\`base_id\`),
        KEY \`run_snapshot_id_index\` (\`snapshot_id\`),
        KEY \`run_schedule_id_index\` (\`schedule_id\`),
        KEY \`run_status_index\` (\`status\`),
        KEY \`run_host_id_queued_at_index\` (\`host_id\`,\`queued_at\`),
        KEY \`run_host_id_kind_status_index\` (\`host_id\`,\`kind\`,\`status\`),
        CONSTRAINT \`run_base_id_foreign\` FOREIGN KEY (\`base_id\`) REFERENCES \`snapshot\` (\`id\`)
          ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT \`run_host_id_foreign\` FOREIGN KEY (\`host_id\`) REFERENCES \`host\` (\`id\`) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT \`run_schedule_id_foreign\` FOREIGN KEY (\`schedule_id\`) REFERENCES \`schedule\` (\`id\`)
          ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT \`run_snapshot_id_foreign\` FOREIGN KEY (\`snapshot_id\`) REFERENCES \`snapshot\` (\`id\`)
          ON DELETE SET NULL ON UPDATE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    this.addSql(`CREATE TABLE \`archive\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`host_id\` bigint(20) unsigned NOT NULL,
        \`snapshot_name\` varchar(255) NOT NULL,
        \`snapshot_id\` bigint(20) unsigned DEFAULT NULL,
        \`option_set\` varchar(255) NOT NULL,
        \`path\` varchar(255) NOT NULL,
        \`bytes\` bigint(20) NOT NULL,
        \`blake2b\` varchar(255) NOT NULL,
        \`files\` bigint(20) NOT NULL,
        \`created_at\` datetime(3) NOT NULL,
        \`deprecated_at\` datetime(3) DEFAULT NULL,
        \`purged_at\` datetime(3) DEFAULT NULL,
        \`run_id\` bigint(20) unsigned DEFAULT NULL,
        PRIMARY KEY (\`id\`),
        KEY \`archive_host_id_index\` (\`host_id\`),
        KEY \`archive_snapshot_id_index\` (\`snapshot_id\`),
        KEY \`archive_run_id_index\` (\`run_id\`),
        KEY \`archive_host_id_option_set_created_at_index\` (\`host_id\`,\`option_set\`,\`created_at\`),
        CONSTRAINT \`archive_host_id_foreign\` FOREIGN KEY (\`host_id\`) REFERENCES \`host\` (\`id\`) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT \`archive_run_id_foreign\` FOREIGN KEY (\`run_id\`) REFERENCES \`run\` (\`id\`) ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT \`archive_snapshot_id_foreign\` FOREIGN KEY (\`snapshot_id\`) REFERENCES \`snapshot\` (\`id\`)
          ON DELETE SET NULL ON UPDATE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
  }
}
