import { Migration } from '@mikro-orm/migrations';

/** Retention policies (global default, host override) and the mark of a snapshot being deleted. */
export class Migration20261123150000Retention extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `host` add column `retention` json null;');
    this.addSql('alter table `global_config` add column `retention` json null;');
    this.addSql('alter table `snapshot` add column `deleting_at` datetime null;');
  }
}
