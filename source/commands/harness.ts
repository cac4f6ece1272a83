/**
 * Runs one subcommand: parses its flags (flags.ts), refuses unknown ones, opens the catalogue
 * on demand, and turns errors into one line on stderr and the exit code of DESIGN.md
 * (0 done, 1 failed, 2 bad usage or input).
 */
import { UserError } from '../domain/errors.js';
import { type App, openApp, pathsFor, resolveHome } from '../services/app.js';
import { COMMON_FLAGS, type Command, type CommandInput, type FlagSpecs, type Flags } from './command.js';
import { kebab, parseArgv } from './flags.js';
import { reportError } from './output.js';

export async function runCommand(name: string, command: Command<FlagSpecs>, rawArgv: string[]): Promise<number> {
  if (rawArgv.includes('--help') || rawArgv.includes('-h')) {
    process.stdout.write(`${command.help.trim()}\n`);
    return 0;
  }
  // `ps` and `top` show "pobsync", not "node" (meow, which parsed flags before flags.ts, did this).
  process.title = 'pobsync';
  const specs: FlagSpecs = { ...COMMON_FLAGS, ...command.flags };
  const debug = rawArgv.includes('--debug');
  let app: App | undefined;
  try {
    const parsed = parseArgv(name, specs, rawArgv);
    const flags = parsed.flags as unknown as Flags<FlagSpecs>;
    const extra = parsed.args.slice(command.positionals ?? 0);
    if (extra.length > 0) {
      throw new UserError(
        `unexpected argument ${JSON.stringify(extra[0])} for "pobsync ${name}": "pobsync ${name} --help" shows its usage`,
      );
    }
    const input: CommandInput<FlagSpecs> = {
      args: parsed.args,
      flags,
      given: (flag) => parsed.given.has(flag),
      exclusive: (...names) => {
        const present = names.filter((flag) => parsed.given.has(flag)).map((flag) => `--${kebab(flag)}`);
        if (present.length > 1) throw new UserError(`${present.join(' and ')} contradict each other: give one of them`);
      },
      app: async () => (app ??= await openApp(resolveHome(flags.home))),
      paths: () => pathsFor(resolveHome(flags.home)),
    };
    return (await command.run(input)) ?? 0;
  } catch (error) {
    return reportError(error, debug);
  } finally {
    await app?.close();
  }
}
