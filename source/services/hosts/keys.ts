/** The server's SSH key, and trusting (pinning) a host's key. */
export { type ServerKeyView, serverKey } from './server-key.js';

import { UserError } from '../../domain/errors.js';
import { formatPeer, parsePeer, peerAlias } from '../../domain/peer.js';
import { LOCAL_ADDRESS } from '../../domain/validation.js';
import { ensureServerKey, type HostKey, keyFiles, pinKeys, pinnedKeys, scanHostKeys } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { findHost } from './hosts.js';

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
  return trustKeys(app, { label: host.name, alias: host.name, address: host.address, port: host.port }, confirm);
}

/**
 * The same for a peer (another pobsync server that `pobsync replicate` copies from): its keys are
 * pinned under the peer's own alias (domain/peer.ts), never under a host's name.
 */
export async function trustPeer(
  app: App,
  spec: string | undefined,
  confirm: (offer: TrustOffer) => Promise<boolean>,
): Promise<{ offer: TrustOffer; pinned: boolean }> {
  const peer = parsePeer(spec);
  return trustKeys(app, { label: formatPeer(peer), alias: peerAlias(peer), address: peer.address, port: peer.port }, confirm);
}

async function trustKeys(
  app: App,
  target: { label: string; alias: string; address: string; port: number },
  confirm: (offer: TrustOffer) => Promise<boolean>,
): Promise<{ offer: TrustOffer; pinned: boolean }> {
  const files = keyFiles(app.paths.keys);
  const offered = await scanHostKeys(target.address, target.port);
  const pinned = await pinnedKeys(files.knownHostsFile, target.alias);
  const same = (a: HostKey[], b: HostKey[]) => a.length === b.length && a.every((key) => b.some((other) => other.key === key.key));
  const offer: TrustOffer = {
    host: target.label,
    address: target.address,
    port: target.port,
    offered,
    pinned,
    changed: pinned.length > 0 && !same(offered, pinned),
  };
  if (pinned.length > 0 && !offer.changed) return { offer, pinned: true };
  if (!(await confirm(offer))) return { offer, pinned: false };
  await ensureServerKey(app.paths.keys);
  await pinKeys(files.knownHostsFile, target.alias, offered);
  return { offer, pinned: true };
}
