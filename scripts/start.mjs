#!/usr/bin/env node
// `npm start`: builds when the sources are newer than the build, then runs the CLI with the
// arguments given after `npm start --`. With no arguments on a terminal, that is the TUI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/pobsync.mjs');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
if (built < Math.max(newest(join(root, 'source')), newest(join(root, 'db')), statSync(join(root, 'tsconfig.json')).mtimeMs)) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
// The terminal sends Ctrl-C to both of us: the CLI decides what it means, we wait for it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal === 'SIGINT' ? 'SIGINT' : signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
