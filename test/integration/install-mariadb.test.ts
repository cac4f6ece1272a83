/**
 * scripts/install-systemd --install-extras mariadb, staged into a temp root as root, against a
 * private mariadbd (test/helpers/mariadb.ts) named with --mariadb-socket: the database and the
 * user it creates, the URL in an environment file that is root's alone, the staged pobsync
 * opening that catalogue, and the generated password in no process's arguments or environment
 * (every execve of the install, traced with strace).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvironmentFile } from '../../source/domain/env-file.js';
import { startPrivateMariaDb, type TestMariaDb } from '../helpers/mariadb.js';
import { REPO, type Result } from '../helpers/pobsync.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
let stage: string;
let home: string;
let mariadb: TestMariaDb;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((done) => {
    execFile(command, args, { env, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function install(extra: string[], trace?: string): Promise<Result> {
  const args = [
    join(REPO, 'scripts/install-systemd'),
    '--non-interactive',
    '--root',
    stage,
    '--home',
    home,
    '--backup-root',
    join(dir, 'backups'),
    '--timezone',
    'UTC',
    ...extra,
  ];
  // -v -s: whole argument and environment arrays, whatever their length.
  return trace
    ? run('strace', ['-f', '-qq', '-v', '-s', '1000000', '-e', 'trace=execve', '-o', trace, 'bash', ...args])
    : run('bash', args);
}

const extras = () => [
  '--install-extras',
  'mariadb',
  '--mariadb-socket',
  mariadb.socket,
  '--mariadb-database',
  'pob_cat',
  '--mariadb-user',
  'pob_app',
];
const envFile = () => join(stage, 'etc/pobsync/pobsync.env');

beforeAll(async () => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'pobsync-install-mariadb-'));
  stage = join(dir, 'root');
  home = join(dir, 'home');
  mariadb = await startPrivateMariaDb();
});
afterAll(async () => {
  await mariadb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(isRoot)('scripts/install-systemd --install-extras mariadb', () => {
  it('creates the database and its user, and puts the URL in an environment file only root reads', async () => {
    const trace = join(dir, 'execve.trace');
    const result = await install(extras(), trace);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^OK +MariaDB catalogue: created mariadb://pob_app@localhost/pob_cat\\?socket=${mariadb.socket} with a generated password`,
        'm',
      ),
    );
    expect(result.stdout).toMatch(/^OK +environment file: \/etc\/pobsync\/pobsync.env \(0600\)/m);

    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
    const variables = parseEnvironmentFile(readFileSync(envFile(), 'utf8'));
    expect(variables['POBSYNC_HOME']).toBe(home);
    const url = new URL(variables['POBSYNC_DATABASE_URL']!);
    expect(`${url.protocol}//${url.username}@${url.host}${url.pathname}${url.search}`).toBe(
      `mariadb://pob_app@localhost/pob_cat?socket=${mariadb.socket}`,
    );
    const password = url.password;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // The password went to the mariadb client on stdin: in no argv, no environment, no output.
    const execs = readFileSync(trace, 'utf8');
    expect(execs).toMatch(/execve\("\/usr\/bin\/mariadb", \["mariadb", "--no-defaults", "--protocol=socket"/);
    expect(execs).not.toContain(password);
    expect(result.stdout + result.stderr).not.toContain(password);

    // The user has that database and no other.
    const grants = mariadb.sql("show grants for 'pob_app'@'localhost'");
    expect(grants).toContain('GRANT ALL PRIVILEGES ON `pob_cat`.* TO `pob_app`@`localhost`');
    expect(grants).toMatch(/GRANT USAGE ON \*\.\* TO `pob_app`@`localhost`/);
    expect(grants).not.toMatch(/GRANT ALL PRIVILEGES ON \*\.\*/);
  });

  it('lets the staged pobsync open that catalogue from the environment file alone', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, POBSYNC_ENV_FILE: envFile(), NO_COLOR: '1' };
    delete env['POBSYNC_HOME'];
    delete env['POBSYNC_DATABASE_URL'];
    const cli = join(stage, 'opt/pobsync/dist/pobsync.mjs');
    const configured = await run(
      process.execPath,
      [cli, 'configure-global', '--backup-root', join(dir, 'backups'), '--timezone', 'UTC'],
      env,
    );
    expect(configured.code, configured.stderr).toBe(0);
    const status = JSON.parse((await run(process.execPath, [cli, 'status', '--json'], env)).stdout);
    expect(status).toMatchObject({ home, catalogue: `mariadb://pob_app@localhost/pob_cat?socket=${mariadb.socket}` });
    expect(mariadb.sql('select backup_root from global_config', 'pob_cat').trim()).toBe(join(dir, 'backups'));
  });

  it("keeps the URL and its password, and the server's name, when it runs again; the file stays 0600", async () => {
    const before = parseEnvironmentFile(readFileSync(envFile(), 'utf8'))['POBSYNC_DATABASE_URL'];
    // A second server's name, as the README tells its admin to add it.
    appendFileSync(envFile(), 'POBSYNC_SERVER_NAME=b2\n');
    const again = await install(extras());
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^OK +MariaDB catalogue: .*already names a catalogue, kept: mariadb:\/\/pob_app@localhost\/pob_cat/m);
    expect(parseEnvironmentFile(readFileSync(envFile(), 'utf8'))).toMatchObject({
      POBSYNC_DATABASE_URL: before,
      POBSYNC_SERVER_NAME: 'b2',
    });
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
    expect(statSync(`${envFile()}.previous`).mode & 0o777).toBe(0o600);
  });

  it('refuses a name that is not a plain identifier before it changes anything', async () => {
    const other = join(dir, 'other');
    for (const [option, value] of [
      ['--mariadb-user', "x'; drop user root; --"],
      ['--mariadb-database', 'a`b'],
      ['--mariadb-socket', 'relative/sock'],
    ] as const) {
      const refused = await run('bash', [
        join(REPO, 'scripts/install-systemd'),
        '--non-interactive',
        '--root',
        other,
        '--timezone',
        'UTC',
        '--install-extras',
        'mariadb',
        option,
        value,
      ]);
      expect(refused.code, `${option} ${value}`).toBe(2);
      expect(refused.stderr).toMatch(/is not allowed/);
    }
    expect(() => statSync(other)).toThrow();
  });

  it('skips the database while staging when no socket is given: nothing outside the staging root changes', async () => {
    const other = mkdtempSync(join(tmpdir(), 'pobsync-install-mariadb-skip-'));
    try {
      const result = await run('bash', [
        join(REPO, 'scripts/install-systemd'),
        '--non-interactive',
        '--root',
        other,
        '--home',
        join(other, 'home'),
        '--backup-root',
        join(other, 'backups'),
        '--timezone',
        'UTC',
        '--install-extras',
        'mariadb',
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^SKIPPED +MariaDB catalogue: staging into /m);
      expect(readFileSync(join(other, 'etc/pobsync/pobsync.env'), 'utf8')).not.toContain('POBSYNC_DATABASE_URL');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
