#!/usr/bin/env node
/**
 * pobsync's entry point. `pobsync <command> ...` runs a subcommand; `pobsync` alone opens the
 * terminal UI on a terminal and prints the command list otherwise.
 */
import { readFileSync } from 'node:fs';
import { runCommand, reportError } from './commands/harness.js';
import { commandList, findCommand } from './commands/registry.js';
import { UserError } from './domain/errors.js';

// Everything pobsync creates (catalogue, logs, keys, snapshot directories) is its owner's alone.
process.umask(0o077);

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // `pobsync` (or `pobsync --home DIR`) on a terminal is the TUI; without one, the command list.
  const home = name === '--home' ? rest[0] : name?.startsWith('--home=') ? name.slice('--home='.length) : undefined;
  if ((name === undefined || home !== undefined) && process.stdin.isTTY && process.stdout.isTTY) {
    if (process.env['NO_COLOR']) process.env['FORCE_COLOR'] = '0';
    const [{ runTui }, { resolveHome }] = await Promise.all([import('./tui/run.js'), import('./services/app.js')]);
    try {
      return await runTui(resolveHome(home));
    } catch (error) {
      return reportError(error, argv.includes('--debug'));
    }
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${commandList()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = findCommand(name);
  if (!command) return reportError(new UserError(`unknown command "${name}": "pobsync --help" lists the commands`), false);
  return runCommand(name, (await command.load()).default, rest);
}

const code = await main(process.argv.slice(2));
// Let stdout drain (a pipe may be slow), then exit even if a stray handle is still open.
process.stdout.write('', () => process.exit(code));
