/**
 * Retention on a real backup root: previews from the catalogue, saved policies, apply with a
 * limit, crash consistency, and prune after backup.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotRecordSchema } from '../../source/catalogue/entities/index.js';
import { snapshotName } from '../../source/domain/snapshot-name.js';
import { testingOnMariaDb } from '../helpers/mariadb.js';
import {
  backUp,
  CLI,
  expectOk,
  inProcess,
  setUpLocalHost,
  snapshotsOf,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

async function setUpWeb1(): Promise<void> {
  writeTree(ws.source, { 'etc/app.conf': 'a=1\n', 'var/data.bin': Buffer.alloc(64 << 10, 1) });
  await setUpLocalHost(ws, 'web1', {}, { timeZone: 'UTC' });
}

/**
 * A backup root with one real snapshot cloned (hard links, `cp -al`) to one per day for `days`
 * days before it, each with its own meta.json, recorded by discover-snapshots: what months of
 * nightly backups look like, made in a second.
 */
async function backupRootWithDailySnapshots(days: number): Promise<string[]> {
  const real = (await backUp(ws)).snapshot;
  const meta = JSON.parse(readFileSync(join(real.path, 'meta.json'), 'utf8'));
  const names: string[] = [];
  for (let day = days; day >= 1; day -= 1) {
    const time = new Date(Date.parse(real.startedAt) - day * 86_400_000);
    const name = snapshotName(time);
    const path = join(ws.backupRoot, 'web1', name);
    execFileSync('cp', ['-al', real.path, path]);
    // cp -al hard-links meta.json too: replace it, do not write through the shared inode.
    rmSync(join(path, 'meta.json'));
    writeFileSync(
      join(path, 'meta.json'),
      JSON.stringify({ ...meta, name, kind: 'scheduled', startedAt: time.toISOString(), finishedAt: time.toISOString(), base: null }),
    );
    names.push(name);
  }
  await inProcess(ws, async (app) => {
    const { discoverSnapshots } = await import('../../source/services/snapshots/discovery.js');
    await discoverSnapshots(app);
  });
  return [...names, real.name];
}

const snapshotNames = async (): Promise<string[]> => (await snapshotsOf(ws, 'web1')).map((s: { name: string }) => s.name);

describe('retention', () => {
  it('previews a plan from the catalogue with a reason for every kept snapshot, and deletes nothing', async () => {
    ws = workspace();
    await setUpWeb1();
    const names = await backupRootWithDailySnapshots(29);

    const plan = await ws.json(['retention', 'web1', '--keep-daily', '7', '--keep-weekly', '2', '--kind', 'all']);

    expect(plan.policySource).toBe('what-if');
    expect(plan.entries).toHaveLength(30);
    expect(plan.entries.map((e: { name: string }) => e.name)).toEqual([...names].reverse());
    const kept = plan.entries.filter((e: { action: string }) => e.action === 'keep');
    for (const entry of kept) expect(entry.reasons.length, entry.name).toBeGreaterThan(0);
    expect(kept[0].reasons).toContain('latest');
    expect(plan.removed).toBe(30 - plan.kept);
    expect(plan.removed).toBeGreaterThan(15);
    expect(await snapshotNames()).toEqual(names);
    const text = await expectOk(ws.run(['retention', 'web1', '--keep-daily', '7', '--kind', 'all']));
    expect(text.stdout).toMatch(/daily #1, latest/);
    expect(text.stdout).toMatch(/REMOVE/);
    expect(text.stdout).toMatch(/7 kept, 23 removed/);
  });

  it('--apply --max-delete 5 deletes exactly the 5 oldest planned snapshots from disk and catalogue', async () => {
    ws = workspace();
    await setUpWeb1();
    const names = await backupRootWithDailySnapshots(29);
    await expectOk(ws.run(['retention', 'web1', '--keep-daily', '10', '--kind', 'all', '--save']));
    const planned = (await ws.json(['retention', 'web1'])).entries
      .filter((e: { action: string }) => e.action === 'remove')
      .map((e: { name: string }) => e.name);
    expect(planned).toHaveLength(20);
    const fiveOldest = [...planned].sort().slice(0, 5);

    const refused = await ws.run(['retention', 'web1', '--apply', '--max-delete', '5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs confirmation: run it on a terminal, or add --yes/);

    const applied = await expectOk(ws.run(['retention', 'web1', '--apply', '--max-delete', '5', '--yes']));
    expect(applied.stdout).toContain('deleted 5 snapshots');
    expect(applied.stdout).toContain('15 more the plan removes are left for the next apply');

    const left = await snapshotNames();
    expect(left).toEqual(names.filter((name) => !fiveOldest.includes(name)));
    const onDisk = readdirSync(join(ws.backupRoot, 'web1'))
      .filter((name) => !name.startsWith('.'))
      .sort();
    expect(onDisk).toEqual(left);
    // The survivors are whole: the hard-linked file is still there in the oldest one left.
    expect(readFileSync(join(ws.backupRoot, 'web1', left[0]!, 'data', ws.source, 'etc/app.conf'), 'utf8')).toBe('a=1\n');

    const rest = await ws.json(['retention', 'web1', '--apply', '--yes']);
    expect(rest.deleted).toHaveLength(15);
    expect(await snapshotNames()).toHaveLength(10);
  });

  // The prompt is the command's, the same whatever the catalogue: the MariaDB pass's deletions are the
  // --max-delete test's.
  it.skipIf(testingOnMariaDb())('on a terminal, --apply deletes nothing unless the host name is typed', async () => {
    ws = workspace();
    await setUpWeb1();
    await backupRootWithDailySnapshots(3);
    const typed = async (answer: string) => {
      // script(1) gives the command a terminal; the answer arrives on it as typed input.
      const child = spawn('script', ['-qec', `${process.execPath} ${CLI} retention web1 --keep-last 1 --apply`, '/dev/null'], {
        env: ws.env,
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      const exit = new Promise((resolve) => child.on('exit', resolve));
      await waitFor('the confirmation prompt', () => output.includes('Type web1 to confirm'));
      child.stdin.end(`${answer}\r`);
      return { code: await exit, output };
    };
    const wrong = await typed('web2');
    expect(wrong.output).toContain('Type web1 to confirm');
    expect(wrong.output).toContain('nothing deleted');
    expect(await snapshotNames()).toHaveLength(4);
    const right = await typed('web1');
    // Three nightly (scheduled) snapshots and today's manual one, out of scope: two go.
    expect(right.output).toContain('deleted 2 snapshots');
    expect(await snapshotNames()).toHaveLength(2);
  });

  it('finishes a deletion a crash interrupted, and never lists it as a good snapshot meanwhile', async () => {
    ws = workspace();
    await setUpWeb1();
    const names = await backupRootWithDailySnapshots(2);
    const victim = names[0]!;
    // As if killed mid-deletion: the record is marked, the tree half moved to .deleting/.
    const { openApp } = await import('../../source/services/app.js');
    const app = await openApp(ws.home);
    await app.catalogue.em().nativeUpdate(SnapshotRecordSchema, { name: victim }, { deletingAt: new Date() });
    await app.close();
    mkdirSync(join(ws.backupRoot, 'web1', '.deleting'), { recursive: true });
    renameSync(join(ws.backupRoot, 'web1', victim), join(ws.backupRoot, 'web1', '.deleting', victim));

    const listed = await expectOk(ws.run(['snapshots', 'web1']));
    expect(listed.stdout).toMatch(new RegExp(`${victim}\\s+scheduled\\s+DELETING`));
    expect((await ws.json(['status'])).hosts[0].snapshotCount).toBe(2);
    expect((await ws.json(['retention', 'web1'])).entries.map((e: { name: string }) => e.name)).not.toContain(victim);

    await expectOk(ws.run(['backup', 'web1']));
    expect(await snapshotNames()).not.toContain(victim);
    expect(existsSync(join(ws.backupRoot, 'web1', '.deleting', victim))).toBe(false);
  });

  it('backup --prune applies the saved policy after a good backup', async () => {
    ws = workspace();
    await setUpWeb1();
    await expectOk(ws.run(['retention', 'web1', '--keep-last', '2', '--kind', 'manual', '--save']));
    for (let i = 0; i < 3; i += 1) await expectOk(ws.run(['backup', 'web1', '--prune']));
    const snapshots = await ws.json(['snapshots', 'web1']);
    expect(snapshots).toHaveLength(2);
    // The expired tree is removed in the background, and the command waits for it before it exits.
    expect(
      readdirSync(join(ws.backupRoot, 'web1'))
        .filter((name) => !name.startsWith('.'))
        .sort(),
    ).toEqual(snapshots.map((snapshot: { name: string }) => snapshot.name).sort());
    expect(readdirSync(join(ws.backupRoot, 'web1', '.deleting'))).toEqual([]);
    const [run] = await ws.json(['runs', '--limit', '1']);
    expect(readFileSync(run.logPath, 'utf8')).toMatch(/prune: deleted 1 snapshot the host policy removes/);
  });

  it('stores a host policy over the global default, and can drop it again', async () => {
    ws = workspace();
    await setUpWeb1();
    expect(await ws.json(['retention', '--global'])).toMatchObject({
      host: null,
      source: 'default',
      policy: { keepDaily: 0, scope: 'scheduled' },
    });
    await expectOk(ws.run(['retention', '--global', '--keep-daily', '14', '--keep-within', '2d', '--save']));
    expect((await ws.json(['retention', 'web1'])).policy).toMatchObject({ keepDaily: 14, keepWithin: '2d' });
    await expectOk(ws.run(['retention', 'web1', '--keep-weekly', '8', '--save']));
    expect((await ws.json(['retention', 'web1'])).policy).toMatchObject({ keepDaily: 14, keepWeekly: 8 });
    expect((await ws.json(['retention', 'web1'])).policySource).toBe('host');
    await expectOk(ws.run(['retention', 'web1', '--use-global', '--save']));
    expect(await ws.json(['retention', 'web1'])).toMatchObject({ policySource: 'global', policy: { keepWeekly: 0 } });

    for (const [args, message] of [
      [['retention', 'web1', '--keep-daily', '-3'], /^pobsync: keep-daily "-3" is not allowed/],
      [['retention', 'web1', '--keep-within', '7x'], /^pobsync: keep-within "7x" is not allowed/],
      [['retention', 'web1', '--kind', 'weekly'], /^pobsync: kind "weekly" is not allowed: use scheduled, manual or all/],
      [['retention', 'web1', '--keep-hourly', '1.5', '--save'], /^pobsync: keep-hourly "1.5" is not allowed/],
    ] as const) {
      const result = await ws.run([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect((await ws.json(['retention', 'web1'])).policy).toMatchObject({ keepDaily: 14, keepHourly: 0 });
  });
});

describe('retention apply', () => {
  it('deletes only what the admin confirmed and the plan still removes', async () => {
    ws = workspace();
    await setUpWeb1();
    const names = await backupRootWithDailySnapshots(4);
    const { openApp } = await import('../../source/services/app.js');
    const { applyRetention, previewRetention, savePolicy } = await import('../../source/services/snapshots/retention.js');
    const { setProtected } = await import('../../source/services/snapshots/snapshots.js');
    const app = await openApp(ws.home);
    try {
      await savePolicy(app, 'web1', { keepLast: 3, scope: 'all' });
      const shown = (await previewRetention(app, 'web1')).entries.filter((entry) => entry.action === 'remove').map((entry) => entry.name);
      expect(shown).toEqual([names[1], names[0]]);
      // While the prompt was open: one of them protected, and a stricter policy saved elsewhere.
      await setProtected(app, 'web1', names[1], true);
      await savePolicy(app, 'web1', { keepLast: 1 });
      const result = await applyRetention(app, 'web1', { confirmed: shown });
      expect(result.deleted).toEqual([names[0]]);
      expect(result.unconfirmed).toEqual([names[3], names[2]]);
      expect((await previewRetention(app, 'web1')).entries.map((entry) => entry.name)).toEqual([names[4], names[3], names[2], names[1]]);
    } finally {
      await app.close();
    }
  });
});
