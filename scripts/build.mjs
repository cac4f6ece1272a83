#!/usr/bin/env node
// Bundles the CLI (and the TUI it loads) into dist/pobsync.mjs. Start-up time is what bundling
// buys: a command otherwise spends most of its first half second finding and reading the
// hundreds of small modules of MikroORM, knex and Ink. Type checking is tsc's job (npm run build).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'source/cli.ts')],
  outfile: join(root, 'dist/pobsync.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module still call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  alias: { 'react-devtools-core': join(root, 'scripts/build/react-devtools-core.js') },
  external: [
    // native: loaded from node_modules at run time
    'sqlite3',
    // drivers and tools knex and MikroORM load only when configured for them
    'pg', 'pg-query-stream', 'mysql', 'mysql2', 'oracledb', 'tedious', 'better-sqlite3', 'libsql', '@libsql/*', 'mariadb',
    '@mikro-orm/entity-generator', '@mikro-orm/seeder', '@mikro-orm/cli', '@mikro-orm/reflection', 'ts-morph',
  ],
});
