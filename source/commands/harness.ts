/**
 * Runs one subcommand: parses its flags with meow, refuses unknown ones, opens the catalogue
 * on demand, and turns errors into one line on stderr and the exit code of DESIGN.md
 * (0 done, 1 failed, 2 bad usage or input, 4 host busy; see domain/exit-codes.ts).
 */
import meow from 'meow';
import { OperationError, UserError } from '../domain/errors.js';
import {
  type App,
  explainCatalogueFailure,
  openChosenApp,
  openChosenReadApp,
  pathsFor,
  type ReadApp,
  resolveHome,
} from '../services/app.js';
import { daemonElsewhere } from '../services/schedule/lease.js';
import { backgroundDeletionsSettled } from '../services/snapshots/background.js';
import { COMMON_FLAGS, type Command, type CommandInput, type FlagSpecs, type Flags } from './command.js';
import { reportError, warn } from './output.js';

export async function runCommand(name: string, command: Command<FlagSpecs>, rawArgv: string[]): Promise<number> {
  if (rawArgv.includes('--help') || rawArgv.includes('-h')) {
    process.stdout.write(`${command.help.trim()}\n`);
    return 0;
  }
  const specs: FlagSpecs = { ...COMMON_FLAGS, ...command.flags };
  const argv = attachValues(specs, rawArgv);
  const debug = argv.includes('--debug');
  let app: App | undefined;
  let readApp: ReadApp | undefined;
  let homeFlag: string | undefined;
  try {
    checkFlags(name, specs, argv);
    const cli = meow({
      importMeta: import.meta,
      argv,
      flags: specs,
      autoHelp: false,
      autoVersion: false,
      allowUnknownFlags: true,
      booleanDefault: undefined,
    });
    const flags = cli.flags as unknown as Flags<FlagSpecs>;
    homeFlag = flags.home;
    const extra = cli.input.map(String).slice(command.positionals ?? 0);
    if (extra.length > 0) {
      throw new UserError(
        `unexpected argument ${JSON.stringify(extra[0])} for "pobsync ${name}": "pobsync ${name} --help" shows its usage`,
      );
    }
    const input: CommandInput<FlagSpecs> = {
      args: cli.input.map(String),
      flags,
      given: (flag) => isGiven(specs, flag, argv),
      exclusive: (...names) => {
        const present = names.filter((flag) => isGiven(specs, flag, argv)).map((flag) => `--${kebab(flag)}`);
        if (present.length > 1) throw new UserError(`${present.join(' and ')} contradict each other: give one of them`);
      },
      app: async () => {
        if (app) return app;
        app = await openChosenApp(flags.home);
        if (!readApp) await opened(app);
        return app;
      },
      reader: async () => {
        if (app) return app;
        if (readApp) return readApp;
        readApp = await openChosenReadApp(flags.home);
        await opened(readApp);
        return readApp;
      },
      paths: () => pathsFor(resolveHome(flags.home)),
    };
    return (await command.run(input)) ?? 0;
  } catch (error) {
    const explained = explainCatalogueFailure(error, resolveHome(homeFlag));
    return reportError(explained ? new OperationError(explained, { cause: error }) : error, debug);
  } finally {
    await app?.close();
    await readApp?.close();
    // A prune's expired trees, removed at idle priority after the output: the command ends with them.
    await backgroundDeletionsSettled();
  }
}

/** What an admin hears once a command has opened the catalogue. */
async function opened(app: ReadApp): Promise<void> {
  for (const notice of app.catalogue.notices) warn(notice);
  await warnIfDaemonElsewhere(app);
}

/**
 * An admin at a terminal whose --home or POBSYNC_HOME points away from the installed service's
 * home is told: what this command changes, the daemon never sees. Scripts chose their home.
 */
async function warnIfDaemonElsewhere(app: ReadApp): Promise<void> {
  if (!process.stderr.isTTY) return;
  const other = await daemonElsewhere(app);
  if (other) {
    warn(
      `this command uses the catalogue in ${app.paths.home} (from ${app.homeSource}), but the running ${other.role} ` +
        `(pid ${other.pid} on ${other.node}) uses ${other.home}: what you change here it will not see`,
    );
  }
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/**
 * A string option always takes the next word as its value, as getopt does: admins write
 * `--rsync-arg --bwlimit=5m` and `--exclude -tmp`, which meow would read as two options.
 */
function attachValues(specs: FlagSpecs, argv: string[]): string[] {
  const takesValue = new Set(
    Object.entries(specs)
      .filter(([, spec]) => spec.type === 'string')
      .map(([key]) => `--${kebab(key)}`),
  );
  const result: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--') {
      result.push(...argv.slice(index));
      break;
    }
    if (takesValue.has(token) && index + 1 < argv.length) {
      result.push(`${token}=${argv[index + 1]}`);
      index += 1;
    } else {
      result.push(token);
    }
  }
  return result;
}

/** Refuses flags the command does not know, in one line: meow would print several. */
function checkFlags(command: string, specs: FlagSpecs, argv: string[]): void {
  const long = new Set(Object.keys(specs).map(kebab));
  const booleans = new Set(
    Object.entries(specs)
      .filter(([, spec]) => spec.type === 'boolean')
      .map(([key]) => kebab(key)),
  );
  const short = new Set(Object.values(specs).flatMap((spec) => (spec.shortFlag ? [spec.shortFlag] : [])));
  const single = new Set(
    Object.entries(specs)
      .filter(([, spec]) => spec.type === 'string' && !spec.isMultiple)
      .map(([key]) => kebab(key)),
  );
  const seen = new Set<string>();
  for (const token of argv) {
    if (token === '--') break;
    if (token.startsWith('--')) {
      const name = token.slice(2).split('=')[0]!;
      const known = long.has(name) || (name.startsWith('no-') && booleans.has(name.slice(3)));
      if (!known) throw new UserError(`unknown option --${name} for "pobsync ${command}": "pobsync ${command} --help" lists its options`);
      if (single.has(name) && seen.has(name)) throw new UserError(`--${name} is given twice: "pobsync ${command}" takes one`);
      seen.add(name);
    } else if (/^-[^\d-]/.test(token)) {
      const unknown = [...token.slice(1)].find((letter) => !short.has(letter));
      if (unknown)
        throw new UserError(`unknown option -${unknown} for "pobsync ${command}": "pobsync ${command} --help" lists its options`);
    }
  }
}

function isGiven(specs: FlagSpecs, flag: string, argv: string[]): boolean {
  const name = kebab(flag);
  const shortFlag = specs[flag]?.shortFlag;
  return argv.some(
    (token) =>
      token === `--${name}` ||
      token.startsWith(`--${name}=`) ||
      token === `--no-${name}` ||
      (shortFlag !== undefined && token === `-${shortFlag}`),
  );
}
