#!/usr/bin/env node
// The formatter wraps code at biome.json's lineWidth but cannot break a long string or comment:
// this finds those lines, so no line of the tree runs past the width anyone reads it at.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const width = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')).formatter.lineWidth;
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx', '*.mjs', '*.js'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => path !== '' && !path.startsWith('test/unit/fixtures/'));
const long = [];
for (const path of tracked) {
  let text;
  try {
    text = readFileSync(join(root, path), 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, index) => {
    if ([...line].length > width) long.push(`${path}:${index + 1}: ${[...line].length} characters`);
  });
}
if (long.length > 0) {
  process.stderr.write(`${long.join('\n')}\n${long.length} lines are longer than ${width} characters: split the string or comment\n`);
  process.exit(1);
}
