/**
 * Configuration as code: export a catalogue as YAML, apply it to another, apply changes and
 * bad files, prune, and import the legacy per-host files.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveCron } from '../../source/domain/schedule.js';
import { expectOk, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';
import { dumpCatalogue } from '../helpers/sqlite.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

function fresh(): Workspace {
  const ws = workspace();
  workspaces.push(ws);
  return ws;
}

/** A catalogue with a bit of everything: global settings and policy, two hosts, dumps, schedules, a host policy. */
async function configure(ws: Workspace): Promise<void> {
  await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot, '--timezone', 'Europe/Berlin', '--max-concurrent', '3']));
  await expectOk(ws.run(['configure-global', '--rsync-arg', '--bwlimit=50m']));
  await expectOk(
    ws.run([
      'configure-host',
      'web1',
      '--address',
      'web1.example.com',
      '--port',
      '2222',
      '--source',
      '/etc',
      '--source',
      '/var/www',
      '--exclude',
      '*.tmp',
      '--rsync-arg',
      '--compress',
      '--dump',
      'app.sql.gz=pg_dump -Fc app | gzip',
      '--dump',
      'users.json=curl -s localhost/users',
    ]),
  );
  await expectOk(
    ws.run([
      'configure-host',
      'web1',
      '--dump-restore',
      'app.sql.gz=pg_restore --clean -d app',
      '--max-age',
      '48h',
      '--on-failure',
      'logger -t pobsync failed',
      '--notify-mail',
      'ops@example.com',
      '--retries',
      '4',
      '--retry-delay',
      '10min',
    ]),
  );
  await expectOk(ws.run(['configure-host', 'db1', '--address', 'local', '--source', '/srv/db', '--disable']));
  await expectOk(ws.run(['configure-host', 'files1', '--address', 'files1.example.com', '--source', '/srv', '--access', 'restricted']));
  const hashed = await expectOk(ws.run(['schedule', 'files1', '--cron', 'H 5 * * 0', '--verify']));
  expect(hashed.stdout).toContain(`schedule files1/verify: "H 5 * * 0" (→ "${resolveCron('H 5 * * 0', 'files1')}")`);
  const global = ['--on-stale', 'logger -t pobsync stale', '--retries', '1', '--retry-delay', '90s', '--keep-runs', '30'];
  await expectOk(ws.run(['configure-global', ...global, '--hook-timeout', '2min', '--archive-auto-purge']));
  await expectOk(ws.run(['schedule', 'web1', '--cron', '15 2 * * *']));
  await expectOk(ws.run(['schedule', 'web1', '--name', 'hourly', '--cron', '*/30 * * * *', '--timezone', 'UTC', '--prune', '--disable']));
  await expectOk(ws.run(['retention', 'web1', '--keep-daily', '14', '--keep-weekly', '8', '--kind', 'all', '--save']));
  await expectOk(ws.run(['retention', '--global', '--keep-within', '2d', '--keep-daily', '7', '--save']));
}

/**
 * configure() is a dozen commands: run once for the file. The first test checks that its export,
 * applied to an empty catalogue, exports the same again; the tests after it start from that export.
 */
let configured: Workspace;
let configuredExport: string;
beforeAll(async () => {
  configured = workspace();
  await configure(configured);
  configuredExport = (await expectOk(configured.run(['config', 'export']))).stdout;
  // Thirteen commands: a test's time, not a hook's.
}, 240_000);
afterAll(() => configured?.cleanup());

/** A new catalogue with what configure() makes, through `config apply` of its export (the first test checks they are the same). */
async function freshConfigured(): Promise<Workspace> {
  const ws = fresh();
  const file = join(ws.dir, 'configured.yaml');
  writeFileSync(file, configuredExport.replaceAll(configured.backupRoot, ws.backupRoot));
  await expectOk(ws.run(['config', 'apply', '-f', file]));
  return ws;
}

describe('config export and apply', () => {
  it('exports, applies to an empty catalogue and exports the same YAML again; applying it again changes nothing', async () => {
    const source = configured;
    const exported = configuredExport;
    expect(exported).toContain('# Hosts, by name (pobsync configure-host).');
    expect(exported).toContain('backup_root:');
    expect(exported).not.toMatch(/PRIVATE KEY|id_ed25519/);

    const target = fresh();
    const file = join(target.dir, 'pobsync.yaml');
    writeFileSync(file, exported);
    const applied = await expectOk(target.run(['config', 'apply', '-f', file]));
    expect(applied.stdout).toContain('+ host web1: address "web1.example.com"');
    expect(applied.stdout).toContain('7 added, 1 changed, 0 removed, 0 unchanged');
    expect((await expectOk(target.run(['config', 'export']))).stdout).toBe(exported);

    const before = await dumpCatalogue(target.home);
    const again = await expectOk(target.run(['config', 'apply', '-f', file]));
    expect(again.stdout).toContain('0 added, 0 changed, 0 removed, 8 unchanged');
    expect(again.stdout).toContain('nothing to change');
    expect(await dumpCatalogue(target.home)).toBe(before);

    // The applied catalogue is the real thing: the commands see what the file said.
    expect(await target.json(['host', 'web1'])).toMatchObject({
      port: 2222,
      sources: ['/etc', '/var/www'],
      dumps: [
        { name: 'app.sql.gz', command: 'pg_dump -Fc app | gzip' },
        { name: 'users.json', command: 'curl -s localhost/users' },
      ],
    });
    expect(await target.json(['host', 'files1'])).toMatchObject({ access: 'restricted', enabled: true });
    expect(await target.json(['host', 'web1'])).toMatchObject({
      maxAgeSeconds: 172_800,
      alerts: { onFailure: 'logger -t pobsync failed', notifyMail: 'ops@example.com' },
      retries: 4,
      retryDelaySeconds: 600,
    });
    expect((await target.json(['host', 'web1'])).dumps[0]).toEqual({
      name: 'app.sql.gz',
      command: 'pg_dump -Fc app | gzip',
      restore: 'pg_restore --clean -d app',
    });
    expect(await target.json(['configure-global'])).toMatchObject({
      alerts: { onStale: 'logger -t pobsync stale' },
      retries: 1,
      retryDelaySeconds: 90,
      hookTimeoutSeconds: 120,
      keepRuns: 30,
      archiveAutoPurge: true,
    });
    expect(exported).toContain('max_age: 2d');
    expect(exported).toContain('cron: H 5 * * 0');
    expect(
      (await target.json(['schedules'])).map((s: { host: string; name: string; enabled: boolean; action: string }) => [
        s.host,
        s.name,
        s.enabled,
        s.action,
      ]),
    ).toEqual([
      ['files1', 'verify', true, 'verify'],
      ['web1', 'default', true, 'backup'],
      ['web1', 'hourly', false, 'backup'],
    ]);
    expect(await target.json(['retention', 'web1', '--save'])).toMatchObject({ source: 'host', policy: { keepDaily: 14, scope: 'all' } });

    // -o writes the same document, owner-only; --host writes one host and no global section.
    await expectOk(source.run(['config', 'export', '-o', join(source.dir, 'out.yaml')]));
    expect(readFileSync(join(source.dir, 'out.yaml'), 'utf8')).toBe(exported);
    expect(statSync(join(source.dir, 'out.yaml')).mode & 0o777).toBe(0o600);
    const one = (await expectOk(source.run(['config', 'export', '--host', 'db1']))).stdout;
    expect(one).toContain('db1:');
    expect(one).not.toMatch(/web1|global:/);
  });

  it('carries a replicate schedule (its peer, remote pobsync and remote home) there and back', async () => {
    const source = fresh();
    await expectOk(source.run(['configure-global', '--backup-root', source.backupRoot]));
    const remote = ['--remote-pobsync', '/usr/bin/node /opt/pobsync/dist/pobsync.mjs', '--remote-home', '/srv/pobsync'];
    await expectOk(
      source.run([
        'schedule',
        'copy1',
        '--cron',
        '30 5 * * *',
        '--replicate-from',
        'pobsync@backup1.example.com:2222',
        ...remote,
        '--prune',
      ]),
    );
    await expectOk(source.run(['schedule', 'copy2', '--cron', '45 5 * * *', '--replicate-from', 'pobsync@backup1.example.com']));
    const exported = (await expectOk(source.run(['config', 'export']))).stdout;
    expect(exported).toContain('replicate_from: pobsync@backup1.example.com:2222');
    expect(exported).toContain('remote_pobsync: /usr/bin/node /opt/pobsync/dist/pobsync.mjs');
    expect(exported).toContain('remote_home: /srv/pobsync');

    const target = fresh();
    const file = join(target.dir, 'pobsync.yaml');
    writeFileSync(file, exported);
    await expectOk(target.run(['config', 'apply', '-f', file]));
    expect((await expectOk(target.run(['config', 'export']))).stdout).toBe(exported);
    const shape = (schedules: any[]) =>
      schedules.map((s) => [s.host, s.name, s.action, s.cron, s.prune, s.replicateFrom, s.remotePobsync, s.hostEnabled]);
    const applied = shape(await target.json(['schedules']));
    expect(applied).toEqual(shape(await source.json(['schedules'])));
    expect(applied[0]).toEqual([
      'copy1',
      'replicate',
      'replicate',
      '30 5 * * *',
      true,
      'pobsync@backup1.example.com:2222',
      ['/usr/bin/node', '/opt/pobsync/dist/pobsync.mjs', '--home=/srv/pobsync'],
      false,
    ]);
    expect((await expectOk(target.run(['config', 'apply', '-f', file]))).stdout).toContain('nothing to change');

    // A replicate schedule without its peer, or a backup schedule with one, is refused by name.
    const broken = join(target.dir, 'broken.yaml');
    writeFileSync(broken, exported.replace('replicate_from: pobsync@backup1.example.com:2222', 'replicate_from: null'));
    const refused = await target.run(['config', 'apply', '-f', broken]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('replicate_from is missing');
    writeFileSync(broken, exported.replace('action: replicate', 'action: backup'));
    const mixed = await target.run(['config', 'apply', '-f', broken]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('only a schedule with action replicate takes them');
  });

  it('refuses a file with one bad value: exit 2, one line naming the value and its line, nothing written', async () => {
    const ws = await freshConfigured();
    const exported = (await expectOk(ws.run(['config', 'export']))).stdout;
    const before = await dumpCatalogue(ws.home);
    const cases: [(text: string) => string, RegExp][] = [
      // Good changes first (a host, a port, a schedule), then one bad value further down.
      [
        (text) =>
          text
            .replace('port: 2222', 'port: 2223')
            .replace('hosts:\n', 'hosts:\n  new1:\n    address: new1.example.com\n    sources: [/etc]\n')
            .replace('- /srv/db', '- srv/db'),
        /^pobsync: .*pobsync\.yaml:\d+: hosts\.db1\.sources: source "srv\/db" is not allowed: it is not absolute/,
      ],
      [(text) => text.replace('max_concurrent: 3', 'max_concurrent: 0'), /: global\.max_concurrent: max concurrent "0" is not allowed/],
      [
        (text) => text.replace('cron: 15 2 * * *', 'cron: 15 25 * * *'),
        /: schedules\.web1\.default\.cron: cron expression "15 25 \* \* \*"/,
      ],
      [
        (text) => text.replace('cron: 15 2 * * *', 'cron: H/0 2 * * *'),
        /: schedules\.web1\.default\.cron: cron expression "H\/0 2 \* \* \*" is not allowed: minute field "H\/0": the step must be 1 to 60/,
      ],
      [
        (text) => text.replace('- --compress', '- --remove-source-files'),
        /: hosts\.web1\.rsync_args: rsync argument "--remove-source-files"/,
      ],
      [(text) => text.replace('keep_daily: 14', 'keep_daily: many'), /: retention\.web1: keep-daily "many" is not allowed/],
      [(text) => text.replace('address: local', 'adress: local'), /: hosts\.db1\.adress: unknown key "adress": use address, user, port/],
      [
        (text) => text.replace('name: users.json', 'name: ../users.json'),
        /: hosts\.web1\.dumps: dump name "\.\.\/users\.json" is not allowed/,
      ],
      [(text) => text.replace('time_zone: UTC', 'time_zone: Mars/Base'), /: schedules\.web1\.hourly\.time_zone: time zone "Mars\/Base"/],
      [(text) => text.replace('enabled: false', 'enabled: no'), /: hosts\.db1\.enabled: enabled "no" is not allowed: use true or false/],
    ];
    for (const [change, message] of cases) {
      const file = join(ws.dir, 'pobsync.yaml');
      writeFileSync(file, change(exported));
      const result = await ws.run(['config', 'apply', '-f', file]);
      expect(result.code, String(message)).toBe(2);
      expect(result.stderr, String(message)).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await dumpCatalogue(ws.home)).toBe(before);
  });

  it('shows a diff with --dry-run and writes nothing; applies changes; --prune removes the hosts the file does not name', async () => {
    const ws = await freshConfigured();
    const file = join(ws.dir, 'pobsync.yaml');
    const exported = (await expectOk(ws.run(['config', 'export']))).stdout;
    writeFileSync(
      file,
      exported
        .replace('port: 2222', 'port: 22')
        .replace('    hourly:\n', '    nightly:\n      cron: 0 4 * * *\n    hourly:\n')
        .replace(/ {2}db1:\n( {4}.*\n)+/, ''),
    );
    // db1 also gets a schedule, which pruning it removes.
    await expectOk(ws.run(['schedule', 'db1', '--cron', '0 1 * * *']));
    const before = await dumpCatalogue(ws.home);

    const dry = await expectOk(ws.run(['config', 'apply', '-f', file, '--dry-run']));
    expect(dry.stdout).toContain('~ host web1: port 2222 -> 22');
    expect(dry.stdout).toContain('+ schedule web1/nightly: cron "0 4 * * *"');
    expect(dry.stdout).toContain('not in the file, left alone (--prune removes them): db1');
    expect(dry.stdout).toContain('dry run: nothing was written');
    expect(await dumpCatalogue(ws.home)).toBe(before);
    const json = await ws.json(['config', 'apply', '-f', file, '--dry-run', '--prune']);
    expect(json.applied).toBe(false);
    expect(json.diff.changes).toContainEqual(expect.objectContaining({ kind: 'removed', subject: 'host', name: 'db1' }));
    expect(await dumpCatalogue(ws.home)).toBe(before);

    // Without --prune, db1 stays; with it, the question must be answered.
    await expectOk(ws.run(['config', 'apply', '-f', file]));
    expect((await ws.json(['host', 'web1'])).port).toBe(22);
    expect((await ws.json(['hosts'])).map((host: { name: string }) => host.name)).toEqual(['db1', 'files1', 'web1']);
    const unconfirmed = await ws.run(['config', 'apply', '-f', file, '--prune']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/removing hosts the file does not name needs confirmation: run it on a terminal, or add --yes/);
    const pruned = await expectOk(ws.run(['config', 'apply', '-f', file, '--prune', '--yes']));
    expect(pruned.stdout).toContain('- host db1');
    expect((await ws.json(['hosts'])).map((host: { name: string }) => host.name)).toEqual(['files1', 'web1']);
    expect((await ws.json(['schedules'])).map((s: { host: string; name: string }) => `${s.host}/${s.name}`)).toEqual([
      'files1/verify',
      'web1/default',
      'web1/hourly',
      'web1/nightly',
    ]);
  });

  it('prunes a host that has snapshots by disabling it: its snapshots stay', async () => {
    const ws = fresh();
    writeTree(ws.source, { 'etc/app.conf': 'a=1\n' });
    await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot]));
    await expectOk(ws.run(['configure-host', 'srv1', '--address', 'local', '--source', join(ws.source, 'etc')]));
    await expectOk(ws.run(['schedule', 'srv1', '--cron', '0 3 * * *']));
    await expectOk(ws.run(['backup', 'srv1']));
    const file = join(ws.dir, 'empty.yaml');
    writeFileSync(file, 'version: 1\nhosts: {}\n');
    const pruned = await expectOk(ws.run(['config', 'apply', '-f', file, '--prune', '--yes']));
    expect(pruned.stdout).toContain('- host srv1: disabled and kept with its schedules removed: it holds 1 snapshot');
    expect(await ws.json(['host', 'srv1'])).toMatchObject({ enabled: false });
    expect(await ws.json(['schedules'])).toEqual([]);
    expect(await ws.json(['snapshots', 'srv1'])).toHaveLength(1);
    // Applying it again: already disabled, nothing left to do.
    const again = await expectOk(ws.run(['config', 'apply', '-f', file, '--prune', '--yes']));
    expect(again.stdout).toContain('0 added, 0 changed, 0 removed, 1 unchanged');
  });

  it('imports the legacy per-host files, refusing an unknown key by name', async () => {
    const ws = fresh();
    await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot]));
    const prefix = join(ws.dir, 'opt-pobsync');
    const hosts = join(prefix, 'config', 'hosts');
    mkdirSync(hosts, { recursive: true });
    writeFileSync(
      join(hosts, 'web1.yaml'),
      'address: web1.example.com\nsources:\n  - /etc\n  - /var/www\nexcludes: ["*.log"]\nschedule: "15 2 * * *"\n' +
        'retention:\n  daily: 7\n  weekly: 4\n',
    );
    writeFileSync(join(hosts, 'db.yml'), 'host: db1\naddress: 10.0.0.5\nuser: backup\nport: 2200\nsources: [/var/lib/postgresql]\n');

    const dry = await expectOk(ws.run(['config', 'import-legacy', '--prefix', prefix, '--dry-run']));
    expect(dry.stdout).toContain('+ host web1');
    expect(await ws.json(['hosts'])).toEqual([]);
    await expectOk(ws.run(['config', 'import-legacy', '--prefix', prefix]));
    expect(await ws.json(['host', 'db1'])).toMatchObject({
      address: '10.0.0.5',
      user: 'backup',
      port: 2200,
      sources: ['/var/lib/postgresql'],
    });
    expect(await ws.json(['host', 'web1'])).toMatchObject({ sources: ['/etc', '/var/www'], excludes: ['*.log'] });
    expect(await ws.json(['schedules'])).toEqual([expect.objectContaining({ host: 'web1', name: 'default', cron: '15 2 * * *' })]);
    expect((await ws.json(['retention', 'web1', '--save'])).policy).toMatchObject({ keepDaily: 7, keepWeekly: 4 });

    const before = await dumpCatalogue(ws.home);
    writeFileSync(join(hosts, 'web1.yaml'), 'address: web1.example.com\nsources: [/etc]\nbwlimit: 5m\n');
    const unknown = await ws.run(['config', 'import-legacy', '--prefix', prefix]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /web1\.yaml:3: bwlimit: unknown key "bwlimit": use host, address, user, port, sources, excludes, schedule/,
    );
    writeFileSync(join(hosts, 'web1.yaml'), 'address: web1.example.com\nsources: [etc]\n');
    const bad = await ws.run(['config', 'import-legacy', '--prefix', prefix]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/web1\.yaml:2: sources: source "etc" is not allowed: it is not absolute/);
    expect(await dumpCatalogue(ws.home)).toBe(before);
  });
});
