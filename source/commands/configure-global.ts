import { configureGlobal, getSettings, type SettingsView } from '../services/settings.js';
import { defineCommand } from './command.js';
import { print, printJson, warn } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync configure-global [--backup-root DIR] [--timezone ZONE] [--max-concurrent N]
                                [--shutdown-grace SECONDS] [--rsync-arg ARG ...]
                                [--clear-rsync-args] [--json]

Sets the server-wide settings; without options, shows them.

  --backup-root DIR     where snapshots are kept (absolute; created 0700 if missing)
  --timezone ZONE       IANA time zone for schedules and retention (default: the server's)
  --max-concurrent N    how many backups may run at once (default 2)
  --shutdown-grace S    how long a stopping daemon lets running backups finish (default 30)
  --rsync-arg ARG       an rsync option for every host, like --bwlimit=20m (repeat; replaces the list)
  --clear-rsync-args    remove every default rsync option
  --json                print the settings as JSON
`,
  flags: {
    backupRoot: { type: 'string' },
    timezone: { type: 'string' },
    maxConcurrent: { type: 'string' },
    shutdownGrace: { type: 'string' },
    rsyncArg: { type: 'string', isMultiple: true },
    clearRsyncArgs: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ flags, given, exclusive, app }) {
    exclusive('rsyncArg', 'clearRsyncArgs');
    const changes = {
      backupRoot: flags.backupRoot,
      timeZone: flags.timezone,
      maxConcurrent: flags.maxConcurrent,
      shutdownGraceSeconds: flags.shutdownGrace,
      defaultRsyncArgs: flags.clearRsyncArgs ? [] : given('rsyncArg') ? flags.rsyncArg : undefined,
    };
    const anything = Object.values(changes).some((value) => value !== undefined);
    const settings = anything ? await configureGlobal(await app(), changes, warn) : await getSettings(await app());
    if (flags.json) return printJson(settings);
    print(describeSettings(settings));
  },
});

export function describeSettings(settings: SettingsView): string {
  return [
    `backup root:         ${settings.backupRoot ?? '(not set: pobsync configure-global --backup-root DIR)'}`,
    `time zone:           ${settings.timeZone}${settings.timeZoneIsServerDefault ? " (the server's)" : ''}`,
    `max concurrent:      ${settings.maxConcurrent}`,
    `shutdown grace:      ${settings.shutdownGraceSeconds}s`,
    `default rsync args:  ${settings.defaultRsyncArgs.join(' ') || '(none)'}`,
  ].join('\n');
}
