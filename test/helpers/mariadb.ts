/**
 * A private MariaDB server for tests: `mariadb-install-db` into a temp dir, then `mariadbd` on a
 * unix socket in that dir and a free port on 127.0.0.1 (no system service, nothing shared with the
 * machine's own MariaDB). One server serves a whole run: the mariadb pass's global setup starts it
 * and puts its address in the environment (MARIADB_TEST_ENV); each workspace gets a database of its own.
 *
 * `POBSYNC_TEST_DATABASE=mariadb` is the switch: with it, `freshTestDatabase()` (and so `workspace()`)
 * creates a new database on that server and points POBSYNC_DATABASE_URL at it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const MARIADB_TEST_ENV = 'POBSYNC_TEST_MARIADB';

export interface TestMariaDb {
  dir: string;
  socket: string;
  port: number;
  user: string;
  password: string;
  /** runs SQL as root over the socket */
  sql(statement: string, database?: string): string;
  /** a new, empty database with a URL for pobsync: over TCP with the password, or over the socket */
  createDatabase(via?: 'tcp' | 'socket'): { name: string; url: string };
  stop(): Promise<void>;
}

/** Is this run the MariaDB pass? */
export function testingOnMariaDb(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['POBSYNC_TEST_DATABASE'] === 'mariadb';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function rootSql(socket: string, statement: string, database?: string): string {
  return execFileSync(
    'mariadb',
    [
      '--no-defaults',
      `--socket=${socket}`,
      '--user=root',
      '--batch',
      '--skip-column-names',
      ...(database ? [database] : []),
      '-e',
      statement,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function handle(dir: string, port: number, password: string, server?: ChildProcess): TestMariaDb {
  const socket = join(dir, 'sock');
  const user = 'pobsync';
  let databases = 0;
  return {
    dir,
    socket,
    port,
    user,
    password,
    sql: (statement, database) => rootSql(socket, statement, database),
    createDatabase(via = 'tcp') {
      databases += 1;
      const name = `t${process.pid}_${databases}_${randomBytes(3).toString('hex')}`;
      rootSql(socket, `create database \`${name}\``);
      const url =
        via === 'tcp'
          ? `mariadb://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`
          : `mariadb://${user}:${encodeURIComponent(password)}@localhost/${name}?socket=${socket}`;
      return { name, url };
    },
    async stop() {
      if (server && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a private mariadbd and waits until it answers; `stop()` kills it and waits for it.
 * `serverArgs` come after the test settings and win over them (a bench wants a bigger buffer pool).
 */
export async function startPrivateMariaDb(serverArgs: readonly string[] = []): Promise<TestMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-mariadb-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db', ...asRoot],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const server = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${join(dir, 'sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      // Small and quick: a test server holds a few MB, and durability across a power cut is not its job.
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=0',
      '--max-connections=500',
      ...asRoot,
      ...serverArgs,
    ],
    { stdio: 'ignore' },
  );
  const password = `p@ss:${randomBytes(6).toString('hex')}`;
  const mariadb = handle(dir, port, password, server);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      throw new Error(`mariadbd exited with ${server.exitCode}: ${log.slice(-2000)}`);
    }
    try {
      rootSql(mariadb.socket, 'select 1');
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await mariadb.stop();
        throw error;
      }
      // Not up yet: the next look after the socket had a moment to appear.
      await sleep(100);
    }
  }
  mariadb.sql(
    `create user '${mariadb.user}'@'127.0.0.1' identified by '${password}'; ` +
      `create user '${mariadb.user}'@'localhost' identified by '${password}'; ` +
      `grant all on *.* to '${mariadb.user}'@'127.0.0.1'; grant all on *.* to '${mariadb.user}'@'localhost'`,
  );
  return mariadb;
}

/** The run's shared server, from the address the global setup put in the environment. */
export function sharedMariaDb(): TestMariaDb {
  const shared = process.env[MARIADB_TEST_ENV];
  if (!shared) throw new Error(`no test MariaDB: run with POBSYNC_TEST_DATABASE=mariadb (the vitest "mariadb" project starts one)`);
  const { dir, port, password } = JSON.parse(shared) as { dir: string; port: number; password: string };
  // Stopping is the global setup's job: this handle only creates databases.
  return { ...handle(dir, port, password), stop: async () => {} };
}

/**
 * On the MariaDB pass: a new, empty database for what the test opens next (in this process and in
 * the commands it spawns), through POBSYNC_DATABASE_URL. On the SQLite pass: nothing, undefined.
 */
export function freshTestDatabase(): string | undefined {
  if (!testingOnMariaDb()) return undefined;
  const { url } = sharedMariaDb().createDatabase();
  process.env['POBSYNC_DATABASE_URL'] = url;
  return url;
}
