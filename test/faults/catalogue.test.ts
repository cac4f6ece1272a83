/**
 * The fault suite, the catalogue in trouble: locked across the end of a run under a live daemon,
 * locked for longer than a run's end may wait, damaged, lost. A run never stays `running` while
 * its process lives, and the admin reads what happened in words.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, openDirectReadApp } from '../../source/services/app.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import { queueBackup } from '../../source/services/runs/queue.js';
import { getRun } from '../../source/services/runs/runs.js';
import { Worker } from '../../source/services/runs/worker.js';
import { configureGlobal } from '../../source/services/settings.js';
import { expectOk, findFile, setUpHost, setUpLocalHost, type Workspace, waitFor, workspace, writeTree } from '../helpers/pobsync.js';
import { lockCatalogue } from '../helpers/sqlite.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

/**
 * SQLite's busy timeout, 10 s by default, is 2 s in these tests (POBSYNC_CATALOGUE_WAIT): what a
 * lock does to a run is the same, only sooner.
 */
const CATALOGUE_WAIT = '2';

function faultWorkspace(): Workspace {
  ws = workspace();
  ws.env['POBSYNC_CATALOGUE_WAIT'] = CATALOGUE_WAIT;
  return ws;
}

/** Whether a run log under the workspace's home says `text`. */
function runLogsSay(text: string): boolean {
  const logs = join(ws.home, 'logs');
  return readdirSync(logs, { recursive: true, withFileTypes: true }).some(
    (entry) => entry.isFile() && readFileSync(join(entry.parentPath, entry.name), 'utf8').includes(text),
  );
}

async function localHost(): Promise<void> {
  faultWorkspace();
  writeTree(ws.source, { 'a.txt': 'a\n', 'big.bin': Buffer.alloc(4 << 20, 1) });
  await setUpLocalHost(ws, 'web1');
}

describe('a catalogue in trouble', () => {
  it('ends a run locked out of the catalogue at its end once the lock goes, while the daemon stays up', async () => {
    await localHost();
    await setUpHost(ws, 'web1', { rsyncArgs: ['--bwlimit=1m'] });
    const daemon = ws.start(['daemon', '--interval', '1']);
    try {
      await expectOk(ws.run(['backup', 'web1', '--queue']));
      await waitFor('rsync to copy the big file', () =>
        findFile(join(ws.backupRoot, 'web1/.incomplete'), (name) => name.startsWith('.big.bin.')),
      );
      // Lock the catalogue while rsync still copies: the run's end meets the lock, for longer
      // than SQLite's busy timeout, as an admin's forgotten sqlite3 shell would.
      const lock = await lockCatalogue(join(ws.home, 'pobsync.sqlite'));
      const published = () => ws.run(['snapshots', 'web1', '--json']).then((r) => r.stdout.includes('"name"'));
      // Until then every write the daemon makes waits out SQLite's busy timeout (progress, heartbeat).
      await waitFor(
        'rsync to finish and the snapshot to be renamed into place',
        () => readdirSync(join(ws.backupRoot, 'web1')).some((name) => /^\d{4}-/.test(name)),
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${daemon.output()}`);
      });
      await waitFor('the run to meet the lock at its end', () => runLogsSay('the catalogue cannot record this run yet'), 90_000);
      expect(await published()).toBe(false);
      await lock.release();
      const [run] = await waitFor('the run to end', async () => {
        const runs = await ws.json(['runs']);
        return runs[0]?.status === 'running' ? undefined : runs;
      });
      expect(run.status).toBe('succeeded');
      expect(run.snapshot).toBeTruthy();
      expect(daemon.exitCode).toBeNull();
      expect(daemon.output()).toMatch(/run #\d+ web1 succeeded/);
      // The host is free: the next backup runs.
      expect((await ws.run(['backup', 'web1'])).code).toBe(0);
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((resolve) => daemon.on('exit', resolve));
    }
  });

  it('keeps the end of a run the catalogue would not take in time, and writes it when the lock goes', async () => {
    faultWorkspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    // The worker runs in this process: it reads the busy timeout from this process's environment.
    process.env['POBSYNC_CATALOGUE_WAIT'] = CATALOGUE_WAIT;
    const app = await openApp(ws.home);
    try {
      await configureGlobal(app, { backupRoot: ws.backupRoot });
      await configureHost(app, 'web1', { address: 'local', sources: [ws.source], rsyncArgs: ['--bwlimit=1m'] });
      await backupHost(app, 'web1');
      // Slow enough that the lock below is taken while rsync still runs.
      writeTree(ws.source, { 'big.bin': Buffer.alloc(2 << 20, 1) });
      const events: string[] = [];
      const worker = new Worker(app, (event) => events.push(event.message), undefined, { endRetryMs: 500 });
      const { runId } = await queueBackup(app, 'web1');
      await worker.tick();
      expect(worker.runningIds).toEqual([runId]);
      await waitFor('rsync to copy the big file', () =>
        findFile(join(ws.backupRoot, 'web1/.incomplete'), (name) => name.startsWith('.big.bin.')),
      );
      const lock = await lockCatalogue(join(ws.home, 'pobsync.sqlite'));
      // Past the busy timeout and the half second this worker gives a run's end: it keeps it.
      await waitFor('the worker to keep the end it could not write', () => worker.unrecordedIds.includes(runId), 60_000);
      expect(worker.runningIds).toEqual([]);
      await lock.release();
      await worker.tick();
      expect(worker.unrecordedIds).toEqual([]);
      expect((await getRun(app, String(runId))).status).toBe('succeeded');
      expect(events.some((message) => message.includes(`run #${runId}: its end is recorded in the catalogue now`))).toBe(true);
      await worker.stop(0);
    } finally {
      await app.close();
      delete process.env['POBSYNC_CATALOGUE_WAIT'];
    }
  });

  it('keeps the commits of a process that opened the catalogue twice (the TUI: its reader, then the ORM) visible to others', async () => {
    await localHost();
    const reader = await openDirectReadApp(ws.home);
    expect(reader).toBeDefined();
    const app = await openApp(ws.home);
    try {
      // Another process opens the catalogue and closes it: it must see this one still using it,
      // and leave the -wal file alone.
      await expectOk(ws.run(['hosts']));
      await configureHost(app, 'web2', { address: 'local', sources: [ws.source] });
      const hosts = await ws.json(['hosts']);
      expect(hosts.map((host: { name: string }) => host.name)).toEqual(['web1', 'web2']);
    } finally {
      await app.close();
      await reader!.close();
    }
  });

  it('says a locked catalogue is locked, a damaged one damaged, and a lost one lost', async () => {
    await localHost();
    await expectOk(ws.run(['backup', 'web1']));
    const catalogue = join(ws.home, 'pobsync.sqlite');

    const lock = await lockCatalogue(catalogue);
    try {
      const locked = await ws.run(['configure-host', 'web2', '--address', 'local', '--source', ws.source]);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toBe(
        `pobsync: the catalogue ${catalogue} is locked by another process and stayed locked (SQLITE_BUSY): ` +
          'is a sqlite3 shell or a stuck command holding it? Try again when it is free\n',
      );
    } finally {
      await lock.release();
    }

    // A lost catalogue: a new one is made, and the admin hears about it.
    rmSync(catalogue);
    rmSync(`${catalogue}-wal`, { force: true });
    rmSync(`${catalogue}-shm`, { force: true });
    const lost = await ws.run(['hosts']);
    expect(lost.code).toBe(0);
    expect(lost.stderr).toMatch(/the catalogue .* was missing or empty although .* has run logs: a new, empty one is in its place/);

    // A new home where `pobsync key` came first: keys and no catalogue yet is no loss.
    const fresh = workspace();
    try {
      await expectOk(fresh.run(['key']));
      const first = await fresh.run(['hosts']);
      expect(first.code).toBe(0);
      expect(first.stderr).toBe('');
    } finally {
      fresh.cleanup();
    }

    // A damaged one: not a database at all.
    const damagedHome = mkdtempSync(join(tmpdir(), 'pobsync-damaged-'));
    try {
      writeFileSync(join(damagedHome, 'pobsync.sqlite'), Buffer.alloc(8192, 0x42));
      const damaged = await ws.run(['hosts', '--home', damagedHome]);
      expect(damaged.code).toBe(1);
      expect(damaged.stderr).toMatch(/^pobsync: the catalogue .* is damaged \(.*\): restore it from a copy/);
      expect(damaged.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(damagedHome, { recursive: true, force: true });
    }
  });
});
