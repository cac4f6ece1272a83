import { trustPeer } from '../services/hosts/keys.js';
import { defineCommand } from './command.js';
import { confirm, print, printJson } from './output.js';
import { describeOffer } from './trust-host.js';

export default defineCommand({
  help: `
Usage: pobsync trust-peer <user@address[:port]> [--yes] [--json]

For "pobsync replicate": fetches the SSH keys of a peer (another pobsync server that this one
copies snapshots from) with ssh-keyscan, shows their SHA256 fingerprints, and after you confirm
pins them in pobsync's own known_hosts, under a name of the peer's own (no host shares it).
Compare the fingerprint with the peer's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub
there) before you say yes. Replication refuses a peer whose key is not pinned or has changed.

  --yes    pin without asking (needed without a terminal)
  --json   print the result as JSON
`,
  flags: { yes: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, app }) {
    const { offer, pinned } = await trustPeer(await app(), args[0], async (offer) => {
      if (!flags.json) print(describeOffer(offer));
      return confirm(offer.changed ? 'Replace the pinned keys with these?' : 'Trust these keys?', {
        yes: flags.yes,
        what: 'trusting a peer key',
      });
    });
    if (flags.json) return printJson({ ...offer, pinned });
    if (!pinned) {
      print('nothing pinned');
      return 1;
    }
    print(
      offer.pinned.length > 0 && !offer.changed
        ? `peer ${offer.host}: its keys are already pinned and unchanged`
        : `peer ${offer.host}: keys pinned`,
    );
  },
});
