/** The server's SSH key, and trusting (pinning) a host's key. */
import { UserError } from '../../domain/errors.js';
import { LOCAL_ADDRESS, validateFromPattern } from '../../domain/validation.js';
import { ensureServerKey, fingerprint, type HostKey, keyFiles, pinKeys, pinnedKeys, scanHostKeys } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { findHost } from './hosts.js';

export interface ServerKeyView {
  publicKey: string;
  fingerprint: string;
  /** the line to append to ~/.ssh/authorized_keys of the backup user on each host */
  authorizedKeysLine: string;
  /**
   * The same key forced to run a read-only rrsync of the host's whole tree, and nothing else, from
   * the given addresses only: for hosts configured with `--access restricted`.
   */
  restrictedKeysLine: string;
  path: string;
  created: boolean;
}

export async function serverKey(app: App, options: { from?: string | undefined } = {}): Promise<ServerKeyView> {
  const from = options.from === undefined ? undefined : validateFromPattern(options.from);
  const { publicKey, created } = await ensureServerKey(app.paths.keys);
  return {
    publicKey,
    fingerprint: fingerprint(publicKey.split(/\s+/)[1] ?? ''),
    // "restrict" turns off forwarding and ttys: rsync and the dump commands need neither.
    authorizedKeysLine: `restrict ${publicKey}`,
    // rrsync ships with Debian's rsync (/usr/bin/rrsync); -ro refuses every write.
    restrictedKeysLine: `command="rrsync -ro /",restrict${from ? `,from="${from}"` : ''} ${publicKey}`,
    path: keyFiles(app.paths.keys).publicKeyFile,
    created,
  };
}

export interface TrustOffer {
  host: string;
  address: string;
  port: number;
  offered: HostKey[];
  /** what is pinned now; empty on first trust */
  pinned: HostKey[];
  /** true when keys were pinned before and the offered ones differ */
  changed: boolean;
}

/**
 * Fetches the host's keys and asks `confirm` whether to pin them (the caller shows the
 * fingerprints). Returns the offer and whether it was pinned.
 */
export async function trustHost(
  app: App,
  name: string | undefined,
  confirm: (offer: TrustOffer) => Promise<boolean>,
): Promise<{ offer: TrustOffer; pinned: boolean }> {
  const host = await findHost(app.catalogue.em(), name);
  if (host.address === LOCAL_ADDRESS) {
    throw new UserError(`host "${host.name}" has address "local": it is copied without ssh and has no host key to trust`);
  }
  const files = keyFiles(app.paths.keys);
  const offered = await scanHostKeys(host.address, host.port);
  const pinned = await pinnedKeys(files.knownHostsFile, host.name);
  const same = (a: HostKey[], b: HostKey[]) => a.length === b.length && a.every((key) => b.some((other) => other.key === key.key));
  const offer: TrustOffer = {
    host: host.name,
    address: host.address,
    port: host.port,
    offered,
    pinned,
    changed: pinned.length > 0 && !same(offered, pinned),
  };
  if (pinned.length > 0 && !offer.changed) return { offer, pinned: true };
  if (!(await confirm(offer))) return { offer, pinned: false };
  await ensureServerKey(app.paths.keys);
  await pinKeys(files.knownHostsFile, host.name, offered);
  return { offer, pinned: true };
}
