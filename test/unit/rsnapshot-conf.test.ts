import { describe, expect, it } from 'vitest';
import {
  filesToRead,
  rsnapshotCrontab,
  scriptOutput,
  splitArgs,
  splitRsnapshotConf,
  suggestSchedule,
  translateRsnapshot,
} from '../../source/domain/rsnapshot-conf.js';

const conf = (lines: string[]) => splitRsnapshotConf(`${lines.join('\n')}\n`, 'rs.conf');

describe('rsnapshot.conf', () => {
  it('is split on tabs, with comments, blank lines and continuation lines as rsnapshot reads them', () => {
    const { lines, issues } = conf([
      '# a comment',
      'config_version\t1.2',
      '',
      'backup\t/etc/\t\tlocalhost/',
      'rsync_long_args\t--delete',
      '  --numeric-ids',
      'snapshot_root /srv/snap/',
    ]);
    expect(lines).toEqual([
      { where: 'rs.conf:2', fields: ['config_version', '1.2'] },
      { where: 'rs.conf:4', fields: ['backup', '/etc/', 'localhost/'] },
      { where: 'rs.conf:5', fields: ['rsync_long_args', '--delete', '--numeric-ids'] },
    ]);
    expect(issues).toEqual([
      { where: 'rs.conf:7', text: 'snapshot_root /srv/snap/', reason: 'its fields are not separated by tabs (rsnapshot refuses it too)' },
    ]);
  });

  it('becomes hosts: ssh points by user, address and port, local points by destination', () => {
    const { lines } = conf([
      'snapshot_root\t/srv/snap/',
      'retain\talpha\t6',
      'retain\tbeta\t7',
      'exclude\t*.tmp',
      'exclude_file\t/etc/rsnapshot.exclude',
      'ssh_args\t-p 2222',
      'one_fs\t1',
      'rsync_short_args\t-az',
      'rsync_long_args\t--delete --numeric-ids --relative --delete-excluded --bwlimit=5000 --remove-source-files',
      'backup\troot@web1.example.com:/etc/\tweb1/',
      'backup\troot@web1.example.com:/var/www/\tweb1/\t+rsync_long_args=--exclude=/var/www/cache/',
      'backup\t/etc/\tlocalhost/',
      'backup\t/home/\tlocalhost/\texclude=.cache',
      'backup\tdb1:/var/lib/pgsql/\tdatabases/db1/',
    ]);
    const files = new Map([['/etc/rsnapshot.exclude', '# comment\n*.log\n- *.bak\n+ keep/\n']]);
    const result = translateRsnapshot(lines, files);
    expect(result.snapshotRoot).toBe('/srv/snap');
    expect(result.intervals.map(({ name, count }) => [name, count])).toEqual([
      ['alpha', 6],
      ['beta', 7],
    ]);
    expect(result.hosts.map(({ points, where, ...host }) => host)).toEqual([
      {
        name: 'localhost',
        address: 'local',
        user: 'root',
        port: 22,
        sources: ['/etc', '/home'],
        excludes: ['*.tmp', '*.log', '*.bak', '.cache'],
        rsyncArgs: ['--bwlimit=5000', '-z', '--one-file-system'],
        dumps: [],
      },
      {
        name: 'web1',
        address: 'web1.example.com',
        user: 'root',
        port: 2222,
        sources: ['/etc', '/var/www'],
        excludes: ['*.tmp', '*.log', '*.bak', '/var/www/cache/'],
        rsyncArgs: ['--bwlimit=5000', '-z', '--one-file-system'],
        dumps: [],
      },
      {
        name: 'databases',
        address: 'db1',
        user: 'root',
        port: 2222,
        sources: ['/var/lib/pgsql'],
        excludes: ['*.tmp', '*.log', '*.bak'],
        rsyncArgs: ['--bwlimit=5000', '-z', '--one-file-system'],
        dumps: [],
      },
    ]);
    expect(result.hosts[1]!.points).toEqual([
      { source: '/etc', dest: 'web1', relative: true, where: 'rs.conf:10' },
      { source: '/var/www', dest: 'web1', relative: true, where: 'rs.conf:11' },
    ]);
    const reasons = result.untranslated.map(({ text, reason }) => `${text}: ${reason}`);
    expect(reasons).toContainEqual(expect.stringMatching(/^\+ keep\/: pobsync has no include rules/));
    expect(reasons).toContainEqual(expect.stringMatching(/^--remove-source-files: rsync argument "--remove-source-files" is not allowed/));
    expect(result.notes).toContainEqual(expect.stringMatching(/rs.conf:14: no user given for db1; pobsync logs in as root/));
    expect(result.notes).toContainEqual(expect.stringMatching(/^host localhost: options of single backup points/));
  });

  it('reports what pobsync has no place for, with the line it is on', () => {
    const { lines } = conf([
      'backup\trsync://mirror/pub/\tmirror/pub/',
      'backup\tlvm://vg0/home/\tlvm/',
      'backup\tweb2:etc/\tweb2/',
      'backup\t/etc/\t/abs/',
      'backup_exec\t/bin/true',
      'cmd_preexec\t/usr/local/bin/mount-it',
      'include\t/home/',
      'frobnicate\t1',
      'ssh_args\t-p 22 -i /root/.ssh/backup',
      'backup\troot@web3:/etc/\tweb3/',
      'lockfile\t/var/run/rsnapshot.pid',
    ]);
    const result = translateRsnapshot(lines, new Map());
    expect(result.untranslated.map(({ where, reason }) => `${where} ${reason.split(': ')[0]}`)).toEqual([
      'rs.conf:5 pobsync runs no commands of its own around a backup',
      'rs.conf:6 pobsync has no pre- or post-backup commands',
      'rs.conf:7 pobsync has no include rules, only excludes',
      'rs.conf:8 unknown directive "frobnicate"',
      'rs.conf:1 pobsync pulls over ssh, not from rsync daemons',
      'rs.conf:2 pobsync does not take LVM snapshots',
      'rs.conf:3 source "web2:etc/" is relative to the user\'s home',
      'rs.conf:4 destination "/abs/" is not a relative path like localhost/',
      'rs.conf:9 pobsync runs ssh with its own key, its own known_hosts and BatchMode',
    ]);
    expect(result.hosts.map((host) => host.name)).toEqual(['web3']);
  });

  it('turns a backup_script that prints its data into a dump of the local host it writes into', () => {
    const { lines } = conf([
      'backup\t/etc/\tlocalhost/',
      'backup\troot@web1:/etc/\tweb1/',
      'backup_script\t/usr/local/bin/dump-pg --all\tlocalhost/postgres/',
      'backup_script\t/usr/local/bin/dump-files\tlocalhost/files/',
      'backup_script\t/usr/local/bin/dump-pg\tweb1/pg/',
      'backup_script\t/usr/local/bin/missing\tlocalhost/other/',
    ]);
    expect(filesToRead(lines)).toEqual(['/usr/local/bin/dump-pg', '/usr/local/bin/dump-files', '/usr/local/bin/missing']);
    const files = new Map<string, string | null>([
      ['/usr/local/bin/dump-pg', '#!/bin/sh\nexec pg_dumpall 2>/dev/null\n'],
      ['/usr/local/bin/dump-files', '#!/bin/sh\nmysqldump app > app.sql\n'],
      ['/usr/local/bin/missing', null],
    ]);
    const result = translateRsnapshot(lines, files);
    expect(result.hosts.find((host) => host.name === 'localhost')!.dumps).toEqual([
      { name: 'postgres', command: '/usr/local/bin/dump-pg --all' },
    ]);
    expect(result.scriptDests).toEqual(['localhost/postgres', 'localhost/files', 'web1/pg', 'localhost/other']);
    expect(result.untranslated.map(({ where, reason }) => `${where} ${reason.slice(0, 60)}`)).toEqual([
      'rs.conf:4 the script writes files ("mysqldump app > app.sql"), and a p',
      'rs.conf:5 the script runs on this server, and host web1 is not local: ',
      'rs.conf:6 the script cannot be read: add a dump by hand with "pobsync ',
    ]);
  });

  it('tells scripts that write files from scripts that print', () => {
    for (const text of ['pg_dump app', 'pg_dump app 2>/dev/null', 'pg_dump app 2>&1', 'tar -czf - /srv >&2', 'echo a | gzip']) {
      expect(scriptOutput(`#!/bin/sh\n${text}\n`), text).toEqual({ kind: 'stdout' });
    }
    for (const text of [
      'pg_dump app > app.sql',
      'pg_dump app>>x',
      'cmd &> out',
      'cmd | tee out',
      'cp /a .',
      'pg_dump --file=x',
      'dd if=/a of=b',
    ]) {
      expect(scriptOutput(`#!/bin/sh\n${text}\n`).kind, text).toBe('files');
    }
    expect(scriptOutput('# > not.this\nls\n')).toEqual({ kind: 'stdout' });
    expect(scriptOutput('\0ELF')).toMatchObject({ kind: 'unknown' });
  });

  it('names a host by its destination when that is its own, else by its address', () => {
    const { lines } = conf([
      'backup\t/etc/\tservers/',
      'backup\troot@a.example:/etc/\tservers/a/',
      'backup\troot@b.example:/etc/\tservers/b/',
    ]);
    expect(translateRsnapshot(lines, new Map()).hosts.map((host) => host.name)).toEqual(['servers', 'a.example', 'b.example']);
  });

  it('splits arguments on spaces, with quotes around values', () => {
    expect(splitArgs(`--a --rsync-path="sudo rsync" -e 'x y'  --b`)).toEqual(['--a', '--rsync-path=sudo rsync', '-e', 'x y', '--b']);
  });

  it("suggests the first level's time and a keep rule per level", () => {
    const intervals = [
      { name: 'alpha', count: 6, where: '' },
      { name: 'beta', count: 7, where: '' },
      { name: 'gamma', count: 4, where: '' },
    ];
    expect(suggestSchedule(intervals, new Map())).toMatchObject({
      cron: '0 */4 * * *',
      cronFrom: 'guess',
      retentionFlags: ['--keep-hourly', '6', '--keep-daily', '7', '--keep-weekly', '4'],
    });
    const crontab = rsnapshotCrontab(
      [
        '# 0 */4 * * * root /usr/bin/rsnapshot alpha',
        'SHELL=/bin/sh',
        '15 1 * * *  root  /usr/bin/rsnapshot -c /etc/rs.conf alpha',
        '30 3 * * 0  root  rsnapshot -c /etc/rs.conf beta',
        '30 3 * * *  root  rsnapshot beta',
      ].join('\n'),
      '/etc/rs.conf',
    );
    expect([...crontab]).toEqual([
      ['alpha', '15 1 * * *'],
      ['beta', '30 3 * * 0'],
    ]);
    expect(suggestSchedule(intervals.slice(0, 2), crontab)).toMatchObject({
      cron: '15 1 * * *',
      cronFrom: 'crontab',
      retentionFlags: ['--keep-daily', '6', '--keep-weekly', '7'],
    });
    expect(suggestSchedule([], new Map())).toBeNull();
  });
});
