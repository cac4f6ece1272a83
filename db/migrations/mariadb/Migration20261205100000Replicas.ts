import { Migration } from '@mikro-orm/migrations';

/** MariaDB's twin of ../Migration20261205100000Replicas.ts: the same nullable columns. */
export class Migration20261205100000Replicas extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `host` add column `replica_of` varchar(255) null default null;');
    this.addSql('alter table `snapshot` add column `origin` json null default null;');
    this.addSql(
      'alter table `schedule` add column `replicate_from` varchar(255) null default null, ' +
        'add column `remote_pobsync` json null default null;',
    );
  }
}
