/**
 * Trusting what is on disk: every snapshot has a manifest, verify finds what changed since, the
 * catalogue follows the disk (a snapshot whose directory is gone is missing, and never used),
 * and a backup root belongs to one catalogue.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSchema, ScheduleSchema } from '../../source/catalogue/entities/index.js';
import { openApp } from '../../source/services/app.js';
import { fireSchedule } from '../../source/services/runs/queue.js';
import { Worker } from '../../source/services/runs/worker.js';
import { configureSchedule } from '../../source/services/schedule/schedules.js';
import { flipByte } from '../helpers/files.js';
import { backUp, setUpLocalHost, type Workspace, waitFor, workspace, writeTree } from '../helpers/pobsync.js';

let ws: Workspace;
let other: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  other?.cleanup();
  other = undefined;
});

async function setUp(files: Record<string, string | Buffer> = {}): Promise<void> {
  writeTree(ws.source, {
    'etc/app.conf': 'port=80\n',
    'www/index.html': '<h1>hi</h1>\n',
    'www/big.bin': Buffer.alloc(300_000, 7),
    ...files,
  });
  await setUpLocalHost(ws, 'h1');
}

async function backup(): Promise<{ name: string; path: string; base: string | null }> {
  return (await backUp(ws, 'h1')).snapshot;
}

describe('manifests', () => {
  it('list every file with its BLAKE2b-512 (what b2sum prints), and take unchanged files from the base', async () => {
    ws = workspace();
    await setUp();
    const first = await backup();
    const second = await backup();
    const lines = readFileSync(join(second.path, 'manifest.b2'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('pobsync-manifest\t1\tblake2b-512');
    expect(lines.at(-1)).toMatch(/^end\t3\t300020\t[0-9a-f]{128}$/);
    const conf = lines.find((line) => line.endsWith(`${ws.source}/etc/app.conf`))!.split('\t');
    const b2sum = execFileSync('b2sum', [join(second.path, 'data', ws.source, 'etc/app.conf')], { encoding: 'utf8' }).split(' ')[0];
    expect(conf[1]).toBe(b2sum);
    expect(conf[5]).toBe(`data${ws.source}/etc/app.conf`);
    const [run] = await ws.json(['runs', '--limit', '1']);
    expect(readFileSync(run.logPath, 'utf8')).toMatch(
      /manifest: 3 files .* 0 hashed \(0 B\), 3 hashes taken from .* \(from rsync's list of changes\)/,
    );
    expect(first.name).not.toBe(second.name);
  });
});

describe('verify', () => {
  it('finds a flipped byte in a snapshot file, reading every file or a 100% sample, and exits 1', async () => {
    ws = workspace();
    await setUp();
    await backup();
    const snapshot = await backup();
    const clean = await ws.run(['verify', 'h1']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/clean: 3 files checked, 3 read again/);

    flipByte(join(snapshot.path, 'data', ws.source, 'www/big.bin'), 123_456);
    const found = await ws.run(['verify', 'h1']);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/DAMAGED: 1 content/);
    expect(found.stderr).toContain(`CONTENT data${ws.source}/www/big.bin: its contents differ from the manifest`);

    const sampled = await ws.run(['verify', 'h1', snapshot.name, '--sample', '100', '--json']);
    expect(sampled.code).toBe(1);
    const report = JSON.parse(sampled.stdout);
    expect(report.snapshots[0]).toMatchObject({ outcome: 'damaged', byKind: { content: 1 } });
    expect(report.snapshots[0].problems).toEqual([
      { kind: 'content', path: `data${ws.source}/www/big.bin`, detail: 'its contents differ from the manifest (BLAKE2b-512)' },
    ]);
    // A verify is a run with a log, like a backup.
    expect(report.run).toMatchObject({ kind: 'verify', status: 'failed' });
    expect(readFileSync(report.run.logPath, 'utf8')).toContain(`CONTENT data${ws.source}/www/big.bin`);
  });

  it('reports missing, extra and changed files, and checks sizes and mtimes of the files it does not read', async () => {
    ws = workspace();
    await setUp();
    const snapshot = await backup();
    const data = join(snapshot.path, 'data', ws.source);
    rmSync(join(data, 'etc/app.conf'));
    writeTree(data, { 'www/new.txt': 'added later\n' });
    utimesSync(join(data, 'www/index.html'), new Date('2020-01-01'), new Date('2020-01-01'));
    // Files beside meta.json are not the snapshot's contents.
    writeTree(snapshot.path, { protected: '' });

    const result = await ws.run(['verify', 'h1', '--sample', '0.001', '--json']);
    expect(result.code).toBe(1);
    const [verdict] = JSON.parse(result.stdout).snapshots;
    expect(verdict.byKind).toEqual({ missing: 1, extra: 1, mtime: 1 });
    expect(verdict.problems.map((problem: { path: string }) => problem.path)).toEqual([
      `data${ws.source}/etc/app.conf`,
      `data${ws.source}/www/index.html`,
      `data${ws.source}/www/new.txt`,
    ]);
  });

  it('says a snapshot made before manifests cannot be verified (exit 3), and a verify schedule runs through the worker', async () => {
    ws = workspace();
    await setUp();
    const old = await backup();
    rmSync(join(old.path, 'manifest.b2'));
    await backup();
    const partial = await ws.run(['verify', 'h1', '--all']);
    expect(partial.code).toBe(3);
    expect(partial.stdout).toContain(`${old.name}: no manifest: cannot be verified`);

    const app = await openApp(ws.home);
    try {
      const { schedule } = await configureSchedule(app, 'h1', undefined, { cron: '0 4 * * 0', action: 'verify' });
      expect(schedule).toMatchObject({ name: 'verify', action: 'verify' });
      const row = await app.catalogue.em().findOneOrFail(ScheduleSchema, { id: schedule.id }, { populate: ['host'] });
      const fired = await fireSchedule(app, row, new Date());
      expect(fired.outcome).toBe('queued');
      const worker = new Worker(app, () => {});
      expect(await worker.tick()).toBe(1);
      const run = await waitFor('the verify run to end', async () => {
        const found = await app.catalogue.em().findOneOrFail(RunSchema, { id: (fired as { runId: number }).runId });
        return found.status === 'running' ? undefined : found;
      });
      expect(run).toMatchObject({ kind: 'verify', status: 'partial' });
      expect(run.details).toMatchObject({
        action: 'verify',
        samplePercent: 100,
        results: [{ outcome: 'unverifiable' }, { outcome: 'clean' }],
      });
      await worker.stop(1000);
    } finally {
      await app.close();
    }
  });
});

describe('missing snapshots', () => {
  it('are marked missing when their directory is gone, and never listed as good, planned, counted or used as a base', async () => {
    ws = workspace();
    await setUp();
    const names = [];
    for (let i = 0; i < 3; i += 1) names.push((await backup()).name);
    rmSync(join(ws.backupRoot, 'h1', names[2]!), { recursive: true, force: true });

    const discovered = await ws.run(['discover-snapshots', '--host', 'h1']);
    expect(discovered.stdout).toContain(`missing h1/${names[2]}: its directory`);
    expect(discovered.stdout).toMatch(/0 recorded, 2 already known, 1 marked missing/);
    const listed = await ws.run(['snapshots', 'h1']);
    expect(listed.stdout).toMatch(new RegExp(`${names[2]}\\s+manual\\s+MISSING`));
    const status = await ws.json(['status']);
    expect(status.hosts[0]).toMatchObject({ snapshotCount: 2, lastSnapshot: { name: names[1] } });
    const plan = await ws.json(['retention', 'h1', '--keep-last', '1', '--kind', 'all']);
    expect(plan.entries.map((entry: { name: string }) => entry.name)).toEqual([names[1], names[0]]);

    const next = await backup();
    expect(next.base).toBe(names[1]);
    const verified = await ws.run(['verify', 'h1', names[2]!]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(`${names[2]}: MISSING`);
  });

  it('are found at the start of the next backup of the host, without discover', async () => {
    ws = workspace();
    await setUp();
    const first = await backup();
    const second = await backup();
    rmSync(second.path, { recursive: true, force: true });
    const third = await backup();
    expect(third.base).toBe(first.name);
    const snapshots = await ws.json(['snapshots', 'h1']);
    expect(snapshots.find((s: { name: string }) => s.name === second.name).missingSince).not.toBeNull();
    expect(existsSync(third.path)).toBe(true);
  });
});

describe('backup root ownership', () => {
  it('refuses a backup root another catalogue uses, until told to adopt it; then the first catalogue refuses it', async () => {
    ws = workspace();
    await setUp();
    const taken = await backup();
    other = workspace();
    const refused = await other.run(['configure-global', '--backup-root', ws.backupRoot]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/belongs to another pobsync catalogue \(id [0-9a-f]{32}\).*add --adopt to take the root over/);
    expect((await other.json(['configure-global'])).backupRoot).toBeNull();

    const adopted = await other.run(['configure-global', '--backup-root', ws.backupRoot, '--adopt']);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toMatch(/adopted .*: 1 snapshot recorded, 0 already known; hosts created \(disabled\): h1/);
    expect((await other.json(['snapshots', 'h1'])).map((s: { name: string }) => s.name)).toEqual([taken.name]);
    expect((await other.json(['host', 'h1'])).enabled).toBe(false);

    const first = await ws.run(['backup', 'h1']);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/belongs to another pobsync catalogue .*--adopt" takes it over/);
  });
});

describe('versions', () => {
  it('counts a file whose metadata alone changed as the same version, by its manifest hash', async () => {
    ws = workspace();
    await setUp();
    await backup();
    utimesSync(join(ws.source, 'etc/app.conf'), new Date('2024-01-01'), new Date('2024-01-01'));
    await backup();
    writeTree(ws.source, { 'etc/app.conf': 'port=8080\n' });
    await backup();
    const report = await ws.json(['versions', 'h1', `${ws.source}/etc/app.conf`]);
    expect(report.versions).toHaveLength(2);
    expect(report.versions[0].snapshots).toHaveLength(2);
    expect(report.versions[0].blake2b).toMatch(/^[0-9a-f]{128}$/);
  });
});
