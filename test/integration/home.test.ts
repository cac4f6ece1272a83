/**
 * One home for the CLI, the TUI and the daemon: --home (before or after the command), else
 * POBSYNC_HOME, else the installer's environment file, else ./var in a checkout; and a command
 * on another home than the running daemon's is told so.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseHome } from '../../source/services/app.js';
import { CLI, REPO, type Result, waitFor } from '../helpers/pobsync.js';

let dir: string;
let envFile: string;
let installed: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-home-'));
  envFile = join(dir, 'pobsync.env');
  installed = join(dir, 'installed-home');
  writeFileSync(envFile, `# written by the installer\nPOBSYNC_HOME=${installed}\n`);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((done) =>
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe('the home', () => {
  it('is --home, else POBSYNC_HOME, else the environment file, else ./var in a checkout', () => {
    const env = { POBSYNC_ENV_FILE: envFile };
    expect(chooseHome('/x/flag', { ...env, POBSYNC_HOME: '/x/env' })).toEqual({ home: '/x/flag', source: '--home' });
    expect(chooseHome(undefined, { ...env, POBSYNC_HOME: '/x/env' })).toEqual({ home: '/x/env', source: 'POBSYNC_HOME' });
    expect(chooseHome(undefined, env)).toEqual({ home: installed, source: envFile });
    expect(chooseHome(undefined, { POBSYNC_ENV_FILE: join(dir, 'none.env') })).toEqual({
      home: join(REPO, 'var'),
      source: 'the development checkout',
    });
  });

  it('takes global options before the command, and tells a command on another home about the running daemon', async () => {
    const shell: NodeJS.ProcessEnv = { ...process.env, POBSYNC_ENV_FILE: envFile };
    delete shell['POBSYNC_HOME'];
    const daemon = spawn(process.execPath, [CLI, 'daemon', '--interval', '1'], { env: shell, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(daemon);
    let log = '';
    daemon.stdout.on('data', (chunk) => (log += chunk));
    await waitFor('the daemon to take the lease', () => log.includes('scheduler lease acquired'));

    const same = JSON.parse((await run(['status', '--json'], shell)).stdout);
    expect(same).toMatchObject({ home: installed, homeSource: envFile, daemonElsewhere: null, scheduler: { home: installed, live: true } });

    const elsewhere = join(dir, 'elsewhere');
    const before = await run(['--home', elsewhere, 'status', '--json'], shell);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({
      home: elsewhere,
      homeSource: '--home',
      daemonElsewhere: { home: installed, role: 'daemon', pid: daemon.pid },
    });
    const text = await run(['--debug', `--home=${elsewhere}`, 'status'], shell);
    expect(text.stdout).toContain(`note:         the installed daemon (pid ${daemon.pid} on `);
    expect((await run(['--home', elsewhere, 'hosts', '--json'], shell)).stdout).toBe('[]\n');

    daemon.kill('SIGTERM');
    expect(await new Promise((resolve) => daemon.on('exit', resolve))).toBe(0);
  });
});
