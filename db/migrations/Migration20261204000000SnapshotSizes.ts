import { Migration } from '@mikro-orm/migrations';

/**
 * A snapshot's size on disk, measured once and kept: what deleting it would free and its full
 * size, when they were measured, and among how many snapshots of its host (what it frees
 * changes when a newer snapshot links to its files, or an older one sharing them goes).
 */
export class Migration20261204000000SnapshotSizes extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `snapshot` add column `size_freed` integer null;');
    this.addSql('alter table `snapshot` add column `size_total` integer null;');
    this.addSql('alter table `snapshot` add column `sized_at` datetime null;');
    this.addSql('alter table `snapshot` add column `sized_among` integer null;');
  }
}
