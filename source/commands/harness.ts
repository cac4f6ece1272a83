/**
 * Runs one subcommand: parses its flags (flags.ts), refuses unknown ones, opens the catalogue
 * on demand, and turns errors into one line on stderr and the exit code of DESIGN.md
 * (0 done, 1 failed, 2 bad usage or input, 4 host busy; see domain/exit-codes.ts).
 */
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
import { backgroundDeletionsSettled } from '../services/snapshots/background.js';
import { COMMON_FLAGS, type Command, type CommandInput, type FlagSpecs, type Flags } from './command.js';
import { kebab, parseFlags } from './flags.js';
import { reportError, warn } from './output.js';

export async function runCommand(name: string, command: Command<FlagSpecs>, rawArgv: string[]): Promise<number> {
  const specs: FlagSpecs = { ...COMMON_FLAGS, ...command.flags };
  // Only for an error in the flags themselves; otherwise --debug as parsed.
  let debug = rawArgv.includes('--debug');
  let app: App | undefined;
  let readApp: ReadApp | undefined;
  let homeFlag: string | undefined;
  try {
    const parsed = parseFlags(name, specs, rawArgv);
    const flags = parsed.flags as unknown as Flags<FlagSpecs>;
    // As parsed, not as a word anywhere: `--rsync-arg -h` is rsync's option, `-- -h` a positional.
    if (parsed.flags['help'] === true) {
      process.stdout.write(`${command.help.trim()}\n`);
      return 0;
    }
    debug = parsed.flags['debug'] === true;
    homeFlag = flags.home;
    const extra = parsed.positionals.slice(command.positionals ?? 0);
    if (extra.length > 0) {
      throw new UserError(
        `unexpected argument ${JSON.stringify(extra[0])} for "pobsync ${name}": "pobsync ${name} --help" shows its usage`,
      );
    }
    const input: CommandInput<FlagSpecs> = {
      args: parsed.positionals,
      flags,
      given: (flag) => parsed.given.has(flag),
      exclusive: (...names) => {
        const present = names.filter((flag) => parsed.given.has(flag)).map((flag) => `--${kebab(flag)}`);
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
  // Loaded only for a terminal: a script's listing does not pay for the lease's modules.
  const { daemonElsewhere } = await import('../services/schedule/lease.js');
  const other = await daemonElsewhere(app);
  if (other) {
    warn(
      `this command uses the catalogue in ${app.paths.home} (from ${app.homeSource}), but the running ${other.role} ` +
        `(pid ${other.pid} on ${other.node}) uses ${other.home}: what you change here it will not see`,
    );
  }
}
