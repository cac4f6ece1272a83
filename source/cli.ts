#!/usr/bin/env node
/**
 * pobsync's entry point. `pobsync <command> ...` runs a subcommand; `pobsync` alone opens the
 * terminal UI on a terminal and prints the command list otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitGlobalOptions } from './commands/global-options.js';
import { reportError } from './commands/output.js';
import { commandList, findCommand } from './commands/registry.js';
import { UserError } from './domain/errors.js';
import { packageRoot } from './engine/package-root.js';

// Everything pobsync creates (catalogue, logs, keys, snapshot directories) is its owner's alone.
process.umask(0o077);
// `pobsync runs | head` closes the pipe early: that is the reader's choice, not an error, and
// it must not end what the command is doing (`pobsync backup web1 2>&1 | head -1` still backs up).
// What would have been printed is dropped; the exit code still tells how it went.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
// A stack trace with --debug points into the sources, not the bundle.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

async function main(argv: string[]): Promise<number> {
  // Global options may come before the command: `pobsync --home DIR status`.
  const { name, rest, home } = splitGlobalOptions(argv);
  // `pobsync` (or `pobsync --home DIR`) on a terminal is the TUI; without one, the command list.
  if (name === undefined && process.stdin.isTTY && process.stdout.isTTY) {
    if (process.env['NO_COLOR']) process.env['FORCE_COLOR'] = '0';
    // React and Ink's reconciler in their production builds: much less work per frame.
    process.env['NODE_ENV'] ??= 'production';
    const [{ startLoading }, { resolveHome }] = await Promise.all([import('./tui/loading.js'), import('./services/app.js')]);
    try {
      // The catalogue opens before Ink, most of the TUI's start-up, begins to load.
      const loading = startLoading(resolveHome(home));
      await loading.headStart;
      const { runTui } = await import('./tui/run.js');
      return await runTui(loading);
    } catch (error) {
      return reportError(error, argv.includes('--debug'));
    }
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${commandList()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = findCommand(name);
  if (!command) return reportError(new UserError(`unknown command "${name}": "pobsync --help" lists the commands`), false);
  const [{ runCommand }, loaded] = await Promise.all([import('./commands/harness.js'), command.load()]);
  return runCommand(name, loaded.default, rest);
}

const code = await main(process.argv.slice(2));
// Let stdout drain (a pipe may be slow), then exit even if a stray handle is still open.
process.stdout.write('', () => process.exit(code));
