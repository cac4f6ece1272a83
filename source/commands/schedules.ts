import { formatInZone, formatTable, formatTime } from '../domain/format.js';
import { describeCron } from '../domain/schedule.js';
import { listSchedules } from '../services/schedule/schedules.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync schedules [--host HOST] [--json]

Lists every schedule with its next run and the last fire the scheduler handled.
`,
  flags: { host: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, app }) {
    const schedules = await listSchedules(await app(), { host: flags.host });
    if (flags.json) return printJson(schedules);
    if (schedules.length === 0) return print('no schedules yet: add one with pobsync schedule <host> --cron "15 2 * * *"');
    print(
      formatTable(
        ['HOST', 'NAME', 'RUNS', 'CRON', 'ZONE', 'PRUNE', 'NEXT RUN', 'LAST FIRE'],
        schedules.map((schedule) => [
          schedule.host,
          schedule.name,
          schedule.action,
          describeCron(schedule.cron, schedule.host),
          schedule.timeZone,
          schedule.prune ? 'yes' : 'no',
          schedule.nextFires[0]
            ? formatInZone(new Date(schedule.nextFires[0]), schedule.timeZone)
            : !schedule.enabled
              ? 'disabled'
              : 'host disabled',
          formatTime(schedule.lastFiredAt ? new Date(schedule.lastFiredAt) : null),
        ]),
      ),
    );
  },
});
