import { Migration } from '@mikro-orm/migrations';

/**
 * Off-site copies: a host filled by `pobsync replicate` names its peer (host.replica_of), a
 * replica names its origin (snapshot.origin), and a replicate schedule its peer and remote
 * pobsync. Only added, nullable columns.
 */
export class Migration20261205100000Replicas extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `host` add column `replica_of` text null;');
    this.addSql('alter table `snapshot` add column `origin` json null;');
    this.addSql('alter table `schedule` add column `replicate_from` text null;');
    this.addSql('alter table `schedule` add column `remote_pobsync` json null;');
  }
}
