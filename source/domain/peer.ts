/**
 * A peer: another pobsync server that replicas are pulled from, written `user@address[:port]`
 * (`pobsync@backup1.example.com`, `root@10.0.0.5:2222`, `pobsync@[2001:db8::5]:22`). Its host key
 * is pinned in this server's known_hosts under an alias of its own (`peerAlias`), which no host
 * name can be, so trusting a peer never trusts a host and the other way round.
 *
 * The pobsync to run there is an argument list (`--remote-pobsync`, split on spaces, never read
 * by a local shell); ssh hands the peer one command string, so each word is quoted for its shell.
 */
import { UserError } from './errors.js';
import { isSnapshotName } from './snapshot-name.js';
import { type SshTarget, shellQuote } from './ssh-args.js';
import type { SnapshotKind, SnapshotStatus } from './types.js';
import { SNAPSHOT_KINDS, SNAPSHOT_STATUSES } from './types.js';
import { describe, validateAbsolutePath, validateAddress, validatePort, validateUser } from './validation.js';

export interface Peer {
  user: string;
  address: string;
  port: number;
}

const PEER_FORM = 'use user@address or user@address:port (an IPv6 address in brackets: user@[2001:db8::5]:22)';

export function parsePeer(value: string | undefined): Peer {
  const spec = value?.trim() ?? '';
  const refuse = (why: string): never => {
    throw new UserError(`peer ${describe(value)} is not allowed: ${why}; ${PEER_FORM}`);
  };
  if (spec === '' || spec.startsWith('-')) refuse(spec === '' ? 'it is empty' : 'it starts with "-"');
  const at = spec.indexOf('@');
  if (at <= 0) refuse('it names no user');
  const user = spec.slice(0, at);
  const rest = spec.slice(at + 1);
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(rest);
  if (!match) refuse('it is not an address with an optional port');
  const address = match![1]!;
  if (address === 'local') refuse('a peer is another server, reached over ssh');
  const check = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      return refuse((error as Error).message);
    }
  };
  return {
    user: check(() => validateUser(user)),
    address: check(() => validateAddress(address)),
    port: match![2] === undefined ? 22 : check(() => validatePort(match![2])),
  };
}

/** The peer as it is written back: `user@address:port`, the form the catalogue keeps. */
export function formatPeer(peer: Peer): string {
  const address = peer.address.includes(':') ? `[${peer.address}]` : peer.address;
  return `${peer.user}@${address}:${peer.port}`;
}

/**
 * The name its host keys are pinned under (ssh's HostKeyAlias) and the name ssh and rsync are
 * given (the real address reaches ssh as HostName). A host name has no `_`, so no host shares it;
 * no `:` either, which rsync would read as the end of a host name.
 */
export function peerAlias(peer: Peer): string {
  return `pobsync-peer_${peer.address.replace(/:/g, '-')}_${peer.port}`;
}

export function peerTarget(peer: Peer): SshTarget {
  return { name: peerAlias(peer), address: peer.address, user: peer.user, port: peer.port };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\x00-\x1f\x7f]/;

/** The peer's pobsync home (`--remote-home`), passed there as `--home=DIR`. */
export function validateRemoteHome(value: string): string {
  if (!value.startsWith('/') || CONTROL.test(value)) {
    throw new UserError(`remote home ${describe(value)} is not allowed: give the peer's pobsync home as an absolute path`);
  }
  return value;
}

/** The default command that runs pobsync on a peer. */
export const DEFAULT_REMOTE_POBSYNC: readonly string[] = ['pobsync'];

/**
 * `--remote-pobsync "node /opt/pobsync/dist/pobsync.mjs --home /srv/pobsync"`: words split on
 * spaces; no quoting, no variables, no shell. The first word is a program, never an option.
 */
export function parseRemotePobsync(value: string | undefined): string[] {
  if (value === undefined) return [...DEFAULT_REMOTE_POBSYNC];
  const words = value.split(/\s+/).filter((word) => word !== '');
  const bad =
    words.length === 0
      ? 'it is empty'
      : words[0]!.startsWith('-')
        ? 'it starts with an option'
        : CONTROL.test(value)
          ? 'it holds a control character'
          : undefined;
  if (bad) {
    throw new UserError(
      `remote pobsync ${describe(value)} is not allowed: ${bad}; give the command that runs pobsync on the peer, ` +
        'like "pobsync" or "/usr/bin/node /opt/pobsync/dist/pobsync.mjs --home /srv/pobsync"',
    );
  }
  return words;
}

/** What runs on the peer to list a host's snapshots, as the one string ssh passes to its shell. */
export function peerListingCommand(remotePobsync: readonly string[], host: string): string {
  return [...remotePobsync, 'snapshots', host, '--json'].map(shellQuote).join(' ');
}

/** A snapshot of the peer's listing that may be copied: complete, on disk, not being deleted. */
export interface PeerSnapshot {
  name: string;
  kind: SnapshotKind;
  status: SnapshotStatus;
  /** its directory on the peer */
  path: string;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The peer's `snapshots <host> --json`, checked: what the peer says is data, never trusted to be
 * well formed. Returns its complete snapshots, oldest first, and how many it left out.
 */
export function parsePeerListing(text: string, host: string): { snapshots: PeerSnapshot[]; skipped: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`the peer's "snapshots ${host} --json" is not JSON: is --remote-pobsync a pobsync?`);
  }
  if (!Array.isArray(parsed)) throw new UserError(`the peer's "snapshots ${host} --json" is not a list of snapshots`);
  const snapshots: PeerSnapshot[] = [];
  let skipped = 0;
  for (const item of parsed as Record<string, unknown>[]) {
    const name = item?.['name'];
    const path = item?.['path'];
    const startedAt = new Date(String(item?.['startedAt']));
    const finishedAt = new Date(String(item?.['finishedAt']));
    const usable =
      typeof name === 'string' &&
      isSnapshotName(name) &&
      typeof path === 'string' &&
      isPlainPath(path) &&
      path.endsWith(`/${host}/${name}`) &&
      SNAPSHOT_KINDS.includes(item['kind'] as SnapshotKind) &&
      item['kind'] !== 'safety' &&
      item['status'] === 'complete' &&
      SNAPSHOT_STATUSES.includes(item['status']) &&
      !item['deleting'] &&
      !item['missingSince'] &&
      !Number.isNaN(startedAt.getTime()) &&
      !Number.isNaN(finishedAt.getTime());
    if (!usable) {
      skipped += 1;
      continue;
    }
    snapshots.push({ name, path, kind: item['kind'] as SnapshotKind, status: 'complete', startedAt, finishedAt });
  }
  snapshots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { snapshots, skipped };
}

function isPlainPath(path: string): boolean {
  try {
    validateAbsolutePath('path', path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which of the peer's snapshots a replication copies: those this server lacks by name and newer
 * than the newest it holds, oldest first. Older ones it lacks were removed here by retention (or
 * never wanted): fetching them again would undo the policy on every run.
 */
export function snapshotsToCopy(peer: readonly PeerSnapshot[], held: ReadonlySet<string>, newestHeld: string | undefined): PeerSnapshot[] {
  return peer.filter((snapshot) => !held.has(snapshot.name) && (newestHeld === undefined || snapshot.name > newestHeld));
}
