/**
 * The pure parts of dumps and restores: names and commands as admins type them, paths inside
 * a snapshot, the restore command line, and the summary of what a restore changes.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import { formatMode } from '../../source/domain/format.js';
import { restoreArgs } from '../../source/domain/rsync-args.js';
import { changeAction, changePath, summarizeChanges } from '../../source/domain/rsync-output.js';
import { validateSnapshotPath, withoutNested } from '../../source/domain/snapshot-path.js';
import { remoteCommandArgs } from '../../source/domain/ssh-args.js';
import { validateDumpName, validateDumps } from '../../source/domain/validation.js';

const target = { name: 'web1', address: '192.0.2.10', user: 'backup', port: 2222 };
const files = { keyFile: '/var/lib/pobsync/keys/id_ed25519', knownHostsFile: '/var/lib/pobsync/keys/known_hosts' };

const refused = (check: () => unknown, message: RegExp) => {
  expect(check).toThrow(UserError);
  expect(check).toThrow(message);
};

describe('dump commands', () => {
  it('take NAME=COMMAND, keeping the command exactly as written', () => {
    expect(validateDumps(['app.sql.gz=pg_dump -Fc app', "mongo=mongodump --archive --db='a b'", 'x=a=b'])).toEqual([
      { name: 'app.sql.gz', command: 'pg_dump -Fc app' },
      { name: 'mongo', command: "mongodump --archive --db='a b'" },
      { name: 'x', command: 'a=b' },
    ]);
  });

  it('refuse names that are not plain file names, empty commands, and a name given twice', () => {
    for (const name of ['../x', 'a/b', '.hidden', '-rf', '', '..', 'a b', 'x;y', 'a'.repeat(129)]) {
      refused(() => validateDumpName(name), /^dump name .* is not allowed: a dump name is a plain file name/);
    }
    refused(() => validateDumps(['pg_dump']), /^dump "pg_dump" is not allowed: give it as NAME=COMMAND/);
    refused(() => validateDumps(['=pg_dump']), /^dump "=pg_dump" is not allowed/);
    refused(() => validateDumps(['a.sql=  ']), /^dump command " {2}" of a.sql is not allowed/);
    refused(() => validateDumps(['a.sql=one\ntwo']), /^dump command .* is not allowed: give a non-empty command on one line/);
    refused(() => validateDumps(['a.sql=x', 'a.sql=y']), /^dump name "a.sql" is given twice/);
  });

  it('go to the remote shell as one argument after "--", with pobsync\'s pinned ssh options', () => {
    const args = remoteCommandArgs(target, files, "pg_dump -Fc 'my app'; echo $HOME");
    expect(args.slice(-3)).toEqual(['backup@web1', '--', "pg_dump -Fc 'my app'; echo $HOME"]);
    expect(args).toContain('StrictHostKeyChecking=yes');
    expect(args).toContain('BatchMode=yes');
    expect(args).toContain('HostKeyAlias=web1');
  });
});

describe('paths inside a snapshot', () => {
  it('are absolute source paths or dumps/NAME', () => {
    expect(validateSnapshotPath('--path', '/etc/nginx')).toEqual({ area: 'data', path: '/etc/nginx' });
    expect(validateSnapshotPath('--path', '/')).toEqual({ area: 'data', path: '/' });
    expect(validateSnapshotPath('--path', 'dumps/app.sql.gz')).toEqual({ area: 'dumps', name: 'app.sql.gz' });
    refused(
      () => validateSnapshotPath('--path', 'etc/nginx'),
      /^--path "etc\/nginx" is not allowed: use an absolute source path like \/etc\/nginx, or dumps\/NAME/,
    );
    refused(() => validateSnapshotPath('--path', '../etc'), /^--path "..\/etc" is not allowed/);
    refused(() => validateSnapshotPath('--path', '/etc/../root'), /^--path "\/etc\/..\/root" is not allowed: it contains ".."/);
    refused(() => validateSnapshotPath('--path', '/etc/nginx/'), /not normalized/);
    refused(
      () => validateSnapshotPath('--path', 'dumps/../data'),
      /^--path "dumps\/..\/data" is not allowed: after dumps\/ comes a dump's name/,
    );
    refused(() => validateSnapshotPath('--path', 'dumps/'), /^--path "dumps\/" is not allowed/);
    refused(() => validateSnapshotPath('--path', ''), /^--path "" is not allowed: it is empty/);
  });

  it('drop duplicates and paths inside another one', () => {
    const paths = ['/etc/nginx/nginx.conf', '/etc', '/etcetera', 'dumps/a', '/etc', 'dumps/a', '/var/www'].map((path) =>
      validateSnapshotPath('p', path),
    );
    expect(withoutNested(paths)).toEqual([
      { area: 'data', path: '/etc' },
      { area: 'data', path: '/etcetera' },
      { area: 'dumps', name: 'a' },
      { area: 'data', path: '/var/www' },
    ]);
    expect(withoutNested(['/', '/etc'].map((path) => validateSnapshotPath('p', path)))).toEqual([{ area: 'data', path: '/' }]);
  });
});

describe('restore arguments', () => {
  it('push source paths back to "/" on the host over pinned ssh, with "/./" where --relative starts', () => {
    const args = restoreArgs({
      sources: [{ root: '/srv/backups/web1/2026-11-23T021500Z/data', path: 'etc/nginx' }],
      destination: '/',
      excludes: ['*.cache'],
      remote: { target, files },
      delete: true,
      impliedDirs: false,
    });
    expect(args.slice(0, 7)).toEqual([
      '-aHAX',
      '--numeric-ids',
      '--relative',
      '--protect-args',
      '--sparse',
      '--itemize-changes',
      '--info=progress2,stats2',
    ]);
    expect(args).toContain('--no-implied-dirs');
    expect(args).toContain('--delete');
    expect(args).toContain('--exclude=*.cache');
    expect(args).not.toContain('--dry-run');
    expect(args.some((arg) => arg.startsWith('--partial-dir'))).toBe(false);
    expect(args[args.indexOf('-e') + 1]).toContain('StrictHostKeyChecking=yes');
    expect(args.slice(-3)).toEqual(['--', '/srv/backups/web1/2026-11-23T021500Z/data/./etc/nginx', 'backup@web1:/']);
  });

  it('copy into a local directory without ssh, never deleting unless asked', () => {
    const args = restoreArgs({
      sources: [
        { root: '/b/web1/s/data', path: 'etc' },
        { root: '/b/web1/s', path: 'dumps/app.sql.gz' },
      ],
      destination: '/tmp/restore',
      excludes: [],
      dryRun: true,
      impliedDirs: true,
    });
    expect(args).not.toContain('-e');
    expect(args).not.toContain('--delete');
    expect(args).not.toContain('--no-implied-dirs');
    expect(args).toContain('--dry-run');
    expect(args.slice(-4)).toEqual(['--', '/b/web1/s/data/./etc', '/b/web1/s/./dumps/app.sql.gz', '/tmp/restore/']);
  });
});

describe('restore changes', () => {
  const lines = [
    'cd+++++++++ etc/nginx/sites/',
    '>f+++++++++ etc/nginx/sites/a.conf',
    '>f.st...... etc/nginx/nginx.conf',
    '.d..t...... etc/nginx/',
    '*deleting   etc/nginx/new.conf',
    'cL+++++++++ etc/nginx/current -> sites/a.conf',
    'hf+++++++++ etc/nginx/b.conf => etc/nginx/sites/a.conf',
    '.f...p..... etc/nginx/mime.types',
    '<f..t...... etc/nginx/pushed.conf',
    '         32,768 100%    0.00kB/s    0:00:00 (xfr#1, to-chk=0/3)',
    'Number of files: 3 (reg: 2, dir: 1)',
    'created directory /tmp/x',
  ];

  it('sort each itemized line into create, update or delete, and ignore the rest', () => {
    expect(lines.map(changeAction)).toEqual([
      'create',
      'create',
      'update',
      'update',
      'delete',
      'create',
      'create',
      'update',
      'update',
      undefined,
      undefined,
      undefined,
    ]);
    expect(summarizeChanges(lines)).toEqual({ create: 4, update: 4, delete: 1 });
  });

  it('name the path each line is about', () => {
    expect(lines.slice(0, 9).map(changePath)).toEqual([
      'etc/nginx/sites/',
      'etc/nginx/sites/a.conf',
      'etc/nginx/nginx.conf',
      'etc/nginx/',
      'etc/nginx/new.conf',
      'etc/nginx/current',
      'etc/nginx/b.conf',
      'etc/nginx/mime.types',
      'etc/nginx/pushed.conf',
    ]);
  });
});

describe('modes', () => {
  it('read like ls -l', () => {
    expect(formatMode('file', 0o644)).toBe('-rw-r--r--');
    expect(formatMode('directory', 0o1777)).toBe('drwxrwxrwt');
    expect(formatMode('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(formatMode('file', 0o2640)).toBe('-rw-r-S---');
    expect(formatMode('symlink', 0o777)).toBe('lrwxrwxrwx');
  });
});
