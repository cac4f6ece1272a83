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
    context.onLoad({ filter: /[\\/]ink[\\/]build[\\/]measure-text\.js$/ }, (args) =>
      patchFile(
        args.path,
        [['cache.set(text, dimensions);', 'if (cache.size >= 1000) cache.clear();\n    cache.set(text, dimensions);']],
        'its text cache is still unbounded',
      ),
    );
  },
};

/** Replaces each `[from, to]` in a dependency's file, failing the build when one no longer matches. */
function patchFile(path, replacements, why) {
  let source = readFileSync(path, 'utf8');
  for (const [from, to] of replacements) {
    if (!source.includes(from)) throw new Error(`${path} changed: check whether ${why}`);
    source = source.replace(from, to);
  }
  return { contents: source, loader: 'js' };
}

/**
 * What one frame of Ink 6.8 costs, cut without changing what it draws (a frame is the whole screen,
 * redrawn ten times a second while a log streams, so this is most of the TUI's CPU and garbage):
 * - its output keeps, per frame, each line split into styled characters: kept over frames instead
 *   (for the lines of the last frames, so a frame only splits what is new);
 * - every empty cell of a frame was an object of its own: one shared cell;
 * - each character carried its own copy of its styles, and joining them again compared every two
 *   neighbours' styles with new Sets: characters of one run of a style share it, and a neighbour
 *   with the same styles needs no comparison;
 * - a row whose cells are the last frame's reads as that row did, without joining its cells again;
 * - the width of every text was measured again each frame: taken from Ink's own (bounded) measure cache;
 * - its text wrapping caches every text it ever wrapped, without end (a streaming log): bounded.
 */
const inkFrameCost = {
  name: 'ink-frame-cost',
  setup(context) {
    const why = 'the frame cost patches of scripts/build.mjs still apply';
    context.onLoad({ filter: /[\\/]ink[\\/]build[\\/]output\.js$/ }, (args) =>
      patchFile(
        args.path,
        [
          [
            'class OutputCaches {',
            `/** Lines used in the last frames: looked up in the newest generation, then in the one before. */
class Generations {
    current = new Map();
    previous = new Map();
    constructor(limit) {
        this.limit = limit;
    }
    get(key) {
        let value = this.current.get(key);
        if (value === undefined) {
            value = this.previous.get(key);
            if (value !== undefined) this.set(key, value);
        }
        return value;
    }
    set(key, value) {
        if (this.current.size >= this.limit) {
            this.previous = this.current;
            this.current = new Map();
        }
        this.current.set(key, value);
    }
}
const BLANK = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });
class OutputCaches {`,
          ],
          [
            '    widths = new Map();\n    blockWidths = new Map();\n    styledChars = new Map();',
            '    widths = new Generations(2000);\n    blockWidths = new Generations(500);\n    styledChars = new Generations(200);',
          ],
          ['    caches = new OutputCaches();', '    static sharedCaches = new OutputCaches();\n    caches = Output.sharedCaches;'],
          [
            `            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }`,
            '            const row = new Array(this.width).fill(BLANK);',
          ],
          [
            `        const generatedOutput = output
            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })`,
            `        const generatedOutput = output
            .map((line, y) => {
            // A row of the very cells of the last frame's row reads as that row did.
            const last = Output.lastRows[y];
            if (last && last.cells.length === line.length && last.cells.every((cell, x) => cell === line[x])) {
                return last.text;
            }
            const text = styledCharsToString(line.filter(item => item !== undefined)).trimEnd();
            Output.lastRows[y] = { cells: line, text };
            return text;
        })`,
          ],
          [
            'export default class Output {',
            `export default class Output {
    /** the cells and text of each row of the last frame */
    static lastRows = [];`,
          ],
        ],
        why,
      ),
    );
    context.onLoad({ filter: /[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/ }, (args) =>
      patchFile(
        args.path,
        [
          ["import widestLine from 'widest-line';", "import measureText from './measure-text.js';"],
          ['        const currentWidth = widestLine(text);', '        const currentWidth = measureText(text).width;'],
        ],
        why,
      ),
    );
    context.onLoad({ filter: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, (args) =>
      patchFile(
        args.path,
        [
          ['                styles: [...codes],', '                styles: codes,'],
          [
            '            ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
            `            const before = chars[i - 1].styles;
            if (!sameStyles(before, char.styles))
                ret += ansiCodesToString(diffAnsiCodes(before, char.styles));`,
          ],
          [
            '            ret += ansiCodesToString(diffAnsiCodes(char.styles, []));',
            '            if (char.styles.length > 0)\n                ret += ansiCodesToString(diffAnsiCodes(char.styles, []));',
          ],
          [
            'export function styledCharsToString(chars) {',
            `function sameStyles(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
        if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
    }
    return true;
}
export function styledCharsToString(chars) {`,
          ],
        ],
        why,
      ),
    );
    context.onLoad({ filter: /[\\/]ink[\\/]build[\\/]wrap-text\.js$/ }, (args) =>
      patchFile(
        args.path,
        [
          ['const cache = {};', 'let cache = new Map();'],
          ['    const cachedText = cache[cacheKey];', '    const cachedText = cache.get(cacheKey);'],
          ['    cache[cacheKey] = wrappedText;', '    if (cache.size >= 1000) cache = new Map();\n    cache.set(cacheKey, wrappedText);'],
        ],
        why,
      ),
    );
  },
};

/**
 * React, its reconciler and scheduler in their production builds only. The TUI runs them so
 * (cli.ts sets NODE_ENV), but their entry files choose at run time, so the bundle carried the
 * development builds too (a megabyte of the reconciler alone) for every start to read and parse.
 */
const reactProduction = {
  name: 'react-production',
  setup(context) {
    context.onLoad({ filter: /[\\/]node_modules[\\/](react|react-reconciler|scheduler)[\\/](index|jsx-runtime)\.js$/ }, (args) =>
      patchFile(args.path, [["process.env.NODE_ENV === 'production'", 'true']], 'React still picks its build by NODE_ENV'),
    );
  },
};

/**
 * Yoga (Ink's layout) carries its WebAssembly as a base64 data: URL and, where fetch() exists,
 * fetches it: that first fetch() loads Node's undici, about a tenth of a second of the TUI's
 * start-up before its first frame. Decoded in place instead, as Yoga does where fetch is missing.
 */
const yogaNoFetch = {
  name: 'yoga-no-fetch',
  setup(context) {
    context.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) =>
      patchFile(
        args.path,
        [
          ['function ya(){return w||"function"!=typeof fetch?', 'function ya(){return true?'],
          ['||"function"!=typeof fetch?c(b):fetch(H,', '||true?c(b):fetch(H,'],
        ],
        'Yoga still fetches its wasm',
      ),
    );
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
  plugins: [mikroOrmVersion, inkMeasureCache, inkFrameCost, reactProduction, yogaNoFetch],
  // CommonJS dependencies inside ES modules still call require() (every chunk gets one).
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  alias: { 'react-devtools-core': join(root, 'scripts/build/react-devtools-core.js'), 'is-in-ci': join(root, 'scripts/build/is-in-ci.js') },
  external: EXTERNAL_PACKAGES,
});
