/**
 * The fault suite, history that must hold: protection survives a lost catalogue, a discovery
 * racing a backup's INSERT does not fail the backup, a restore of a deleted file keeps a safety
 * snapshot that says so, and a reader that closes its pipe does not end a backup.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, expectOk, localHostWorkspace, runsOf, setUpHost, type Workspace, waitFor, writeTree } from '../helpers/pobsync.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

async function localHost(): Promise<void> {
  ws = await localHostWorkspace({ 'etc/app.conf': 'good\n', 'etc/other.conf': 'other\n' });
}

describe('history that holds', () => {
  it('keeps protection on disk: a catalogue rebuilt from the disk still protects, and retention keeps the snapshot', async () => {
    await localHost();
    const old = (await ws.json(['backup', 'web1'])).snapshot;
    await expectOk(ws.run(['backup', 'web1']));
    await expectOk(ws.run(['snapshot', 'protect', 'web1', old.name]));
    expect(existsSync(join(old.path, 'protected'))).toBe(true);

    for (const file of ['pobsync.sqlite', 'pobsync.sqlite-wal', 'pobsync.sqlite-shm']) rmSync(join(ws.home, file), { force: true });
    await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot, '--adopt']));
    await setUpHost(ws, 'web1', { address: 'local', enabled: true, sources: [ws.source] });
    await expectOk(ws.run(['discover-snapshots']));
    const rebuilt = await ws.json(['snapshots', 'web1']);
    expect(rebuilt.find((s: { name: string }) => s.name === old.name).protected).toBe(true);
    const plan = await ws.json(['retention', 'web1', '--keep-last', '1']);
    expect(plan.entries.find((entry: { name: string }) => entry.name === old.name)).toMatchObject({ action: 'keep' });

    await expectOk(ws.run(['snapshot', 'unprotect', 'web1', old.name]));
    expect(existsSync(join(old.path, 'protected'))).toBe(false);
  });

  it('records its snapshot even when a discovery in another process recorded it first, between the rename and the INSERT', async () => {
    await localHost();
    const backup = ws.start(['backup', 'web1', '--json'], { env: { POBSYNC_FAULT: 'after-rename:stop' } });
    const hostDir = join(ws.backupRoot, 'web1');
    const published = await waitFor(
      'the snapshot to be renamed into place',
      () => existsSync(hostDir) && readdirSync(hostDir).find((name) => /^\d{4}-/.test(name)),
    );
    await waitFor('the backup to stop there', () => readFileSync(`/proc/${backup.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'));
    const discovered = await ws.json(['discover-snapshots']);
    expect(discovered.recorded.map((s: { name: string }) => s.name)).toEqual([published]);
    backup.kill('SIGCONT');
    const code = await new Promise((resolve) => backup.on('exit', resolve));
    expect(code, backup.output()).toBe(0);
    const { run, snapshot } = JSON.parse(backup.stdout());
    expect(run.status).toBe('succeeded');
    expect(snapshot.name).toBe(published);
    expect(await ws.json(['snapshots', 'web1'])).toHaveLength(1);
  });

  it('restores a file deleted on the host, after a safety snapshot that records it was absent', async () => {
    await localHost();
    const good = (await ws.json(['backup', 'web1'])).snapshot;
    unlinkSync(join(ws.source, 'etc/app.conf'));
    const restored = await ws.run(['restore', 'web1', good.name, '--to-host', '--path', join(ws.source, 'etc/app.conf'), '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(ws.source, 'etc/app.conf'), 'utf8')).toBe('good\n');
    expect(restored.stdout).toMatch(/safety snapshot \S+ \(run #\d+\) holds what was overwritten/);
    expect(restored.stdout).toContain(`delete ${join(ws.source, 'etc/app.conf')} on web1: it did not exist before this restore`);
    const safety = (await ws.json(['snapshots', 'web1'])).find((s: { kind: string }) => s.kind === 'safety');
    expect(safety.status).toBe('complete');
    expect(JSON.parse(readFileSync(join(safety.path, 'meta.json'), 'utf8')).absent).toEqual([join(ws.source, 'etc/app.conf')]);
  });

  it('goes on backing up when the reader of its output goes away (pobsync backup 2>&1 | head -1)', async () => {
    await localHost();
    // Long enough (8 s) that progress lines are still written after head has gone.
    writeTree(ws.source, { 'big.bin': Buffer.alloc(4 << 20, 9) });
    await setUpHost(ws, 'web1', { rsyncArgs: ['--bwlimit=500k'] });
    const pipeline = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" backup web1 2>&1 | head -1`], { env: ws.env });
    const first = await new Promise<string>((resolve) => {
      let text = '';
      pipeline.stdout.on('data', (chunk) => (text += chunk));
      pipeline.on('exit', () => resolve(text));
    });
    expect(first.split('\n').filter(Boolean)).toHaveLength(1);
    const [run] = await waitFor('the backup to end', async () => {
      const runs = await runsOf(ws);
      return runs[0]?.status === 'running' ? undefined : runs;
    });
    expect(run.status).toBe('succeeded');
    expect(await ws.json(['snapshots', 'web1'])).toHaveLength(1);
  });
});
