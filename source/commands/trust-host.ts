import type { TrustOffer } from '../services/hosts/keys.js';
import { trustHost } from '../services/hosts/keys.js';
import { defineCommand } from './command.js';
import { confirm, print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync trust-host <host> [--yes] [--json]

Fetches the host's SSH keys with ssh-keyscan, shows their SHA256 fingerprints, and after
you confirm pins them in pobsync's own known_hosts. Compare the fingerprint with the host's
own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) before you say yes.
Backups refuse a host whose key is not pinned or has changed.

  --yes    pin without asking (needed without a terminal)
  --json   print the result as JSON
`,
  flags: { yes: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, app }) {
    const { offer, pinned } = await trustHost(await app(), args[0], async (offer) => {
      if (!flags.json) print(describeOffer(offer));
      return confirm(offer.changed ? 'Replace the pinned keys with these?' : 'Trust these keys?', {
        yes: flags.yes,
        what: 'trusting a host key',
      });
    });
    if (flags.json) return printJson({ ...offer, pinned: pinned });
    if (!pinned) {
      print('nothing pinned');
      return 1;
    }
    print(
      offer.pinned.length > 0 && !offer.changed ? `${offer.host}: its keys are already pinned and unchanged` : `${offer.host}: keys pinned`,
    );
  },
});

export function describeOffer(offer: TrustOffer): string {
  const lines = [`${offer.host} (${offer.address} port ${offer.port}) offers:`];
  for (const key of offer.offered) lines.push(`  ${key.type.padEnd(20)} ${key.fingerprint}`);
  if (offer.changed) {
    lines.push('', 'WARNING: these differ from the keys pinned before:');
    for (const key of offer.pinned) lines.push(`  ${key.type.padEnd(20)} ${key.fingerprint}`);
    lines.push('A reinstalled host explains this; anything else may be someone in between.');
  }
  return lines.join('\n');
}
