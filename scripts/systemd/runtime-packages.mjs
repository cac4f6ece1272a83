#!/usr/bin/env node
// Prints the package directories the built app loads from node_modules at run time, relative to
// the checkout: the externals of the bundle that are installed here (scripts/build/externals.mjs),
// with their dependencies, found as Node finds them. Everything else is inside dist/. Optional
// dependencies are left out: they are build tools (sqlite3's node-gyp), already done with.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTERNAL_PACKAGES } from '../build/externals.mjs';

const checkout = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The directory of package `name` as Node resolves it from `from`, or undefined. */
function packageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const found = new Set();
const visit = (name, from, optional) => {
  const dir = packageDir(name, from);
  if (!dir) {
    if (optional) return;
    throw new Error(`${name}, needed at run time, is not installed (from ${relative(checkout, from) || '.'}): run ./scripts/setup`);
  }
  if (found.has(dir)) return;
  found.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dependency of Object.keys(pkg.dependencies ?? {})) visit(dependency, dir, false);
};
for (const name of EXTERNAL_PACKAGES.filter((name) => !name.includes('*'))) visit(name, checkout, true);

// A package inside one already listed comes with it.
const dirs = [...found].map((dir) => relative(checkout, dir)).sort();
const top = dirs.filter((dir) => !dirs.some((other) => other !== dir && dir.startsWith(`${other}${sep}`)));
process.stdout.write(top.map((dir) => `${dir}\n`).join(''));
