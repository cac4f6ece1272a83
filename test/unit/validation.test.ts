import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import {
  serverNameFromHostname,
  validateAbsolutePath,
  validateAddress,
  validateBackupRoot,
  validateExcludes,
  validateHostName,
  validatePort,
  validateRsyncArgs,
  validateServerName,
  validateSources,
  validateTimeZone,
  validateUser,
} from '../../source/domain/validation.js';

const refused = (check: () => unknown, message: RegExp) => {
  expect(check).toThrow(UserError);
  expect(check).toThrow(message);
};

describe('validation', () => {
  it('accepts host names of lowercase letters, digits, dots and dashes', () => {
    for (const name of ['web1', 'db-2.example', '0', 'a'.repeat(63)]) expect(validateHostName(name)).toBe(name);
    for (const name of ['Web1', '-web', '.web', 'web_1', 'web/1', 'a'.repeat(64), 'web 1']) {
      refused(() => validateHostName(name), /^host name .* is not allowed: use 1-63 lowercase letters/);
    }
    for (const name of ['', undefined]) refused(() => validateHostName(name), /^a host name is needed here: "pobsync hosts" lists them$/);
  });

  it('makes a valid server name of any hostname, as a configured name is validated', () => {
    const cases: [string, string][] = [
      ['backup1.example.com', 'backup1'],
      ['Backup1', 'backup1'],
      ['web_01', 'web-01'],
      ['_build-host', 'build-host'],
      ['', 'localhost'],
      ['.', 'localhost'],
      ['___', 'localhost'],
      ['x'.repeat(80), 'x'.repeat(63)],
      ['höst', 'h-st'],
    ];
    for (const [hostname, name] of cases) {
      expect(serverNameFromHostname(hostname), hostname).toBe(name);
      expect(validateServerName(serverNameFromHostname(hostname))).toBe(name);
    }
  });

  it('accepts hostnames, IPv4, IPv6 and "local" as addresses, never an option', () => {
    for (const address of ['local', 'web1.example.com', '127.0.0.1', '::1', 'fe80::1', 'host-1'])
      expect(validateAddress(address)).toBe(address);
    for (const address of ['-oProxyCommand=x', '', 'a b', 'web1;rm', '$(id)', 'web..example', undefined]) {
      refused(() => validateAddress(address), /^address .* is not allowed: use a hostname, an IPv4 or IPv6 address, or "local"/);
    }
  });

  it('accepts Unix user names only', () => {
    expect(validateUser('root')).toBe('root');
    expect(validateUser('_backup-1')).toBe('_backup-1');
    for (const user of ['Root', '-l', 'a b', 'x;y', '', '1abc']) refused(() => validateUser(user), /^user .* is not allowed/);
  });

  it('accepts ports 1-65535, given as number or digits', () => {
    expect(validatePort('22')).toBe(22);
    expect(validatePort(65535)).toBe(65535);
    for (const port of ['0', '65536', '22x', '-1', '', 2.5])
      refused(() => validatePort(port), /^port .* is not allowed: use a whole number from 1 to 65535/);
  });

  it('accepts absolute normalized paths and says how to write a bad one', () => {
    expect(validateAbsolutePath('source', '/etc')).toBe('/etc');
    expect(validateAbsolutePath('source', '/')).toBe('/');
    expect(validateAbsolutePath('source', '/var/www/my site')).toBe('/var/www/my site');
    refused(() => validateAbsolutePath('source', 'etc'), /it is not absolute/);
    refused(() => validateAbsolutePath('source', '/etc/../root'), /it contains "\.\."/);
    refused(() => validateAbsolutePath('source', '/etc//nginx'), /not normalized \(write \/etc\/nginx\)/);
    refused(() => validateAbsolutePath('source', '/etc/'), /not normalized \(write \/etc\)/);
    refused(() => validateAbsolutePath('source', '/home/*'), /wildcard/);
    refused(() => validateAbsolutePath('source', '/etc\nx'), /control character/);
  });

  it('needs at least one source and drops repeats', () => {
    expect(validateSources(['/etc', '/srv', '/etc'])).toEqual(['/etc', '/srv']);
    refused(() => validateSources([]), /sources are missing/);
  });

  it('refuses "/" as the backup root', () => {
    refused(() => validateBackupRoot('/'), /backup root "\/" is not allowed/);
    expect(validateBackupRoot('/srv/backups')).toBe('/srv/backups');
  });

  it('takes only the rsync options known to be safe for a snapshot, one per argument with its value attached', () => {
    const allowed = [
      '--bwlimit=5m',
      '-z',
      '-zx',
      '--one-file-system',
      '--rsync-path=sudo rsync',
      '--compress-level=3',
      '--zc=zstd',
      '--exclude-from=/etc/pobsync/web1.excludes',
      '--filter=- *.tmp',
      '--filter=merge /etc/pobsync/web1.rules',
      '--filter=dir-merge .rsync-filter',
      '--timeout=600',
      '--contimeout=30',
      '--checksum',
      '--sparse',
      '--fake-super',
      '--no-A',
      '--max-size=2g',
    ];
    expect(validateRsyncArgs(allowed)).toEqual(allowed);
    refused(() => validateRsyncArgs(['/tmp/extra-source']), /give one option per --rsync-arg/);
    refused(() => validateRsyncArgs(['--bwlimit', '5m']), /--bwlimit takes a rate like 500k or 20m, after "="/);
    // Options that rewrite shared inodes, delete on the host, hide a missing source, link changed
    // files to old content, follow links out of the tree, or that pobsync sets itself.
    for (const arg of [
      '--inplace',
      '--append',
      '--append-verify',
      '--remove-source-files',
      '--remove-sent-files',
      '--ignore-missing-args',
      '--delete-missing-args',
      '--size-only',
      '--keep-dirlinks',
      '-K',
      '--rsh=nc',
      '--link-dest=/x',
      '-n',
      '--dry-run',
      '--files-from=/x',
      '--remote-option=x',
      '--no-relative',
      '--no-protect-args',
      '--old-args',
      '--out-format=%n',
      '--partial-dir=/tmp',
      '--temp-dir=/tmp',
      '--backup-dir=/x',
    ]) {
      refused(() => validateRsyncArgs([arg]), /is not one of the options known to be safe for a snapshot/);
    }
    // Short options that take a value would take pobsync's own next argument as theirs.
    for (const arg of ['-M', '-zM', '-f', '-B', '-e', '-zn']) refused(() => validateRsyncArgs([arg]), /is not one of the options known/);
    // Values of the wrong form, and filter rules that would drop pobsync's own excludes.
    for (const [arg, message] of [
      ['--bwlimit=fast', /--bwlimit takes a rate/],
      ['--compress-level=12', /--compress-level takes a level from 0 to 9/],
      ['--exclude-from=relative.txt', /--exclude-from takes an absolute path/],
      ['--filter=!', /--filter takes a rule like/],
      ['--filter=clear', /--filter takes a rule like/],
      ['--filter=merge relative.rules', /--filter takes a rule like/],
      ['--filter=P /keep', /--filter takes a rule like/],
      ['--checksum=yes', /--checksum takes no value/],
      ['--timeout=1e9', /--timeout takes a whole number of seconds/],
    ] as const) {
      refused(() => validateRsyncArgs([arg]), message);
    }
    refused(() => validateRsyncArgs(['--exclude=a\nb']), /control character/);
  });

  it('refuses empty or multi-line excludes', () => {
    expect(validateExcludes(['*.tmp', '/var/cache'])).toEqual(['*.tmp', '/var/cache']);
    refused(() => validateExcludes(['']), /exclude "" is not allowed/);
    refused(() => validateExcludes(['a\nb']), /exclude .* is not allowed/);
  });

  it('accepts IANA time zones only', () => {
    expect(validateTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(validateTimeZone('UTC')).toBe('UTC');
    refused(() => validateTimeZone('Mars/Olympus'), /time zone "Mars\/Olympus" is not allowed/);
  });
});
