import { UserError } from '../domain/errors.js';
import { describe } from '../domain/validation.js';
import { deleteSnapshot, setProtected } from '../services/snapshots/snapshots.js';
import { defineCommand } from './command.js';
import { confirmByTyping, print, printJson } from './output.js';

const ACTIONS = ['delete', 'protect', 'unprotect'] as const;

export default defineCommand({
  help: `
Usage: pobsync snapshot delete <host> <snapshot> [--yes] [--json]
       pobsync snapshot protect <host> <snapshot> [--json]
       pobsync snapshot unprotect <host> <snapshot> [--json]

delete      removes the snapshot's directory and its record. Asks you to type the host name
            (--yes without a terminal). Refuses a protected snapshot (exit 2), and one a run
            needs (exit 1): the base of a running backup, the source of a running restore,
            and the newest snapshot of a host with a queued backup. Other snapshots do not
            depend on it: hard links keep their files.
protect     retention never removes a protected snapshot, and delete refuses it
unprotect   makes it an ordinary snapshot again

  --yes    delete without asking
  --json   print the snapshot as JSON
`,
  flags: { yes: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 3,
  async run({ args, flags, app }) {
    const [action, host, name] = args;
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
      throw new UserError(`snapshot action ${describe(action)} is not allowed: use delete, protect or unprotect`);
    }
    if (action === 'delete') {
      const result = await deleteSnapshot(await app(), host, name, (snapshot) =>
        confirmByTyping(
          snapshot.host,
          `This deletes snapshot ${snapshot.name} of ${snapshot.host} (${snapshot.kind}, ${snapshot.status}) at ${snapshot.path}.`,
          {
            yes: flags.yes,
            what: `deleting snapshot ${snapshot.name}`,
          },
        ),
      );
      if (flags.json) printJson({ ...result.snapshot, deleted: result.deleted });
      if (!result.deleted) {
        if (flags.json) return 1;
        print('cancelled: nothing was deleted');
        return 1;
      }
      if (flags.json) return;
      print(
        `deleted snapshot ${result.snapshot.name} of ` +
          `${result.snapshot.host}${result.wasOnDisk ? '' : ' (its directory was already gone; the record is removed)'}`,
      );
      return;
    }
    const value = action === 'protect';
    const { snapshot, changed } = await setProtected(await app(), host, name, value);
    if (flags.json) return printJson(snapshot);
    print(`snapshot ${snapshot.name} of ${snapshot.host} ${changed ? 'is now' : 'was already'} ${value ? 'protected' : 'unprotected'}`);
  },
});
