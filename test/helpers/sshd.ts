/**
 * A throwaway sshd on 127.0.0.1 for tests: its own host key, config, pid file and
 * authorized_keys in a temp directory, on a free port. Logs in as the user running the tests.
 *
 * Under vitest, `startSshd()` hands out the one sshd the whole run shares (started by
 * test/helpers/global-setup.ts): test files ask for it in `beforeAll` as they always did, and
 * its `stop()` leaves it running for the others. Each test authorizes its own workspace's key,
 * so sharing needs nothing else. `startSshd({ private: true })` starts one of the test's own, for
 * what would disturb the others (`changeHostKey()`); outside vitest (the benches) every sshd is private.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestSshd {
  port: number;
  user: string;
  dir: string;
  /** adds a line to the authorized_keys file */
  authorize(line: string): void;
  /** makes `line` the only line of the authorized_keys file */
  replaceAuthorized(line: string): void;
  /** restarts sshd with a freshly generated host key (a "reinstalled" host) */
  changeHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** What global-setup.ts passes to the test processes, in the environment they inherit. */
export const SHARED_SSHD_ENV = 'POBSYNC_TEST_SHARED_SSHD';

interface SharedSshdInfo {
  port: number;
  user: string;
  dir: string;
}

export async function startSshd(options: { private?: boolean } = {}): Promise<TestSshd> {
  const shared = process.env[SHARED_SSHD_ENV];
  if (!options.private && shared) return sharedHandle(JSON.parse(shared) as SharedSshdInfo);
  return startPrivateSshd();
}

function sharedHandle(info: SharedSshdInfo): TestSshd {
  return {
    ...info,
    authorize: (line) => appendFileSync(join(info.dir, 'authorized_keys'), `${line.trim()}\n`),
    changeHostKey: async () => {
      throw new Error('changeHostKey() would change the host key under every test sharing this sshd: use startSshd({ private: true })');
    },
    replaceAuthorized: () => {
      throw new Error('replaceAuthorized() would lock out every test sharing this sshd: use startSshd({ private: true })');
    },
    // The run's sshd stays up for the other test files; global-setup.ts stops it at the end.
    stop: async () => undefined,
  };
}

/** A new sshd of the caller's own (the global setup's shared one is one of these too). */
export async function startPrivateSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-sshd-'));
  const port = await freePort();
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      // Test files run side by side on the shared sshd: more logins at once than the default 10
      // must not be dropped as a flood.
      'MaxStartups 100',
      // A clean host's shell: bash sources the user's ~/.bashrc for a command run by sshd unless
      // SHLVL says it is nested. This machine's root .bashrc runs `pyenv rehash`, which waits up to
      // 60 s on a lock file that a session killed mid-rehash (the kill -9 tests) leaves behind:
      // every ssh command then stalled, and dump and crash tests timed out.
      'SetEnv SHLVL=1',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  const generateKey = () => {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  const start = async () => {
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
      if (await accepts(port)) return;
      await sleep(50);
    }
    throw new Error(`sshd did not listen on ${port}: ${stderr}`);
  };
  const stopChild = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  generateKey();
  await start();
  return {
    port,
    user: userInfo().username,
    dir,
    authorize: (line) => appendFileSync(authorizedKeys, `${line.trim()}\n`),
    replaceAuthorized: (line) => writeFileSync(authorizedKeys, `${line.trim()}\n`, { mode: 0o600 }),
    changeHostKey: async () => {
      await stopChild();
      generateKey();
      await start();
    },
    stop: async () => {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
