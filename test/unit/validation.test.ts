import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import {
  validateAbsolutePath,
  validateAddress,
  validateBackupRoot,
  validateExcludes,
  validateHostName,
  validatePort,
  validateRsyncArgs,
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
    for (const name of ['', 'Web1', '-web', '.web', 'web_1', 'web/1', 'a'.repeat(64), 'web 1', undefined]) {
      refused(() => validateHostName(name), /^host name .* is not allowed: use 1-63 lowercase letters/);
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

  it('takes rsync options one per argument with values attached, and refuses the ones pobsync owns', () => {
    expect(validateRsyncArgs(['--bwlimit=5m', '-z', '--one-file-system', '--rsync-path=sudo rsync'])).toEqual([
      '--bwlimit=5m',
      '-z',
      '--one-file-system',
      '--rsync-path=sudo rsync',
    ]);
    refused(() => validateRsyncArgs(['/tmp/extra-source']), /give one option per --rsync-arg/);
    refused(() => validateRsyncArgs(['--bwlimit', '5m']), /give one option per --rsync-arg/);
    for (const arg of [
      '--remove-source-files',
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
    ]) {
      refused(() => validateRsyncArgs([arg]), /pobsync sets it itself or it would change what a snapshot is/);
    }
    // A short option with a value would take pobsync's own next argument as its value.
    for (const arg of ['-M', '-zM', '-f', '-B', '-e', '-@'])
      refused(() => validateRsyncArgs([arg]), /takes a value; give its long form with "="/);
    expect(validateRsyncArgs(['--filter=- *.tmp', '--block-size=8192', '--no-A'])).toEqual([
      '--filter=- *.tmp',
      '--block-size=8192',
      '--no-A',
    ]);
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
