// What the bundle leaves to node_modules at run time: native code, and drivers and tools that
// knex and MikroORM load only when configured for them. scripts/build.mjs keeps them out of the
// bundle; scripts/install-systemd installs those of them that are installed here, with their
// own dependencies, and nothing else (everything else is in dist/).
export const EXTERNAL_PACKAGES = [
  // native: loaded from node_modules at run time
  'sqlite3',
  // drivers and tools knex and MikroORM load only when configured for them
  'pg',
  'pg-query-stream',
  'mysql',
  'mysql2',
  'oracledb',
  'tedious',
  'better-sqlite3',
  'libsql',
  '@libsql/*',
  'mariadb',
  '@mikro-orm/entity-generator',
  '@mikro-orm/seeder',
  '@mikro-orm/cli',
  '@mikro-orm/reflection',
  'ts-morph',
];
