/**
 * `pobsync doctor` against a real setup (sshd on 127.0.0.1, real rsync and SQLite), healthy and
 * then broken the ways an unattended server breaks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostSchema } from '../../source/catalogue/entities/index.js';
import { insertRunningRun } from '../../source/catalogue/runs.js';
import { deleteRecord } from '../../source/catalogue/snapshots.js';
import { serverName } from '../../source/engine/server-name.js';
import { openApp } from '../../source/services/app.js';
import { expectOk, setUpGlobal, setUpHost, setUpRemoteHost, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';
import { startSshd } from '../helpers/sshd.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

async function doctor(): Promise<{ code: number; checks: Check[]; byName: (name: string) => Check | undefined }> {
  const result = await ws.run(['doctor', '--json']);
  const report = JSON.parse(result.stdout) as { checks: Check[]; exitCode: number };
  expect(report.exitCode).toBe(result.code);
  return { code: result.code, checks: report.checks, byName: (name) => report.checks.find((check) => check.name === name) };
}

describe('pobsync doctor', () => {
  it('passes a healthy setup, then names each breakage with its fix', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    const host = await startSshd({ private: true });
    try {
      await setUpRemoteHost(ws, host, 'web1');
      await expectOk(ws.run(['backup', 'web1']));

      const healthy = await doctor();
      expect(healthy.checks.filter((check) => check.status !== 'ok')).toEqual([]);
      expect(healthy.code).toBe(0);
      expect(healthy.byName('rsync')?.message).toMatch(/^rsync +version \d/);
      expect(healthy.byName('host web1')?.message).toMatch(/rsync answers, 1 source readable/);
      expect(healthy.byName('catalogue')?.message).toMatch(/all current/);
      const text = await ws.run(['doctor']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^OK {4}host web1 {2}/m);

      // The host was reinstalled: its key changed.
      await host.changeHostKey();
      const changed = await doctor();
      expect(changed.code).toBe(2);
      expect(changed.byName('host web1')).toMatchObject({ status: 'fail', message: expect.stringMatching(/host key of web1 has CHANGED/) });
      await expectOk(ws.run(['trust-host', 'web1', '--yes']));

      // A source that is not there (an unmounted filesystem, a typo).
      const missing = join(ws.dir, 'not-mounted');
      await setUpHost(ws, 'web1', { sources: [ws.source, missing] });
      const gone = await doctor();
      expect(gone.code).toBe(2);
      expect(gone.byName('host web1')).toMatchObject({
        status: 'fail',
        message: `source ${missing} does not exist on web1`,
        fix: expect.stringContaining('pobsync configure-host web1 --source'),
      });
      await setUpHost(ws, 'web1', { sources: [ws.source] });

      // A run left "running" by a process that is gone.
      await checkStuckRunAndSnapshots();
    } finally {
      await host.stop();
    }
  });

  it('says when others can read the environment file, the catalogue, the logs or the keys, with the chmod that fixes it', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    await expectOk(ws.run(['key']));
    await setUpHost(ws, 'web1', { address: 'local', sources: [ws.source] });
    await expectOk(ws.run(['backup', 'web1']));
    // An installer's environment file that names no home: the workspace's catalogue stays the one in use.
    const envFile = join(ws.dir, 'pobsync.env');
    writeFileSync(envFile, 'POBSYNC_BACKUP_ROOT=/srv/backups\n', { mode: 0o600 });
    const sqlite = process.env['POBSYNC_DATABASE_URL'] ? undefined : join(ws.home, 'pobsync.sqlite');
    const logs = join(ws.home, 'logs');
    const privateFiles = async () => {
      const result = await ws.run(['doctor', '--json'], { env: { POBSYNC_ENV_FILE: envFile } });
      return (JSON.parse(result.stdout) as { checks: Check[] }).checks.find((check) => check.name === 'private files');
    };

    const owned = await privateFiles();
    expect(owned?.status).toBe('ok');
    for (const path of [envFile, ...(sqlite ? [sqlite] : []), logs, join(ws.home, 'keys')]) expect(owned?.message).toContain(path);

    // As an older installer wrote it.
    chmodSync(envFile, 0o644);
    expect(await privateFiles()).toEqual({
      name: 'private files',
      status: 'warn',
      message: `others can read ${envFile} (0644)`,
      fix: `chmod 600 ${envFile}`,
    });

    // With the catalogue's password in it, that is a failure; the password itself is never shown.
    writeFileSync(envFile, 'POBSYNC_DATABASE_URL=mariadb://app:s3cret@db1:3306/cat\n');
    chmodSync(logs, 0o755);
    if (sqlite) chmodSync(sqlite, 0o644);
    const leaking = await privateFiles();
    // SQLite gives the -wal and -shm it makes (while doctor has the catalogue open) the catalogue's mode;
    // they are gone when the last connection closes, so the fix names them with a glob.
    const catalogueFiles = sqlite ? [sqlite, `${sqlite}-wal`, `${sqlite}-shm`] : [];
    const named = [
      `${envFile} (0644, holds the catalogue's password)`,
      ...catalogueFiles.map((file) => `${file} (0644)`),
      `${logs} (0755)`,
    ];
    expect(leaking).toMatchObject({
      status: 'fail',
      message: `others can read ${named.join(', ')}`,
      fix: `chmod 600 ${envFile}${sqlite ? ` ${sqlite}*` : ''} && chmod 700 ${logs}`,
    });
    expect(JSON.stringify(leaking)).not.toContain('s3cret');

    // The fix, as printed, is all it takes.
    execFileSync('sh', ['-c', leaking!.fix!]);
    expect((await privateFiles())?.status).toBe('ok');
  });
});

async function checkStuckRunAndSnapshots(): Promise<void> {
  const app = await openApp(ws.home);
  let snapshotPath: string;
  try {
    const em = app.catalogue.em();
    const hostRow = await em.findOneOrFail(HostSchema, { name: 'web1' });
    const dead = spawnSync('true').pid!;
    const stuck = await insertRunningRun(
      em,
      hostRow.id,
      'manual',
      { pid: dead, node: hostname(), pidStart: 'gone', server: serverName() },
      (id) => join(app.paths.logs, `${id}.log`),
    );
    const [snapshot] = await ws.json(['snapshots', 'web1']);
    snapshotPath = snapshot.path;
    const stuckReport = await doctor();
    expect(stuckReport.byName('runs')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(`run #${stuck!.id} of web1 is still "running", but its process is gone`),
      fix: expect.stringContaining(`pobsync cancel ${stuck!.id}`),
    });
    await expectOk(ws.run(['cancel', String(stuck!.id)]));

    // A snapshot directory the catalogue does not know, and one the catalogue knows but the disk lost.
    await expectOk(ws.run(['backup', 'web1']));
    const [, second] = await ws.json(['snapshots', 'web1']);
    await deleteRecord(em, second.id);
    rmSync(snapshotPath, { recursive: true, force: true });
  } finally {
    await app.close();
  }
  const snapshots = await doctor();
  expect(snapshots.code).toBe(2);
  const [lost, unknown] = snapshots.checks.filter((check) => check.name === 'snapshots web1');
  expect(lost).toMatchObject({ status: 'fail', message: expect.stringMatching(/^1 snapshot in the catalogue is missing on disk: /) });
  expect(lost!.fix).toMatch(/pobsync snapshot delete web1 \S+ --yes/);
  expect(unknown).toMatchObject({ status: 'warn', fix: 'pobsync discover-snapshots --host web1' });
}
