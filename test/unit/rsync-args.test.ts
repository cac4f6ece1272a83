import { describe, expect, it } from 'vitest';
import { pullArgs } from '../../source/domain/rsync-args.js';
import { rsyncShellCommand } from '../../source/domain/ssh-args.js';

const target = { name: 'web1', address: '192.0.2.10', user: 'backup', port: 2222 };
const files = { keyFile: '/var/lib/pobsync/keys/id_ed25519', knownHostsFile: '/var/lib/pobsync/keys/known_hosts' };

describe('rsync arguments', () => {
  it("pull every source over ssh into data/, linking against the base, with user options after pobsync's", () => {
    const args = pullArgs({
      sources: ['/etc', '/var/www'],
      destination: '/srv/backups/web1/.incomplete/x/data',
      linkDest: '/srv/backups/web1/2026-11-22T021500Z/data',
      excludes: ['*.tmp'],
      extraArgs: ['--bwlimit=5m'],
      remote: { target, files },
    });
    expect(args.slice(0, 10)).toEqual([
      '-aHAX',
      '--numeric-ids',
      '--delete',
      '--delete-excluded',
      '--relative',
      '--protect-args',
      '--partial',
      '--sparse',
      '--itemize-changes',
      '--info=progress2,stats2',
    ]);
    expect(args).toContain('--bwlimit=5m');
    expect(args).toContain('--exclude=*.tmp');
    expect(args).toContain('--link-dest=/srv/backups/web1/2026-11-22T021500Z/data');
    expect(args.slice(-4)).toEqual(['--', 'backup@web1:/etc', 'backup@web1:/var/www', '/srv/backups/web1/.incomplete/x/data/']);
  });

  it('copy locally, without ssh, for the "local" address', () => {
    const args = pullArgs({ sources: ['/etc'], destination: '/b/data/', excludes: [], extraArgs: [] });
    expect(args).not.toContain('-e');
    expect(args.slice(-3)).toEqual(['--', '/etc', '/b/data/']);
  });

  it('give ssh a pinned key, strict host key checking and no password prompts', () => {
    const command = rsyncShellCommand(target, files);
    expect(command).toContain('-o StrictHostKeyChecking=yes');
    expect(command).toContain('-o BatchMode=yes');
    expect(command).toContain('-o HostKeyAlias=web1');
    expect(command).toContain('-o HostName=192.0.2.10');
    expect(command).toContain('-o UserKnownHostsFile=/var/lib/pobsync/keys/known_hosts');
    expect(command).not.toMatch(/StrictHostKeyChecking=no/);
    expect(rsyncShellCommand(target, { ...files, keyFile: '/home/my keys/id' })).toContain("-i '/home/my keys/id'");
    expect(() => rsyncShellCommand(target, { ...files, keyFile: "/it's/id" })).toThrow(/single quote/);
  });
});
