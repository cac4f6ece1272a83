/**
 * Every migration, oldest first. Listed here rather than discovered on disk so they run the
 * same from the TypeScript sources (tests) and the compiled build.
 */
import type { Migration } from '@mikro-orm/migrations';
import { Migration20261123000000Foundation } from './Migration20261123000000Foundation.js';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

export const MIGRATIONS: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20261123000000Foundation', class: Migration20261123000000Foundation },
];
