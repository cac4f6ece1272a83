#!/usr/bin/env node
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Bundles the CLI into dist/pobsync.mjs, with what it loads on demand (the TUI, the catalogue,
// each command) split into dist/chunks/. Start-up time is what this buys: a command otherwise
// spends most of its first half second finding and reading the hundreds of small modules of
// MikroORM, knex and Ink, and one big bundle would make every command parse all of them.
// Type checking is tsc's job (npm run build runs both).
import { build } from 'esbuild';
import { EXTERNAL_PACKAGES } from './build/externals.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });

/**
 * MikroORM reads its own version with require('../../package.json') (from its sources) and then
 * require('../package.json') (from its build). In a bundle the first would find pobsync's own
 * package.json from dist/chunks/: point it at MikroORM's, so its version check sees 6.x.
 */
const mikroOrmVersion = {
  name: 'mikro-orm-version',
  setup(context) {
    context.onResolve({ filter: /^\.\.\/\.\.\/package\.json$/ }, (args) =>
      args.importer.includes('/node_modules/@mikro-orm/core/')
        ? { path: join(root, 'node_modules/@mikro-orm/core/package.json') }
        : undefined,
    );
  },
};

/**
 * Ink 6.8 caches the size of every text it ever measured, in a Map that never shrinks: a log
 * streaming unique lines grows it without end (about 70 MB per million lines). Bound it.
 */
const inkMeasureCache = {
  name: 'ink-measure-cache',
  setup(context) {
    context.onLoad({ filter: /[\\/]ink[\\/]build[\\/]measure-text\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replace(
        'cache.set(text, dimensions);',
        'if (cache.size >= 10000) cache.clear();\n    cache.set(text, dimensions);',
      );
      if (patched === source) throw new Error(`${args.path} changed: check whether its text cache is still unbounded`);
      return { contents: patched, loader: 'js' };
    });
  },
};

/**
 * meow's bundled dependencies normalize a package.json at import time, only to have the function
 * ready: the SPDX licence tables it builds (sorted with localeCompare) cost every command tens of
 * milliseconds of start-up. pobsync never asks meow for its package data: make it lazy.
 */
const meowLazyNormalize = {
  name: 'meow-lazy-normalize',
  setup(context) {
    context.onLoad({ filter: /[\\/]meow[\\/]build[\\/]dependencies\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replace(
        'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);',
        'const normalizePackageData = (...args) => getDefaultExportFromCjs(requireNormalize())(...args);',
      );
      if (patched === source) throw new Error(`${args.path} changed: check whether it still normalizes at import time`);
      return { contents: patched, loader: 'js' };
    });
  },
};

await build({
  entryPoints: { pobsync: join(root, 'source/cli.ts') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [mikroOrmVersion, inkMeasureCache, meowLazyNormalize],
  // CommonJS dependencies inside ES modules still call require() (every chunk gets one).
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  alias: { 'react-devtools-core': join(root, 'scripts/build/react-devtools-core.js'), 'is-in-ci': join(root, 'scripts/build/is-in-ci.js') },
  external: EXTERNAL_PACKAGES,
});
