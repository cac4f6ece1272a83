/**
 * Moving from rsnapshot: a real rsnapshot (run twice, over the throwaway sshd and locally) makes
 * the trees; pobsync imports its configuration and takes the trees over; the next pobsync backup
 * hard-links against the newest of them.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOk, setUpGlobal, sshdForFile, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';

let ws: Workspace;
const sshd = sshdForFile();
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws?.cleanup());

/** rsnapshot's own ssh identity and known_hosts, as an rsnapshot server would have them. */
function rsnapshotSsh(): string {
  const key = join(ws.dir, 'rsnapshot_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  sshd.authorize(readFileSync(`${key}.pub`, 'utf8'));
  const knownHosts = join(ws.dir, 'rsnapshot_known_hosts');
  writeFileSync(knownHosts, execFileSync('ssh-keyscan', ['-p', String(sshd.port), '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] }));
  return `-p ${sshd.port} -i ${key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
}

describe('import rsnapshot', () => {
  it('creates the hosts and takes the trees over; the next backup links against the newest tree', async () => {
    const remote = join(ws.source, 'remote');
    const local = join(ws.source, 'local');
    writeTree(remote, { 'etc/app.conf': 'a=1\n', 'etc/cache.tmp': 'x', 'www/index.html': '<h1>hi</h1>\n', 'www/debug.log': 'log' });
    writeTree(local, { 'etc/server.conf': 's=1\n' });
    const snapshotRoot = join(ws.dir, 'rsnapshot');
    const excludeFile = join(ws.dir, 'rsnapshot.exclude');
    writeFileSync(excludeFile, '# logs are not backed up\n*.log\n');
    const printsDump = join(ws.dir, 'dump-state.sh');
    writeFileSync(printsDump, '#!/bin/sh\necho "state of the server"\n');
    const writesFiles = join(ws.dir, 'dump-files.sh');
    writeFileSync(writesFiles, '#!/bin/sh\necho "select 1" > db.sql\n');
    for (const script of [printsDump, writesFiles]) chmodSync(script, 0o755);
    const config = join(ws.dir, 'rsnapshot.conf');
    const levels = join(ws.dir, 'rsnapshot-levels.conf');
    writeFileSync(levels, '# included\nretain\talpha\t6\nretain\tbeta\t7\n');
    writeFileSync(
      config,
      [
        'config_version\t1.2',
        `snapshot_root\t${snapshotRoot}/`,
        'cmd_rsync\t/usr/bin/rsync',
        'cmd_ssh\t/usr/bin/ssh',
        `include_conf\t${levels}`,
        'exclude\t*.tmp',
        `exclude_file\t${excludeFile}`,
        `ssh_args\t${rsnapshotSsh()}`,
        `backup\t${sshd.user}@127.0.0.1:${remote}/etc/\tweb1/`,
        `backup\t${sshd.user}@127.0.0.1:${remote}/www/\tweb1/`,
        `backup\t${local}/etc/\tbackupsrv/`,
        `backup_script\t${printsDump}\tbackupsrv/state/`,
        `backup_script\t${writesFiles}\tbackupsrv/db/`,
        '',
      ].join('\n'),
    );
    execFileSync('rsnapshot', ['-c', config, 'alpha'], { stdio: 'ignore' });
    writeTree(remote, { 'www/index.html': '<h1>hello</h1>\n' });
    execFileSync('rsnapshot', ['-c', config, 'alpha'], { stdio: 'ignore' });
    const rsnapshotFile = join(snapshotRoot, 'alpha.0/web1', remote, 'etc/app.conf');
    const inode = statSync(rsnapshotFile).ino;
    expect(statSync(join(snapshotRoot, 'alpha.1/web1', remote, 'etc/app.conf')).ino).toBe(inode);

    await setUpGlobal(ws);
    const dry = await ws.json(['import', 'rsnapshot', config, '--snapshots', '--dry-run']);
    expect(dry.applied).toBe(false);
    expect(await ws.json(['hosts'])).toEqual([]);
    expect(existsSync(rsnapshotFile)).toBe(true);

    const report = await ws.json(['import', 'rsnapshot', config, '--snapshots']);
    expect(report.files).toEqual([config, levels, excludeFile, printsDump, writesFiles]);
    expect(report.hosts.map(({ points, where, ...host }: { points: unknown; where: unknown }) => host)).toEqual([
      {
        name: 'backupsrv',
        address: 'local',
        user: 'root',
        port: 22,
        sources: [join(local, 'etc')],
        excludes: ['*.tmp', '*.log'],
        rsyncArgs: [],
        dumps: [{ name: 'state', command: printsDump }],
      },
      {
        name: 'web1',
        address: '127.0.0.1',
        user: sshd.user,
        port: sshd.port,
        sources: [join(remote, 'etc'), join(remote, 'www')],
        excludes: ['*.tmp', '*.log'],
        rsyncArgs: [],
        dumps: [],
      },
    ]);
    const untranslated = report.untranslated.map((issue: { text: string; reason: string }) => `${issue.text}: ${issue.reason}`);
    expect(untranslated).toContainEqual(expect.stringMatching(/dump-files\.sh\tbackupsrv\/db\/: the script writes files \(.*> db\.sql"\)/));
    expect(untranslated.filter((text: string) => text.startsWith('ssh -i '))).toHaveLength(1);
    expect(untranslated).toContainEqual(expect.stringMatching(/^ssh -i .*rsnapshot_key: pobsync runs ssh with its own key/));
    expect(report.suggestion.commands).toContain('pobsync schedule web1 --cron "0 */4 * * *"');
    expect(report.snapshots.map((tree: { tree: string; host: string }) => `${tree.host} ${tree.tree}`)).toEqual([
      'backupsrv alpha.1',
      'backupsrv alpha.0',
      'web1 alpha.1',
      'web1 alpha.0',
    ]);

    // Each tree is a recorded snapshot now, in pobsync's layout, with the same files (moved, not copied).
    const snapshots = await ws.json(['snapshots', 'web1']);
    expect(snapshots.map((s: { kind: string; status: string }) => `${s.kind} ${s.status}`)).toEqual([
      'scheduled complete',
      'scheduled complete',
    ]);
    const newest = snapshots[1];
    expect(newest.name).toBe(report.snapshots[3].name);
    expect(statSync(join(newest.path, 'data', remote, 'etc/app.conf')).ino).toBe(inode);
    expect(readFileSync(join(newest.path, 'data', remote, 'www/index.html'), 'utf8')).toBe('<h1>hello</h1>\n');
    expect(readFileSync(join(snapshots[0].path, 'data', remote, 'www/index.html'), 'utf8')).toBe('<h1>hi</h1>\n');
    expect(JSON.parse(readFileSync(join(newest.path, 'meta.json'), 'utf8'))).toMatchObject({
      host: 'web1',
      kind: 'scheduled',
      sources: [join(remote, 'etc'), join(remote, 'www')],
      importedFrom: `rsnapshot:${join(snapshotRoot, 'alpha.0')}`,
    });
    expect(existsSync(rsnapshotFile)).toBe(false);
    expect(existsSync(join(snapshotRoot, 'alpha.0/backupsrv/db/db.sql'))).toBe(true);

    // pobsync takes over: its key and pin, then a backup that copies only what changed.
    sshd.authorize((await ws.json(['key'])).authorizedKeysLine);
    await expectOk(ws.run(['trust-host', 'web1', '--yes']));
    writeTree(remote, { 'etc/new.conf': 'n=1\n' });
    const { run, snapshot } = await ws.json(['backup', 'web1']);
    expect(snapshot.base).toBe(newest.name);
    expect(statSync(join(snapshot.path, 'data', remote, 'etc/app.conf')).ino).toBe(inode);
    expect(statSync(join(snapshot.path, 'data', remote, 'www/index.html')).ino).toBe(
      statSync(join(newest.path, 'data', remote, 'www/index.html')).ino,
    );
    expect(run.stats.transferredFiles).toBe(1);
    expect(existsSync(join(snapshot.path, 'data', remote, 'www/debug.log'))).toBe(false);

    const local1 = (await ws.json(['backup', 'backupsrv'])).snapshot;
    expect(local1.dumps).toEqual([{ name: 'state', bytes: 'state of the server\n'.length }]);
    expect(readFileSync(join(local1.path, 'dumps/state'), 'utf8')).toBe('state of the server\n');

    // Importing again finds the hosts there and no trees left to take.
    const again = await ws.json(['import', 'rsnapshot', config, '--snapshots']);
    expect(again.existingHosts).toEqual(['backupsrv', 'web1']);
    expect(again.snapshots).toEqual([]);
  });

  it('refuses to take trees over from another filesystem, and changes nothing', async () => {
    const config = join(ws.dir, 'rsnapshot.conf');
    writeFileSync(
      config,
      ['config_version\t1.2', 'snapshot_root\t/dev/shm/', 'retain\talpha\t6', 'backup\t/etc/\tlocalhost/', ''].join('\n'),
    );
    await setUpGlobal(ws);
    const result = await ws.run(['import', 'rsnapshot', config, '--snapshots']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /snapshot_root \/dev\/shm is on another filesystem than the backup root .*: pobsync takes trees over by renaming/,
    );
    expect(await ws.json(['hosts'])).toEqual([]);
  });
});
