import { serverKey } from '../services/hosts/server-key.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync key [--restricted [--from ADDR]] [--json]

Shows the server's SSH public key, creating it (ed25519, in $POBSYNC_HOME/keys/) on first
use, and the line to append to ~/.ssh/authorized_keys of the backup user on each host.

  --restricted   the line for a host configured with --access restricted: the key may only
                 run a read-only rsync (rrsync -ro, shipped with rsync), so a stolen backup
                 server key can read the host but not log in, run commands or write. Dumps and
                 restores to such a host need a key with full access.
  --from ADDR    only from these addresses (from="..."): the backup server's address as the
                 host sees it, a CIDR block, or patterns, comma-separated
  --json         print the key and both lines as JSON
`,
  flags: { restricted: { type: 'boolean' }, from: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, given, paths }) {
    const key = await serverKey({ paths: paths() }, { from: given('from') ? (flags.from ?? '') : undefined });
    if (flags.json) return printJson(key);
    const restricted = flags.restricted === true;
    print(
      [
        `${key.created ? 'created' : 'public key'}: ${key.path}`,
        `fingerprint: ${key.fingerprint}`,
        '',
        restricted
          ? 'On each host configured with --access restricted, as the user pobsync logs in as, append this line to ~/.ssh/authorized_keys:'
          : 'On each host, as the user pobsync logs in as, append this line to ~/.ssh/authorized_keys:',
        '',
        restricted ? key.restrictedKeysLine : key.authorizedKeysLine,
        ...(restricted && !given('from')
          ? ['', 'Add --from ADDR (the address pobsync connects from) to allow this key from there only.']
          : []),
        ...(restricted ? [] : ['', 'For a key that may only read the host with rsync: pobsync key --restricted --from ADDR']),
      ].join('\n'),
    );
  },
});
