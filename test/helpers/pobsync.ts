/**
 * Drives the built `pobsync` CLI as an admin would, in a temp workspace of its own:
 * a home (catalogue, logs, keys), a backup root and a source tree to back up.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { withEnvironment } from '../../source/engine/environment.js';
import type { App } from '../../source/services/app.js';
import type { HostInput } from '../../source/services/hosts/hosts.js';
import type { ScheduleInput } from '../../source/services/schedule/schedules.js';
import type { SettingsInput } from '../../source/services/settings.js';
import { freshTestDatabase } from './mariadb.js';
import { startSshd, type TestSshd } from './sshd.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(REPO, 'dist/pobsync.mjs');

/**
 * With POBSYNC_TEST_SPAWN_LOG=<file>, every CLI start through a workspace appends a line
 * `<database>\t<test file>\t<test>\t<command>` to that file: what set-up and tests cost in start-ups.
 */
function logSpawn(args: string[]): void {
  const log = process.env['POBSYNC_TEST_SPAWN_LOG'];
  if (!log) return;
  const state = expect.getState();
  const file = relative(REPO, state.testPath ?? '?');
  const database = process.env['POBSYNC_TEST_DATABASE'] ?? 'sqlite';
  const command = args.find((arg) => !arg.startsWith('-')) ?? '';
  appendFileSync(log, `${database}\t${file}\t${state.currentTestName ?? '(hook)'}\t${command}\n`);
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  home: string;
  backupRoot: string;
  /** a directory to back up; tests write files into it */
  source: string;
  env: NodeJS.ProcessEnv;
  /** runs a command and waits for it; `env` adds to the workspace's environment */
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<Result>;
  /** runs a command with --json and parses stdout; fails the test on a non-zero exit */
  json<T = any>(args: string[]): Promise<T>;
  /** starts a command without waiting for it; `output` is stdout and stderr together */
  start(args: string[], options?: { env?: NodeJS.ProcessEnv }): ChildProcess & { stdout(): string; output(): string };
  cleanup(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-test-'));
  const home = join(dir, 'home');
  const backupRoot = join(dir, 'backups');
  const source = join(dir, 'source');
  mkdirSync(source, { recursive: true });
  // On the MariaDB pass, a database of its own (POBSYNC_DATABASE_URL); on the SQLite pass, nothing.
  freshTestDatabase();
  const env = { ...process.env, POBSYNC_HOME: home, NO_COLOR: '1' };
  const run = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    new Promise<Result>((done) => {
      const childEnv = { ...env, ...options.env };
      logSpawn(args);
      const child = execFile(process.execPath, [CLI, ...args], { env: childEnv, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  return {
    dir,
    home,
    backupRoot,
    source,
    env,
    run,
    async json(args) {
      const result = await run([...args, '--json']);
      if (result.code !== 0) throw new Error(`pobsync ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    },
    start(args, options = {}) {
      logSpawn(args);
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let output = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        output += chunk;
      });
      child.stderr.on('data', (chunk) => (output += chunk));
      return Object.assign(child, { stdout: () => stdout, output: () => output });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The sshd of a test file, taken in its beforeAll (under vitest, the run's shared one) and given
 * back in its afterAll: `const sshd = sshdForFile();` at the top of the file, used in its tests.
 */
export function sshdForFile(): TestSshd {
  let started: TestSshd | undefined;
  beforeAll(async () => {
    started = await startSshd();
  });
  afterAll(async () => {
    await started?.stop();
  });
  const sshd = (): TestSshd => {
    if (!started) throw new Error('the sshd of this file is taken in beforeAll: use it in a test or a hook');
    return started;
  };
  return {
    get port() {
      return sshd().port;
    },
    get user() {
      return sshd().user;
    },
    get dir() {
      return sshd().dir;
    },
    authorize: (line) => sshd().authorize(line),
    replaceAuthorized: (line) => sshd().replaceAuthorized(line),
    changeHostKey: () => sshd().changeHostKey(),
    stop: () => sshd().stop(),
  };
}

/** Writes files below `root`: `{ 'etc/app.conf': 'text' }`. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/**
 * configure-global, key, authorized_keys, configure-host and trust-host, as the README walks
 * through, each a CLI start-up: for the test that is about that walk-through. Other tests set up
 * with setUpRemoteHost, the same service calls in this process.
 */
export async function setUpRemoteHostWithCli(ws: Workspace, sshd: TestSshd, name: string): Promise<void> {
  await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot]));
  const key = await ws.json(['key']);
  sshd.authorize(key.authorizedKeysLine);
  await expectOk(
    ws.run(['configure-host', name, '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.user, '--source', ws.source]),
  );
  await expectOk(ws.run(['trust-host', name, '--yes']));
}

/**
 * The same set-up without a CLI start-up (each costs a few hundred ms of CPU, and a test of the
 * suite ran four): the backup root, the server key authorized on `sshd`, host `name` on it with
 * the workspace's source (and `host`'s fields), its key pinned, through the service functions
 * those commands call.
 */
export async function setUpRemoteHost(ws: Workspace, sshd: TestSshd, name: string, host: HostInput = {}): Promise<void> {
  await inProcess(ws, async (app, services) => {
    await services.configureGlobal(app, { backupRoot: ws.backupRoot });
    sshd.authorize((await services.serverKey(app)).authorizedKeysLine);
    await services.configureHost(app, name, { address: '127.0.0.1', port: sshd.port, user: sshd.user, sources: [ws.source], ...host });
    const { pinned } = await services.trustHost(app, name, async () => true);
    if (!pinned) throw new Error(`the keys of ${name} were not pinned`);
  });
}

/** configure-global in this process: the workspace's backup root and `settings`. */
export function setUpGlobal(ws: Workspace, settings: SettingsInput = {}): Promise<void> {
  return inProcess(ws, async (app, services) => {
    await services.configureGlobal(app, { backupRoot: ws.backupRoot, ...settings });
  });
}

/**
 * configure-global and configure-host in this process, in one opening of the catalogue: the
 * workspace's backup root (and `settings`) and host `name` copied locally from the workspace's
 * source (`host` adds or replaces fields).
 */
export function setUpLocalHost(ws: Workspace, name = 'web1', host: HostInput = {}, settings: SettingsInput = {}): Promise<void> {
  return inProcess(ws, async (app, services) => {
    await services.configureGlobal(app, { backupRoot: ws.backupRoot, ...settings });
    await services.configureHost(app, name, { address: 'local', sources: [ws.source], ...host });
  });
}

/** A new workspace whose source holds `files`, backed up as host `name` (address local): setUpLocalHost on it. */
export async function localHostWorkspace(files: Record<string, string | Buffer>, name = 'web1'): Promise<Workspace> {
  const ws = workspace();
  writeTree(ws.source, files);
  await setUpLocalHost(ws, name);
  return ws;
}

/** configure-host in this process: host `name` with `host`'s fields (a new one also needs sources and an address). */
export function setUpHost(ws: Workspace, name: string, host: HostInput): Promise<void> {
  return inProcess(ws, async (app, services) => {
    await services.configureHost(app, name, host);
  });
}

/** `pobsync key` in this process, its authorized_keys line added on `sshd`. */
export function authorizeServerKey(ws: Workspace, sshd: TestSshd): Promise<void> {
  return inProcess(ws, async (app, services) => {
    sshd.authorize((await services.serverKey(app)).authorizedKeysLine);
  });
}

/** `pobsync trust-peer PEER --yes` in this process. */
export function setUpTrustedPeer(ws: Workspace, peer: string): Promise<void> {
  return inProcess(ws, async (app, services) => {
    const { pinned } = await services.trustPeer(app, peer, async () => true);
    if (!pinned) throw new Error(`the keys of ${peer} were not pinned`);
  });
}

/** `schedule HOST [--name NAME] --cron ...` in this process; a replicate schedule goes through the CLI (its peer is checked there). */
export function setUpSchedule(ws: Workspace, host: string, schedule: ScheduleInput & { name?: string }): Promise<void> {
  if (schedule.replicateFrom !== undefined) throw new Error('setUpSchedule: a replicate schedule is set up with `pobsync schedule`');
  return inProcess(ws, async (app, services) => {
    const { name, ...input } = schedule;
    await services.configureSchedule(app, host, name, input);
  });
}

/** The services the set-up helpers call, loaded on first use: a test file that sets up through the CLI loads no ORM. */
async function setUpServices() {
  const [
    { openChosenApp },
    { configureGlobal },
    { configureHost },
    { trustHost, trustPeer },
    { serverKey },
    { configureSchedule },
    { backupHost },
    { listRuns },
    { listSnapshots },
    { status },
  ] = await Promise.all([
    import('../../source/services/app.js'),
    import('../../source/services/settings.js'),
    import('../../source/services/hosts/hosts.js'),
    import('../../source/services/hosts/keys.js'),
    import('../../source/services/hosts/server-key.js'),
    import('../../source/services/schedule/schedules.js'),
    import('../../source/services/backup/backup.js'),
    import('../../source/services/runs/runs.js'),
    import('../../source/services/snapshots/snapshot-view.js'),
    import('../../source/services/monitoring/status.js'),
  ]);
  return {
    openChosenApp,
    configureGlobal,
    configureHost,
    trustHost,
    trustPeer,
    serverKey,
    configureSchedule,
    backupHost,
    listRuns,
    listSnapshots,
    status,
  };
}

type SetUpServices = Awaited<ReturnType<typeof setUpServices>>;

/**
 * Opens the workspace's home in this test process as the CLI would there (the home, catalogue,
 * server name and the like from the workspace's environment, given to the service code it runs,
 * not put into process.env), hands it to `use`, then closes it. Tests of a describe.concurrent
 * may call it at the same time.
 */
export function inProcess<T>(ws: Workspace, use: (app: App, services: SetUpServices) => Promise<T>): Promise<T> {
  return withEnvironment(ws.env, async () => {
    const services = await setUpServices();
    const app = await services.openChosenApp();
    try {
      return await use(app, services);
    } finally {
      await app.close();
    }
  });
}

/** What `--json` prints of a value: dates as text, no undefined fields. */
const asJson = <T>(value: T): any => JSON.parse(JSON.stringify(value));

/**
 * `pobsync backup HOST --json` in this process, for a test whose subject is what the snapshot is
 * used for: the run and the snapshot as that prints them; fails unless the run succeeded (exit 0).
 */
export function backUp(ws: Workspace, host = 'web1'): Promise<{ run: any; snapshot: any }> {
  return inProcess(ws, async (app, services) => {
    const { run, snapshot } = await services.backupHost(app, host, { kind: 'manual' });
    if (run.status !== 'succeeded') throw new Error(`backup of ${host} ended ${run.status}: ${run.error}`);
    return asJson({ run, snapshot });
  });
}

/** `pobsync runs --json` in this process (a poll that starts no CLI): the newest 50 runs, newest first. */
export function runsOf(ws: Workspace, host?: string): Promise<any[]> {
  return inProcess(ws, async (app, services) => asJson(await services.listRuns(app, { host, limit: 50 })));
}

/** `pobsync status --json` in this process. */
export function statusOf(ws: Workspace): Promise<any> {
  return inProcess(ws, async (app, services) => asJson(await services.status(app)));
}

/** `pobsync snapshots HOST --json` in this process. */
export function snapshotsOf(ws: Workspace, host: string): Promise<any[]> {
  return inProcess(ws, async (app, services) => asJson(await services.listSnapshots(app, host)));
}

export async function expectOk(result: Promise<Result> | Result): Promise<Result> {
  const done = await result;
  if (done.code !== 0) throw new Error(`expected exit 0, got ${done.code}: ${done.stderr}${done.stdout}`);
  return done;
}

/**
 * Polls `check` until it returns a truthy value, or fails after `timeoutMs`. Between two checks it
 * waits at least as long as the last check took: a check that runs the CLI (a process start-up
 * of a few hundred ms of CPU) then polls half the time instead of keeping a core busy, which on a
 * loaded machine starves the very process the test is waiting for.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(Math.max(50, Date.now() - started));
  }
}

/** The first file below `dir` whose name matches, e.g. rsync's dot-temp file of a transfer in progress. */
/** The child's exit code once it has exited (at once when it already has); null when a signal ended it. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
}

/** Whether a process whose command line matches the pattern runs (pgrep -f). */
export function processRunning(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return true;
  } catch {
    return false;
  }
}

export function findFile(dir: string, match: (name: string) => boolean): string | undefined {
  if (!existsSync(dir)) return undefined;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (match(entry.name)) return join(entry.parentPath, entry.name);
    }
  } catch (error) {
    // A tree rsync is still writing: a directory can go while it is read. Not found yet; look again.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return undefined;
}
