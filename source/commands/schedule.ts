import { formatInZone, formatTime } from '../domain/format.js';
import { describeCron } from '../domain/schedule.js';
import { configureSchedule, removeSchedule } from '../services/schedule/schedules.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync schedule <host> --cron "15 2 * * *" [--name NAME] [--timezone ZONE]
                        [--prune|--no-prune] [--verify|--backup] [--disable|--enable]
                        [--remove] [--json]

Creates or changes one of the host's schedules and prints its next five run times. The
scheduler (pobsync daemon, or the TUI when no daemon runs) queues a backup at each one, or
with --verify a verify of every snapshot of the host ("pobsync verify <host> --all").

  --cron EXPR           5 fields (minute hour day month weekday), or 6 with seconds first;
                        H in a field is a value picked by the host name (H 2 * * *: a minute
                        of 2 o'clock of its own), also H(0-29) and H/15
  --name NAME           which schedule of the host (default "default", or "verify" with --verify)
  --timezone ZONE       IANA zone the expression is read in (default: the global one)
  --prune, --no-prune   apply the host's retention policy after each good backup
  --verify, --backup    what the schedule queues: a verify of the host's snapshots, or a backup
  --disable, --enable   a disabled schedule does not fire
  --remove              delete the schedule
  --json                print the schedule as JSON
`,
  flags: {
    cron: { type: 'string' },
    name: { type: 'string' },
    timezone: { type: 'string' },
    prune: { type: 'boolean' },
    verify: { type: 'boolean' },
    backup: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    remove: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, given, exclusive, app }) {
    exclusive('enable', 'disable');
    exclusive('verify', 'backup');
    exclusive('verify', 'prune');
    for (const other of ['cron', 'timezone', 'prune', 'enable', 'disable'] as const) exclusive('remove', other);
    if (flags.remove) {
      await removeSchedule(await app(), args[0], flags.name, flags.verify ? 'verify' : undefined);
      if (flags.json) return printJson({ removed: true });
      return print(`removed schedule ${flags.name ?? (flags.verify ? 'verify' : 'default')} of ${args[0]}`);
    }
    const { schedule, created } = await configureSchedule(await app(), args[0], flags.name, {
      cron: given('cron') ? (flags.cron ?? '') : undefined,
      timeZone: flags.timezone,
      prune: flags.prune,
      enabled: flags.disable ? false : flags.enable ? true : undefined,
      action: flags.verify ? 'verify' : flags.backup ? 'backup' : undefined,
    });
    if (flags.json) return printJson(schedule);
    const cron = describeCron(schedule.cron, schedule.host, '"');
    print(
      `${created ? 'added' : 'updated'} ${schedule.action} schedule ${schedule.host}/${schedule.name}: ${cron} in ` +
        `${schedule.timeZone}${schedule.prune ? ', prune after each backup' : ''}${schedule.enabled ? '' : ' (disabled)'}`,
    );
    if (!schedule.hostEnabled) print(`host ${schedule.host} is disabled: the schedule does not fire until it is enabled`);
    if (schedule.nextFires.length > 0)
      print(
        `next runs:\n${schedule.nextFires
          .map((time) => `  ${formatTime(new Date(time))}  (${formatInZone(new Date(time), schedule.timeZone)})`)
          .join('\n')}`,
      );
  },
});
