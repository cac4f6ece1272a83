/**
 * The CLI as a script uses it: bad input refused with one line and exit 2 and nothing
 * written; listings as JSON; discovery after the catalogue is lost; the local address.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backUp,
  expectOk,
  findFile,
  runsOf,
  setUpHost,
  setUpLocalHost,
  snapshotsOf,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';
import { dumpCatalogue } from '../helpers/sqlite.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

/** The host srv1 (address local) with two sources, set up in this process: the commands under test come after. */
async function setUpSrv1(): Promise<void> {
  writeTree(ws.source, { 'etc/app.conf': 'a=1\n', 'srv/data.txt': 'data\n' });
  await setUpLocalHost(ws, 'srv1', { sources: [join(ws.source, 'etc'), join(ws.source, 'srv')] });
}

describe('pobsync CLI', () => {
  it('refuses every bad input with one line naming the field, exit 2, and an unchanged catalogue', async () => {
    ws = workspace();
    await setUpSrv1();
    await backUp(ws, 'srv1');
    const before = await dumpCatalogue(ws.home);

    const cases: [string[], RegExp][] = [
      [['configure-host', 'Web_1', '--address', 'h', '--source', '/etc'], /^pobsync: host name "Web_1" is not allowed/],
      [
        ['configure-host', 'web2', '--address', '-oProxyCommand=touch /tmp/x', '--source', '/etc'],
        /^pobsync: address "-oProxyCommand=touch \/tmp\/x" is not allowed/,
      ],
      [
        ['configure-host', 'web2', '--address', 'h.example', '--source', '/etc', '--user', '-lroot'],
        /^pobsync: user "-lroot" is not allowed/,
      ],
      [
        ['configure-host', 'web2', '--address', 'h.example', '--source', 'etc'],
        /^pobsync: source "etc" is not allowed: it is not absolute/,
      ],
      [
        ['configure-host', 'web2', '--address', 'h.example', '--source', '/srv/../etc'],
        /^pobsync: source "\/srv\/..\/etc" is not allowed: it contains ".."/,
      ],
      [['configure-host', 'web2', '--address', 'h.example', '--source', '/etc', '--port', '0'], /^pobsync: port "0" is not allowed/],
      [
        ['configure-host', 'web2', '--address', 'h.example', '--source', '/etc', '--port', '65536'],
        /^pobsync: port "65536" is not allowed/,
      ],
      [
        ['configure-host', 'web2', '--address', 'h.example', '--source', '/etc', '--rsync-arg', '--remove-source-files'],
        /^pobsync: rsync argument "--remove-source-files" is not allowed/,
      ],
      [['configure-host', 'web2', '--address', 'h.example'], /^pobsync: sources are missing for new host "web2"/],
      [['configure-host', 'web2', '--source', '/etc'], /^pobsync: address is missing for new host "web2"/],
      [['configure-host', 'srv1', '--address', 'h.example', '--port', 'x22'], /^pobsync: port "x22" is not allowed/],
      [['configure-host', 'srv1', '--bogus'], /^pobsync: unknown option --bogus for "pobsync configure-host"/],
      [['configure-global', '--backup-root', 'relative/dir'], /^pobsync: backup root "relative\/dir" is not allowed: it is not absolute/],
      [['configure-global', '--backup-root', '/'], /^pobsync: backup root "\/" is not allowed/],
      [['configure-global', '--timezone', 'Mars/Base'], /^pobsync: time zone "Mars\/Base" is not allowed/],
      [['configure-global', '--max-concurrent', '0'], /^pobsync: max concurrent "0" is not allowed/],
      [['host', 'nosuchhost'], /^pobsync: unknown host "nosuchhost"/],
      [['backup', 'nosuchhost'], /^pobsync: unknown host "nosuchhost"/],
      [['snapshots', 'nosuchhost'], /^pobsync: unknown host "nosuchhost"/],
      [['runs', '--host', 'nosuchhost'], /^pobsync: unknown host "nosuchhost"/],
      [['log', '999'], /^pobsync: unknown run #999/],
      [['log', 'abc'], /^pobsync: run id "abc" is not allowed/],
      [['trust-host', 'srv1', '--yes'], /^pobsync: host "srv1" has address "local"/],
      [['frobnicate'], /^pobsync: unknown command "frobnicate"/],
      [['configure-host', 'srv1', '--enable', '--disable'], /^pobsync: --enable and --disable contradict each other: give one of them/],
      [
        ['configure-host', 'srv1', '--exclude', '*.tmp', '--clear-excludes'],
        /^pobsync: --exclude and --clear-excludes contradict each other/,
      ],
      [['backup', 'srv1', '--queue', '--dry-run'], /^pobsync: --queue and --dry-run contradict each other/],
      [['backup', 'srv1', 'web2'], /^pobsync: unexpected argument "web2" for "pobsync backup"/],
      [['hosts', 'srv1'], /^pobsync: unexpected argument "srv1" for "pobsync hosts"/],
      [['retention', '--global', '--keep-daily', '7'], /^pobsync: a global policy has no snapshots to preview: add --save/],
      [['retention', 'srv1', '--use-global', '--save', '--keep-daily', '3'], /^pobsync: --use-global drops the host's own policy/],
      [['schedule', 'srv1', '--remove', '--cron', '0 * * * *'], /^pobsync: --remove and --cron contradict each other/],
    ];
    for (const [args, message] of cases) {
      const result = await ws.run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await dumpCatalogue(ws.home)).toBe(before);
  });

  it('lists hosts, host, snapshots, runs and status as one JSON document each', async () => {
    ws = workspace();
    await setUpSrv1();
    const { run, snapshot } = await ws.json(['backup', 'srv1']);
    expect(readFileSync(join(snapshot.path, 'data', ws.source, 'etc/app.conf'), 'utf8')).toBe('a=1\n');

    expect(await ws.json(['hosts'])).toEqual([
      expect.objectContaining({ name: 'srv1', address: 'local', local: true, sources: [join(ws.source, 'etc'), join(ws.source, 'srv')] }),
    ]);
    expect(await ws.json(['host', 'srv1'])).toMatchObject({ name: 'srv1', user: 'root', port: 22, enabled: true });
    expect(await ws.json(['snapshots', 'srv1'])).toEqual([
      expect.objectContaining({ name: snapshot.name, status: 'complete', kind: 'manual' }),
    ]);
    expect(await ws.json(['runs'])).toEqual([
      expect.objectContaining({ id: run.id, host: 'srv1', status: 'succeeded', snapshot: snapshot.name }),
    ]);
    const status = await ws.json(['status']);
    expect(status.hosts[0]).toMatchObject({
      host: 'srv1',
      lastRun: { id: run.id, status: 'succeeded' },
      lastSnapshot: { name: snapshot.name },
      snapshotCount: 1,
    });
    expect(status.totals).toMatchObject({ hosts: 1, snapshots: 1, running: 0, queued: 0 });
    expect(await ws.json(['configure-global'])).toMatchObject({ backupRoot: ws.backupRoot, maxConcurrent: 2 });

    const log = await ws.run(['log', String(run.id)]);
    expect(log.stdout).toContain(`run #${run.id}: manual backup of srv1`);
    expect(log.stdout).toContain(`succeeded: snapshot ${snapshot.name}`);
  });

  it('changes only the given host settings; a list given replaces the stored one', async () => {
    ws = workspace();
    await setUpSrv1();
    await expectOk(
      ws.run(['configure-host', 'srv1', '--exclude', '*.tmp', '--exclude', '/cache', '--rsync-arg', '--bwlimit=10m', '--disable']),
    );
    expect(await ws.json(['host', 'srv1'])).toMatchObject({
      excludes: ['*.tmp', '/cache'],
      rsyncArgs: ['--bwlimit=10m'],
      enabled: false,
      address: 'local',
    });
    await expectOk(ws.run(['configure-host', 'srv1', '--exclude', '*.bak', '--enable']));
    expect(await ws.json(['host', 'srv1'])).toMatchObject({ excludes: ['*.bak'], rsyncArgs: ['--bwlimit=10m'], enabled: true });
    await expectOk(ws.run(['configure-host', 'srv1', '--clear-excludes', '--clear-rsync-args']));
    expect(await ws.json(['host', 'srv1'])).toMatchObject({ excludes: [], rsyncArgs: [] });
  });

  it('finds the same snapshots after the catalogue is deleted and recreated', async () => {
    ws = workspace();
    await setUpSrv1();
    const first = (await backUp(ws, 'srv1')).snapshot;
    writeTree(ws.source, { 'etc/app.conf': 'a=2\n' });
    const second = (await backUp(ws, 'srv1')).snapshot;
    writeTree(ws.backupRoot, { 'srv1/stray-file': 'x', 'srv1/not-a-snapshot/file': 'x', 'otherhost/2026-01-01T000000Z/data/x': 'x' });
    writeTree(ws.backupRoot, { 'srv1/.incomplete/2026-01-01T000000Z/data/partial': 'x' });

    for (const suffix of ['', '-wal', '-shm']) rmSync(join(ws.home, `pobsync.sqlite${suffix}`), { force: true });
    // The new catalogue is not the one the backup root's marker names: it takes the root over.
    const refused = await ws.run(['configure-global', '--backup-root', ws.backupRoot]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/belongs to another pobsync catalogue .*If that catalogue is lost, add --adopt/);
    await expectOk(
      ws.run(['configure-host', 'srv1', '--address', 'local', '--source', join(ws.source, 'etc'), '--source', join(ws.source, 'srv')]),
    );
    const report = (await ws.json(['configure-global', '--backup-root', ws.backupRoot, '--adopt'])).adopted;

    expect(report.recorded.map((s: { name: string }) => s.name).sort()).toEqual([first.name, second.name].sort());
    expect(report.problems.map((p: { path: string }) => p.path).sort()).toEqual(
      [join(ws.backupRoot, 'otherhost'), join(ws.backupRoot, 'srv1/not-a-snapshot'), join(ws.backupRoot, 'srv1/stray-file')].sort(),
    );
    const snapshots = await ws.json(['snapshots', 'srv1']);
    expect(snapshots.map((s: { name: string; base: string | null }) => [s.name, s.base])).toEqual([
      [first.name, null],
      [second.name, first.name],
    ]);
    // Idempotent, and nothing it did not understand was touched.
    expect((await ws.json(['discover-snapshots'])).recorded).toEqual([]);
    expect(existsSync(join(ws.backupRoot, 'srv1/stray-file'))).toBe(true);
    expect(existsSync(join(ws.backupRoot, 'srv1/.incomplete/2026-01-01T000000Z/data/partial'))).toBe(true);
  });

  it("backs up this server (address local) without copying the backup root or pobsync's home into itself", async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/app.conf': 'a=1\n' });
    // The source is the directory that holds the source tree, the backup root and the home.
    await setUpLocalHost(ws, 'self', { sources: [ws.dir] });
    // The second backup: the first one's snapshot is in the backup root by then.
    await backUp(ws, 'self');
    const { snapshot } = await backUp(ws, 'self');
    const copied = join(snapshot.path, 'data', ws.dir);
    expect(readFileSync(join(copied, 'source/etc/app.conf'), 'utf8')).toBe('a=1\n');
    expect(existsSync(join(copied, 'backups'))).toBe(false);
    expect(existsSync(join(copied, 'home'))).toBe(false);
  });

  it('fails a backup whose source does not exist, instead of making an empty snapshot', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/app.conf': 'a=1\n' });
    await setUpLocalHost(ws, 'srv1', { sources: [join(ws.source, 'etc'), join(ws.source, 'not-mounted')] });
    const result = await ws.run(['backup', 'srv1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`source ${join(ws.source, 'not-mounted')} does not exist on srv1`);
    expect(await snapshotsOf(ws, 'srv1')).toEqual([]);
    expect((await runsOf(ws))[0]).toMatchObject({ status: 'failed' });
  });

  it('resumes an unfinished tree without what a source removed since then left in it', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a/small.txt': 'a\n', 'b/large.bin': Buffer.alloc(16 << 20, 1) });
    await setUpLocalHost(ws, 'srv1', { sources: [join(ws.source, 'a'), join(ws.source, 'b')], rsyncArgs: ['--bwlimit=2m'] });
    const interrupted = ws.start(['backup', 'srv1']);
    await waitFor('the large file to be in transfer', () =>
      findFile(join(ws.backupRoot, 'srv1/.incomplete'), (name) => name.startsWith('.large.bin.') || name === 'large.bin'),
    );
    interrupted.kill('SIGKILL');
    await new Promise((resolve) => interrupted.on('exit', resolve));

    await setUpHost(ws, 'srv1', { sources: [join(ws.source, 'a')], rsyncArgs: [] });
    const { snapshot } = await backUp(ws, 'srv1');
    expect(existsSync(join(snapshot.path, 'data', ws.source, 'a/small.txt'))).toBe(true);
    expect(existsSync(join(snapshot.path, 'data', ws.source, 'b'))).toBe(false);
    expect(JSON.parse(readFileSync(join(snapshot.path, 'meta.json'), 'utf8')).sources).toEqual([join(ws.source, 'a')]);
  });

  it('creates the server key once, owner-only, and prints the authorized_keys line', async () => {
    ws = workspace();
    const first = await ws.json(['key']);
    const second = await ws.json(['key']);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.publicKey).toBe(first.publicKey);
    expect(first.authorizedKeysLine).toMatch(/^restrict ssh-ed25519 AAAA\S+ pobsync@/);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(join(ws.home, 'keys')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws.home, 'keys/id_ed25519')).mode & 0o777).toBe(0o600);
    const text = await ws.run(['key']);
    expect(text.stdout).toContain(first.authorizedKeysLine);
  });

  it('prints the command list without a terminal, and every command has --help', async () => {
    ws = workspace();
    const list = await expectOk(ws.run([]));
    for (const command of [
      'configure-global',
      'configure-host',
      'hosts',
      'host',
      'key',
      'trust-host',
      'backup',
      'snapshots',
      'snapshot',
      'ls',
      'versions',
      'restore',
      'runs',
      'log',
      'status',
      'discover-snapshots',
      'config',
      'import',
      'retention',
      'schedule',
      'schedules',
      'cancel',
      'daemon',
      'scheduler',
      'worker',
    ]) {
      expect(list.stdout).toContain(`  ${command} `);
      const help = await expectOk(ws.run([command, '--help']));
      expect(help.stdout).toMatch(new RegExp(`^Usage: pobsync ${command}`));
    }
    expect((await expectOk(ws.run(['runs', '-h']))).stdout).toMatch(/^Usage: pobsync runs/);
    // -h as an option's value is that value (rsync's --human-readable, refused as such), not a request for help.
    const asValue = await ws.run(['configure-host', 'web1', '--address', 'local', '--source', ws.source, '--rsync-arg', '-h']);
    expect(asValue.code).toBe(2);
    expect(asValue.stderr).toMatch(/^pobsync: rsync argument "-h" is not allowed/);
  });
});
