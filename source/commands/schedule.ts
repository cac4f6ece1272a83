import { UserError } from '../domain/errors.js';
import { formatInZone, formatTime } from '../domain/format.js';
import { describeCron, validateCron } from '../domain/schedule.js';
import { validateTimeZone } from '../domain/validation.js';
import { prepareReplicateSchedule } from '../services/replicas/replicate.js';
import { configureSchedule, removeSchedule } from '../services/schedule/schedules.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync schedule <host> --cron "15 2 * * *" [--name NAME] [--timezone ZONE]
                        [--prune|--no-prune] [--verify|--backup] [--disable|--enable]
                        [--replicate-from PEER [--remote-pobsync CMD] [--remote-home DIR]]
                        [--remove] [--json]

Creates or changes one of the host's schedules and prints its next five run times. The
scheduler (pobsync daemon, or the TUI when no daemon runs) queues a backup at each one, or
with --verify a verify of every snapshot of the host ("pobsync verify <host> --all"), or with
--replicate-from a replication from that peer ("pobsync replicate <host> --from PEER"; the
host is created if this server does not know it, and the schedule fires though the host is
disabled for backups).

  --cron EXPR           5 fields (minute hour day month weekday), or 6 with seconds first;
                        H in a field is a value picked by the host name (H 2 * * *: a minute
                        of 2 o'clock of its own), also H(0-29) and H/15
  --name NAME           which schedule of the host (default "default", or "verify" with --verify,
                        "replicate" with --replicate-from)
  --timezone ZONE       IANA zone the expression is read in (default: the global one)
  --prune, --no-prune   apply the host's retention policy after each good backup
  --verify, --backup    what the schedule queues: a verify of the host's snapshots, or a backup
  --replicate-from PEER  queue replications from PEER (user@address[:port], or a server of a
                        shared catalogue by name: its address is read now); --remote-pobsync
                        and --remote-home as for "pobsync replicate"
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
    replicateFrom: { type: 'string' },
    remotePobsync: { type: 'string' },
    remoteHome: { type: 'string' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    remove: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, given, exclusive, app }) {
    exclusive('enable', 'disable');
    exclusive('verify', 'prune');
    exclusive('verify', 'backup', 'replicateFrom');
    for (const remote of ['remotePobsync', 'remoteHome'] as const) {
      if (given(remote) && !given('replicateFrom'))
        throw new UserError(`--${remote.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --replicate-from`);
    }
    for (const other of ['cron', 'timezone', 'prune', 'enable', 'disable'] as const) exclusive('remove', other);
    if (flags.remove) {
      const action = flags.verify ? 'verify' : given('replicateFrom') ? 'replicate' : undefined;
      await removeSchedule(await app(), args[0], flags.name, action);
      if (flags.json) return printJson({ removed: true });
      return print(`removed schedule ${flags.name ?? action ?? 'default'} of ${args[0]}`);
    }
    if (given('replicateFrom')) {
      // A replicate schedule may create its host: its cron and zone are checked before anything is written.
      const timeZone = flags.timezone === undefined ? 'UTC' : validateTimeZone(flags.timezone);
      if (given('cron')) validateCron(flags.cron, timeZone, args[0]);
    }
    const replication = given('replicateFrom')
      ? await prepareReplicateSchedule(await app(), {
          host: args[0],
          from: flags.replicateFrom ?? '',
          remotePobsync: flags.remotePobsync,
          remoteHome: flags.remoteHome,
        })
      : undefined;
    if (replication?.createdHost && !flags.json)
      print(`created host ${args[0]} (disabled for backups, a replica of ${replication.replicateFrom})`);
    const { schedule, created } = await configureSchedule(await app(), args[0], flags.name, {
      cron: given('cron') ? (flags.cron ?? '') : undefined,
      timeZone: flags.timezone,
      prune: flags.prune,
      enabled: flags.disable ? false : flags.enable ? true : undefined,
      action: flags.verify ? 'verify' : flags.backup ? 'backup' : replication ? 'replicate' : undefined,
      ...(replication
        ? { replicateFrom: replication.replicateFrom, remotePobsync: replication.remotePobsync, server: replication.server }
        : {}),
    });
    if (flags.json) return printJson(schedule);
    const cron = describeCron(schedule.cron, schedule.host, '"');
    print(
      `${created ? 'added' : 'updated'} ${schedule.action} schedule ${schedule.host}/${schedule.name}` +
        `${schedule.replicateFrom && schedule.action === 'replicate' ? ` from ${schedule.replicateFrom}` : ''}: ${cron} in ` +
        `${schedule.timeZone}${schedule.prune ? ', prune after each backup' : ''}${schedule.enabled ? '' : ' (disabled)'}`,
    );
    if (!schedule.hostEnabled && schedule.action !== 'replicate')
      print(`host ${schedule.host} is disabled: the schedule does not fire until it is enabled`);
    if (schedule.nextFires.length > 0)
      print(
        `next runs:\n${schedule.nextFires
          .map((time) => `  ${formatTime(new Date(time))}  (${formatInZone(new Date(time), schedule.timeZone)})`)
          .join('\n')}`,
      );
  },
});
