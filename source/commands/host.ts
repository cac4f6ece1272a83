import { UserError } from '../domain/errors.js';
import { formatCount } from '../domain/format.js';
import { formatInterval } from '../domain/interval.js';
import { joinWords } from '../domain/word-list.js';
import { getHost, type HostView } from '../services/hosts/hosts.js';
import { type HostRemovalPreview, removeHost } from '../services/hosts/removal.js';
import { renameHost } from '../services/hosts/rename.js';
import { defineCommand } from './command.js';
import { describeAlerts } from './configure-global.js';
import { confirmByTyping, print, printJson } from './output.js';

const ACTIONS = ['show', 'remove', 'rename'] as const;
type Action = (typeof ACTIONS)[number];

export default defineCommand({
  help: `
Usage: pobsync host <host> [--json]                      (the same as: host show <host>)
       pobsync host show <host> [--json]
       pobsync host remove <host> [--keep-snapshots|--delete-snapshots] [--yes] [--json]
       pobsync host rename <host> <new-name> [--json]

show     one host's settings
remove   removes the host: its settings, schedules, unfinished trees and pinned SSH keys.
         A host with snapshots needs a choice:
           --keep-snapshots    the host stays, disabled and without schedules, and its
                               snapshots stay on disk and in the catalogue (restorable)
           --delete-snapshots  every snapshot is deleted (the safe way "snapshot delete"
                               uses), then the host; protected snapshots are refused
         Asks you to type the host name (--yes without a terminal). Refused while a run of
         the host is queued or running (exit 4).
rename   renames the host in the catalogue and its directory in the backup root (one
         rename; refused if the new name's directory exists), and moves its pinned SSH keys
         to the new name. Its snapshots keep their meta.json: the host's directory notes its
         former names. Refused while a run of the host is queued or running (exit 4).

  --yes    remove without asking
  --json   print the host, or the result, as JSON
`,
  flags: {
    keepSnapshots: { type: 'boolean' },
    deleteSnapshots: { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 3,
  async run({ args, flags, exclusive, given, app }) {
    // A host named like an action is shown with "host show <name>".
    const explicit = ACTIONS.includes(args[0] as Action);
    const action: Action = explicit ? (args[0] as Action) : 'show';
    const rest = explicit ? args.slice(1) : args;
    if (rest[0] === undefined) throw new UserError(`host is missing: pobsync host ${action} <host>`);
    const expected = action === 'rename' ? 2 : 1;
    if (rest.length > expected) {
      throw new UserError(
        `unexpected argument ${JSON.stringify(rest[expected])} for "pobsync host ${action}": "pobsync host --help" shows its usage`,
      );
    }
    if (action !== 'remove') {
      for (const flag of ['keepSnapshots', 'deleteSnapshots', 'yes'] as const) {
        if (given(flag))
          throw new UserError(`--${flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} is for "pobsync host remove"`);
      }
    }
    if (action === 'show') {
      const host = await getHost(await app(), rest[0]);
      if (flags.json) return printJson(host);
      return print(describeHost(host));
    }
    if (action === 'rename') {
      if (rest[1] === undefined) throw new UserError('the new name is missing: pobsync host rename <host> <new-name>');
      const result = await renameHost(await app(), rest[0], rest[1]);
      if (flags.json) return printJson(result);
      return print(
        `renamed host ${result.from} to ${result.to}` +
          (result.directory ? `; its directory is now ${result.directory} (${formatCount(result.snapshots, 'snapshot')})` : '') +
          (result.keys > 0 ? '; its pinned SSH keys now carry the new name' : ''),
      );
    }
    exclusive('keepSnapshots', 'deleteSnapshots');
    const result = await removeHost(await app(), rest[0], {
      snapshots: flags.keepSnapshots ? 'keep' : flags.deleteSnapshots ? 'delete' : undefined,
      confirm: (preview) =>
        confirmByTyping(preview.host, describeRemoval(preview, flags.deleteSnapshots ? 'delete' : 'keep'), {
          yes: flags.yes,
          what: `removing host ${preview.host}`,
        }),
    });
    if (flags.json) printJson(result);
    if (result.outcome === 'cancelled') {
      if (!flags.json) print('cancelled: nothing was changed');
      return 1;
    }
    if (flags.json) return;
    if (result.outcome === 'disabled') {
      print(
        `host ${result.host} is disabled and its schedules are removed; its ${formatCount(result.keptSnapshots, 'snapshot')} stay ` +
          `restorable ("pobsync host remove ${result.host} --delete-snapshots" deletes them and the host)`,
      );
    } else {
      const deleted = result.deletedSnapshots.length > 0 ? ` and its ${formatCount(result.deletedSnapshots.length, 'snapshot')}` : '';
      print(`removed host ${result.host}${deleted}`);
    }
    for (const note of result.notes) print(note);
  },
});

function describeRemoval(preview: HostRemovalPreview, choice: 'keep' | 'delete'): string {
  const count = formatCount(preview.snapshots, 'snapshot');
  if (preview.snapshots === 0) {
    const unfinished = preview.unfinished ? ' and unfinished trees' : '';
    return `This removes host ${preview.host}: its settings, schedules, pinned SSH keys${unfinished}.`;
  }
  return choice === 'keep'
    ? `This disables host ${preview.host} and removes its schedules; its ${count} stay.`
    : `This deletes the ${count} of ${preview.host} from ${preview.directory ?? 'disk'}, then the host.`;
}

export function describeHost(host: HostView): string {
  return [
    `name:        ${host.name}${host.enabled ? '' : ' (disabled)'}`,
    ...(host.replicaOf
      ? [`replica of:  ${host.replicaOf} ("pobsync replicate ${host.name} --from ${host.replicaOf}" copies its snapshots)`]
      : []),
    `address:     ${host.local ? 'local (this server, no ssh)' : `${host.user}@${host.address} port ${host.port}`}` +
      (host.access === 'restricted' ? ' (restricted: rrsync -ro only)' : ''),
    `sources:     ${joinWords(host.sources) || '(none: the host is backed up by its dumps)'}`,
    `excludes:    ${joinWords(host.excludes) || '(none)'}`,
    `rsync args:  ${joinWords(host.rsyncArgs) || '(none)'}`,
    `server:      ${host.server ?? '(none: the only server backs it up)'}`,
    `dumps:       ${host.dumps.length === 0 ? '(none)' : ''}`.trimEnd(),
    ...host.dumps.flatMap((dump) => [`  ${dump.name}: ${dump.command}`, ...(dump.restore ? [`    restore: ${dump.restore}`] : [])]),
    `max age:     ${host.maxAgeSeconds === null ? 'twice the interval of its most frequent schedule' : formatInterval(host.maxAgeSeconds)}`,
    `retries:     ${
      host.retries === null && host.retryDelaySeconds === null
        ? 'the global setting'
        : `${host.retries ?? 'global'}${host.retryDelaySeconds === null ? '' : `, first after ${formatInterval(host.retryDelaySeconds)}`}`
    }`,
    ...describeAlerts(host.alerts, 'the global setting').map((line) => line.replace(/^(\S+ \S+:)\s+/, (label) => label.trim().padEnd(13))),
  ].join('\n');
}
