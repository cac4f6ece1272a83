/**
 * scripts/install-systemd and scripts/update-systemd, staged into a temp root as root (no systemd
 * runs here, so every systemd step must say SKIPPED), and then what an admin does on a fresh
 * install: configure a host from a root shell, see the daemon the unit would start pick it up,
 * break the host, and see status --check, the hook, the metrics file and doctor say so.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, type Result, waitFor } from '../helpers/pobsync.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
let stage: string;
let home: string;
let backupRoot: string;
let install: Result;
const children: ChildProcess[] = [];

function script(name: string, args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile('bash', [join(REPO, 'scripts', name), ...args], { maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The step lines: "OK       title: detail" -> ["OK", "title"]. */
function steps(output: string): [string, string][] {
  return output
    .split('\n')
    .map((line) => /^(OK|FAILED|SKIPPED) +([^:]+)/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1]!, match[2]!.trim()]);
}

beforeAll(async () => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'pobsync-install-'));
  stage = join(dir, 'root');
  // The home and backup root lie outside the staging root, so the staged app can use them as they are named.
  home = join(dir, 'home');
  backupRoot = join(dir, 'backups');
  install = await script('install-systemd', [
    '--non-interactive',
    '--root',
    stage,
    '--home',
    home,
    '--backup-root',
    backupRoot,
    '--timezone',
    'UTC',
  ]);
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(isRoot)('scripts/install-systemd --root', () => {
  it('stages every file with each step OK or SKIPPED, and the systemd steps SKIPPED without systemd', () => {
    expect(install.code, install.stdout + install.stderr).toBe(0);
    const done = steps(install.stdout);
    expect(done.filter(([status]) => status === 'FAILED')).toEqual([]);
    expect(done.map(([, title]) => title)).toEqual([
      'OS packages',
      'build',
      'app and its run-time packages',
      'service user',
      'environment file',
      'home',
      'backup root',
      'first configuration',
      'systemd unit',
      'systemd-analyze verify',
      'pobsync on the PATH',
      'enable and start pobsync.service',
    ]);
    const status = Object.fromEntries(done.map(([state, title]) => [title, state]));
    expect(status['enable and start pobsync.service']).toBe('SKIPPED');
    expect(status['first configuration']).toBe('SKIPPED');
    expect(status['systemd-analyze verify']).toBe(existsSync('/usr/bin/systemd-analyze') ? 'OK' : 'SKIPPED');
    expect(install.stdout).toContain('journalctl -u pobsync -f');
    expect(install.stdout).toContain('pobsync doctor');

    const unit = readFileSync(join(stage, 'etc/systemd/system/pobsync.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} /opt/pobsync/dist/pobsync.mjs daemon`);
    expect(unit).toContain('EnvironmentFile=/etc/pobsync/pobsync.env');
    expect(unit).toContain(`ReadWritePaths=${home} ${backupRoot}\n`);
    for (const line of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'KillMode=mixed', 'Type=simple', 'UMask=0077']) {
      expect(unit).toContain(`\n${line}\n`);
    }
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    expect(readFileSync(join(stage, 'etc/pobsync/pobsync.env'), 'utf8')).toMatch(
      new RegExp(`^POBSYNC_HOME=${home}$[\\s\\S]*^POBSYNC_BACKUP_ROOT=${backupRoot}$`, 'm'),
    );
    // Root's alone: it may hold the MariaDB catalogue's password.
    expect(statSync(join(stage, 'etc/pobsync/pobsync.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stage, home)).mode & 0o777).toBe(0o700);
    expect(statSync(join(stage, backupRoot)).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(stage, 'usr/local/bin/pobsync'), 'utf8')).toContain(
      `exec ${process.execPath} /opt/pobsync/dist/pobsync.mjs "$@"`,
    );
    // The bundle and what it loads at run time; no development packages.
    const app = join(stage, 'opt/pobsync');
    expect(existsSync(join(app, 'dist/pobsync.mjs'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/sqlite3/package.json'))).toBe(true);
    for (const dev of ['typescript', 'vitest', '@biomejs', 'esbuild', 'ink'])
      expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(app, '.git'))).toBe(false);
  });

  it('refuses bad input before it changes anything', async () => {
    const other = join(dir, 'other');
    const refused = await script('install-systemd', ['--non-interactive', '--root', other, '--backup-root', 'relative/dir']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('backup root "relative/dir" is not allowed');
    const zone = await script('install-systemd', ['--non-interactive', '--root', other, '--timezone', 'Mars/Base']);
    expect(zone.code).toBe(2);
    expect(existsSync(other)).toBe(false);
  });

  it('lets the CLI and the daemon the unit starts agree on the home, and both see a host break', async () => {
    // A root shell: no POBSYNC_HOME; the staged environment file stands in for /etc/pobsync/pobsync.env.
    const envFile = join(stage, 'etc/pobsync/pobsync.env');
    const shellEnv: NodeJS.ProcessEnv = { ...process.env, POBSYNC_ENV_FILE: envFile, NO_COLOR: '1' };
    delete shellEnv['POBSYNC_HOME'];
    const cli = join(stage, 'opt/pobsync/dist/pobsync.mjs');
    const pobsync = (args: string[]) =>
      new Promise<Result>((done) =>
        execFile(process.execPath, [cli, ...args], { env: shellEnv }, (error, stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        ),
      );

    // The daemon as systemd would start it: the unit's EnvironmentFile= and ExecStart=.
    const unit = readFileSync(join(stage, 'etc/systemd/system/pobsync.service'), 'utf8');
    const serviceEnv: NodeJS.ProcessEnv = { PATH: process.env['PATH'] };
    for (const line of readFileSync(join(stage, /^EnvironmentFile=(.*)$/m.exec(unit)![1]!), 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) serviceEnv[match[1]!] = match[2]!;
    }
    const [node, script, ...args] = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
    const daemon = spawn(node!, [join(stage, script!), ...args, '--interval', '1'], { env: serviceEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(daemon);
    let log = '';
    daemon.stdout.on('data', (chunk) => (log += chunk));
    daemon.stderr.on('data', (chunk) => (log += chunk));
    await waitFor('the daemon to take the lease', () => log.includes('scheduler lease acquired'));
    // journald adds the time; the daemon adds the priority.
    expect(log).toMatch(/^<6>lease: daemon started, pid \d+, home /m);
    expect(log).not.toMatch(/^\d{4}-\d\d-\d\dT/m);

    const source = join(dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'a.txt'), 'a\n');
    const hookFile = join(dir, 'hook.txt');
    const metrics = join(dir, 'pobsync.prom');
    for (const command of [
      ['configure-global', '--backup-root', backupRoot, '--timezone', 'UTC', '--metrics-textfile', metrics],
      [
        'configure-host',
        'web1',
        '--address',
        'local',
        '--source',
        source,
        '--on-failure',
        `echo "$POBSYNC_EVENT $POBSYNC_HOST" >> ${hookFile}`,
      ],
    ]) {
      const result = await pobsync(command);
      expect(result.code, result.stderr).toBe(0);
    }
    const status = JSON.parse((await pobsync(['status', '--json'])).stdout);
    expect(status).toMatchObject({ home, homeSource: envFile, catalogue: join(home, 'pobsync.sqlite') });
    expect(status.scheduler).toMatchObject({ role: 'daemon', live: true, home, pid: daemon.pid });

    // The daemon picks up what the root shell queued, on the same catalogue.
    expect((await pobsync(['backup', 'web1', '--queue'])).code).toBe(0);
    await waitFor('the daemon to back web1 up', () => /finished: run #1 web1 succeeded/.test(log), 60_000);
    expect((await pobsync(['status', '--check'])).code).toBe(0);
    await waitFor(
      'the metrics file',
      () => existsSync(metrics) && readFileSync(metrics, 'utf8').includes('pobsync_host_snapshots{host="web1"} 1'),
    );

    // Break the host: its source is gone.
    renameSync(source, `${source}.gone`);
    expect((await pobsync(['backup', 'web1', '--queue'])).code).toBe(0);
    await waitFor('the failure in the journal', () => /^<3>finished: run #2 web1 failed: source /m.test(log), 60_000);
    await waitFor('the hook', () => existsSync(hookFile) && readFileSync(hookFile, 'utf8') === 'failure web1\n');
    await waitFor('the metrics file to say so', () =>
      readFileSync(metrics, 'utf8').includes('pobsync_host_last_run_status{host="web1",status="failed"} 1'),
    );
    const check = await pobsync(['status', '--check']);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/^POBSYNC CRITICAL - web1: last backup \(run #2\) failed/);
    const doctor = await pobsync(['doctor']);
    expect(doctor.code).toBe(2);
    expect(doctor.stdout).toMatch(/^FAIL +host web1 +source .* does not exist on web1/m);

    daemon.kill('SIGTERM');
    expect(await new Promise((resolve) => daemon.on('exit', resolve))).toBe(0);
  });

  it('updates the staged install: a new build, the environment file kept', async () => {
    const envFile = join(stage, 'etc/pobsync/pobsync.env');
    writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}# the admin's own line\n`);
    // As an older installer left it: readable by all.
    chmodSync(envFile, 0o644);
    const before = readFileSync(envFile, 'utf8');
    writeFileSync(join(stage, 'opt/pobsync/dist/stale-file'), 'from the old build');
    // A catalogue in the staged home, whose backup root was moved since the install.
    const moved = join(dir, 'moved-backups');
    await new Promise((done) =>
      execFile(
        process.execPath,
        [join(stage, 'opt/pobsync/dist/pobsync.mjs'), '--home', join(stage, home), 'configure-global', '--backup-root', moved],
        done,
      ),
    );

    const update = await script('update-systemd', ['--root', stage]);
    expect(update.code, update.stdout + update.stderr).toBe(0);
    const done = Object.fromEntries(steps(update.stdout).map(([state, title]) => [title, state]));
    expect(done).toMatchObject({
      'OS packages': 'SKIPPED',
      'app and its run-time packages': 'OK',
      migrations: 'OK',
      'systemd unit': 'OK',
      'restart pobsync.service': 'SKIPPED',
    });
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(done['environment file']).toBe('OK');
    expect(existsSync(join(stage, 'opt/pobsync/dist/stale-file'))).toBe(false);
    expect(existsSync(join(stage, 'opt/pobsync.previous'))).toBe(false);
    // The unit follows the catalogue's backup root.
    expect(readFileSync(join(stage, 'etc/systemd/system/pobsync.service'), 'utf8')).toContain(`ReadWritePaths=${home} ${moved}\n`);
  });
});
