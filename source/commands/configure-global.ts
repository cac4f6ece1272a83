import { formatCount } from '../domain/format.js';
import { configureGlobal, getSettings, type SettingsView } from '../services/settings.js';
import { discoverSnapshots } from '../services/snapshots/discovery.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync configure-global [--backup-root DIR [--adopt]] [--timezone ZONE] [--max-concurrent N]
                                [--shutdown-grace SECONDS] [--rsync-arg ARG ...]
                                [--clear-rsync-args] [--archive-auto-purge|--no-archive-auto-purge]
                                [--json]

Sets the server-wide settings; without options, shows them.

  --backup-root DIR     where snapshots are kept (absolute; created 0700 if missing). A backup
                        root belongs to one catalogue: its marker file names this catalogue
  --adopt               with --backup-root: take over a backup root another catalogue uses,
                        and record the snapshots in it (hosts new here are created disabled);
                        the other catalogue can no longer use it
  --timezone ZONE       IANA time zone for schedules and retention (default: the server's)
  --max-concurrent N    how many backups may run at once (default 2)
  --shutdown-grace S    how long a stopping daemon lets running backups finish (default 30)
  --rsync-arg ARG       an rsync option for every host, like --bwlimit=20m (repeat; replaces the list)
  --clear-rsync-args    remove every default rsync option
  --archive-auto-purge  delete a deprecated archive's file when a newer archive of its host
                        and option set is made (the catalogue keeps its row)
  --json                print the settings as JSON
`,
  flags: {
    backupRoot: { type: 'string' },
    timezone: { type: 'string' },
    maxConcurrent: { type: 'string' },
    shutdownGrace: { type: 'string' },
    rsyncArg: { type: 'string', isMultiple: true },
    clearRsyncArgs: { type: 'boolean' },
    adopt: { type: 'boolean' },
    archiveAutoPurge: { type: 'boolean' },
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
      archiveAutoPurge: flags.archiveAutoPurge,
    };
    const anything = Object.values(changes).some((value) => value !== undefined);
    const settings = anything
      ? await configureGlobal(await app(), { ...changes, adopt: flags.adopt })
      : flags.adopt
        ? await configureGlobal(await app(), { adopt: true })
        : await getSettings(await app());
    // Taken over: its snapshots are recorded now (hosts new here are made, disabled).
    const adopted = flags.adopt ? await discoverSnapshots(await app(), { adopt: true }) : undefined;
    if (flags.json) return printJson(adopted ? { ...settings, adopted } : settings);
    print(describeSettings(settings));
    if (adopted) {
      print(
        `adopted ${settings.backupRoot}: ${formatCount(adopted.recorded.length, 'snapshot')} recorded, ${adopted.known} already known` +
          (adopted.createdHosts.length > 0 ? `; hosts created (disabled): ${adopted.createdHosts.join(', ')}` : ''),
      );
    }
  },
});

export function describeSettings(settings: SettingsView): string {
  return [
    `backup root:         ${settings.backupRoot ?? '(not set: pobsync configure-global --backup-root DIR)'}`,
    `time zone:           ${settings.timeZone}${settings.timeZoneIsServerDefault ? " (the server's)" : ''}`,
    `max concurrent:      ${settings.maxConcurrent}`,
    `shutdown grace:      ${settings.shutdownGraceSeconds}s`,
    `default rsync args:  ${settings.defaultRsyncArgs.join(' ') || '(none)'}`,
    `archive auto-purge:  ${settings.archiveAutoPurge ? 'on' : 'off'}`,
    `catalogue id:        ${settings.catalogueId}`,
  ].join('\n');
}
