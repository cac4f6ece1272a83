import { serverKey } from '../services/hosts/server-key.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync key [--json]

Shows the server's SSH public key, creating it (ed25519, in $POBSYNC_HOME/keys/) on first
use, and the line to append to ~/.ssh/authorized_keys of the backup user on each host.
`,
  flags: { json: { type: 'boolean' } },
  async run({ flags, paths }) {
    const key = await serverKey({ paths: paths() });
    if (flags.json) return printJson(key);
    print(
      [
        `${key.created ? 'created' : 'public key'}: ${key.path}`,
        `fingerprint: ${key.fingerprint}`,
        '',
        'On each host, as the user pobsync logs in as, append this line to ~/.ssh/authorized_keys:',
        '',
        key.authorizedKeysLine,
      ].join('\n'),
    );
  },
});
