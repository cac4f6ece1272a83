/** Peers for `pobsync replicate`: how one is written, checked, named for ssh, and what it lists. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import {
  formatPeer,
  parsePeer,
  parsePeerListing,
  parseRemotePobsync,
  peerAlias,
  peerListingCommand,
  peerTarget,
  snapshotsToCopy,
  validateRemoteHome,
} from '../../source/domain/peer.js';
import { replicaArgs } from '../../source/domain/rsync-args.js';
import { transportArgs } from '../../source/domain/rsync-options.js';
import { sshOptions } from '../../source/domain/ssh-args.js';

const files = { keyFile: '/var/lib/pobsync/keys/id_ed25519', knownHostsFile: '/var/lib/pobsync/keys/known_hosts' };

describe('a peer', () => {
  it('is user@address with an optional port, IPv6 in brackets', () => {
    expect(parsePeer('pobsync@backup1.example.com')).toEqual({ user: 'pobsync', address: 'backup1.example.com', port: 22 });
    expect(parsePeer('root@10.0.0.5:2222')).toEqual({ user: 'root', address: '10.0.0.5', port: 2222 });
    expect(parsePeer('pobsync@[2001:db8::5]:22')).toEqual({ user: 'pobsync', address: '2001:db8::5', port: 22 });
    expect(formatPeer(parsePeer('pobsync@[2001:db8::5]'))).toBe('pobsync@[2001:db8::5]:22');
    expect(formatPeer(parsePeer('root@10.0.0.5'))).toBe('root@10.0.0.5:22');
  });

  it.each([
    '-oProxyCommand=touch /tmp/x',
    'root@-oProxyCommand=x',
    '-l root@host',
    'backup1.example.com',
    'root@host:0',
    'root@host:99999',
    'root@host;rm -rf /',
    'root@local',
    'Root@host',
    'root@host name',
    '',
    'root@2001:db8::5',
  ])('refuses %j in one line that says what is allowed', (spec) => {
    expect(() => parsePeer(spec)).toThrow(UserError);
    expect(() => parsePeer(spec)).toThrow(/is not allowed: .*use user@address/);
  });

  it('is pinned and reached under an alias no host name can be, without a colon for rsync', () => {
    const alias = peerAlias(parsePeer('pobsync@[2001:db8::5]:2222'));
    expect(alias).toBe('pobsync-peer_2001-db8--5_2222');
    expect(alias).not.toMatch(/^[a-z0-9][a-z0-9.-]{0,62}$/);
    const options = sshOptions(peerTarget(parsePeer('pobsync@10.0.0.5:2222')), files);
    expect(options).toContain('StrictHostKeyChecking=yes');
    expect(options).toContain('HostKeyAlias=pobsync-peer_10.0.0.5_2222');
    expect(options).toContain('HostName=10.0.0.5');
  });
});

describe('the remote pobsync', () => {
  it("is words split on spaces, each quoted for the peer's shell, never an option first", () => {
    expect(parseRemotePobsync(undefined)).toEqual(['pobsync']);
    expect(parseRemotePobsync('  /usr/bin/node  /opt/pobsync/dist/pobsync.mjs ')).toEqual([
      '/usr/bin/node',
      '/opt/pobsync/dist/pobsync.mjs',
    ]);
    expect(peerListingCommand(['pobsync', '--home=/srv/it; rm -rf /'], 'web1')).toBe(
      "pobsync '--home=/srv/it; rm -rf /' snapshots web1 --json",
    );
    expect(peerListingCommand(['$(reboot)'], 'web1')).toBe("'$(reboot)' snapshots web1 --json");
    for (const bad of ['', '   ', '-oProxyCommand=x', 'pobsync\n--home /x']) expect(() => parseRemotePobsync(bad)).toThrow(UserError);
    expect(validateRemoteHome('/srv/pobsync')).toBe('/srv/pobsync');
    for (const bad of ['srv', '-x', '/srv/\npobsync']) expect(() => validateRemoteHome(bad)).toThrow(UserError);
  });
});

describe("the peer's listing", () => {
  const snapshot = (name: string, fields: Record<string, unknown> = {}) => ({
    name,
    kind: 'scheduled',
    status: 'complete',
    path: `/srv/backups/web1/${name}`,
    startedAt: '2026-11-23T02:15:00.000Z',
    finishedAt: '2026-11-23T02:16:00.000Z',
    deleting: false,
    missingSince: null,
    ...fields,
  });

  it('keeps only complete, usable snapshots of that host, oldest first', () => {
    const text = JSON.stringify([
      snapshot('2026-11-24T021500Z'),
      snapshot('2026-11-23T021500Z'),
      snapshot('2026-11-22T021500Z', { status: 'partial' }),
      snapshot('2026-11-21T021500Z', { kind: 'safety' }),
      snapshot('2026-11-20T021500Z', { deleting: true }),
      snapshot('2026-11-19T021500Z', { missingSince: '2026-11-25T00:00:00Z' }),
      snapshot('2026-11-18T021500Z', { path: '/srv/backups/web2/2026-11-18T021500Z' }),
      snapshot('2026-11-17T021500Z', { path: 'relative/web1/2026-11-17T021500Z' }),
      snapshot('../../etc'),
      snapshot('2026-11-16T021500Z', { path: '/srv/backups/../web1/2026-11-16T021500Z' }),
    ]);
    const listing = parsePeerListing(text, 'web1');
    expect(listing.snapshots.map((found) => found.name)).toEqual(['2026-11-23T021500Z', '2026-11-24T021500Z']);
    expect(listing.skipped).toBe(8);
    expect(() => parsePeerListing('not json', 'web1')).toThrow(UserError);
    expect(() => parsePeerListing('{}', 'web1')).toThrow(UserError);
  });

  it('copies what this server lacks and is newer than the newest it holds', () => {
    const peer = ['2026-11-21T021500Z', '2026-11-22T021500Z', '2026-11-23T021500Z', '2026-11-23T021500Z-2'].map((name) => ({
      name,
      kind: 'scheduled' as const,
      status: 'complete' as const,
      path: `/srv/backups/web1/${name}`,
      startedAt: new Date(0),
      finishedAt: new Date(0),
    }));
    const names = (held: string[]) => snapshotsToCopy(peer, new Set(held), held.sort().at(-1)).map((found) => found.name);
    expect(names([])).toEqual(peer.map((found) => found.name));
    // The 21st was removed here by retention: it is not fetched again.
    expect(names(['2026-11-22T021500Z'])).toEqual(['2026-11-23T021500Z', '2026-11-23T021500Z-2']);
    expect(names(['2026-11-23T021500Z-2'])).toEqual([]);
  });
});

describe('the replica rsync', () => {
  it('pulls the snapshot directory over ssh after "--", linked against the newest one here', () => {
    const args = replicaArgs({
      source: '/srv/backups/web1/2026-11-23T021500Z',
      destination: '/backup/web1/.incomplete/2026-11-23T021500Z',
      linkDest: '/backup/web1/2026-11-22T021500Z',
      remote: { target: peerTarget(parsePeer('pobsync@10.0.0.5')), files },
    });
    expect(args).toContain('--link-dest=/backup/web1/2026-11-22T021500Z');
    expect(args).toContain('--protect-args');
    expect(args).toContain('--exclude=/protected');
    expect(args.slice(args.indexOf('--'))).toEqual([
      '--',
      'pobsync@pobsync-peer_10.0.0.5_22:/srv/backups/web1/2026-11-23T021500Z/',
      '/backup/web1/.incomplete/2026-11-23T021500Z/',
    ]);
    expect(args.find((arg) => arg.startsWith('ssh '))).toContain('StrictHostKeyChecking=yes');
  });

  it("takes only the transfer options of the server's defaults: a limit, compression, timeouts, never a filter", () => {
    const defaults = ['--bwlimit=20m', '--exclude=*.tmp', '-z', '--one-file-system', '--timeout=600', '--filter=- /cache', '--checksum'];
    expect(transportArgs(defaults)).toEqual(['--bwlimit=20m', '-z', '--timeout=600']);
    expect(() => transportArgs(['--inplace'])).toThrow(UserError);
  });
});
