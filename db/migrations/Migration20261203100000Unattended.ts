import { Migration } from '@mikro-orm/migrations';

/**
 * Running unattended: hosts' max age, alert hooks, retry settings and alert state; the global
 * alert hooks, retries, hook timeout, how many runs to keep and the metrics textfile; a run's
 * attempt and the time a retry waits for; the home of the scheduler lease's holder. Columns only
 * (SQLite adds each after the table's last one), no table is rebuilt.
 */
export class Migration20261203100000Unattended extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `host` add column `max_age_seconds` integer null;');
    this.addSql('alter table `host` add column `alerts` json null;');
    this.addSql('alter table `host` add column `retries` integer null;');
    this.addSql('alter table `host` add column `retry_delay_seconds` integer null;');
    this.addSql('alter table `host` add column `failing_since` datetime null;');
    this.addSql('alter table `host` add column `stale_since` datetime null;');
    this.addSql('alter table `global_config` add column `alerts` json null;');
    this.addSql('alter table `global_config` add column `retries` integer not null default 2;');
    this.addSql('alter table `global_config` add column `retry_delay_seconds` integer not null default 300;');
    this.addSql('alter table `global_config` add column `hook_timeout_seconds` integer not null default 60;');
    this.addSql('alter table `global_config` add column `keep_runs` integer not null default 100;');
    this.addSql('alter table `global_config` add column `metrics_textfile` text null;');
    this.addSql('alter table `run` add column `attempt` integer not null default 1;');
    this.addSql('alter table `run` add column `not_before` datetime null;');
    this.addSql('alter table `scheduler_lease` add column `home` text null;');
  }
}
