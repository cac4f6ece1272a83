/**
 * The backup root as admins handle it: a filesystem that is not mounted, a root moved to a new
 * place, a snapshot directory that is not what it should be. Nothing is deleted or written in
 * the wrong place, and one bad snapshot never blocks a host.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectOk, setUpLocalHost, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

async function setUp(): Promise<string[]> {
  writeTree(ws.source, { 'a.txt': 'a\n' });
  await setUpLocalHost(ws, 'web1');
  const names = [];
  for (let i = 0; i < 3; i += 1) names.push((await ws.json(['backup', 'web1'])).snapshot.name as string);
  return names;
}

describe('backup root', () => {
  it('refuses backups and deletions while the root is not the one pobsync set up (not mounted)', async () => {
    ws = workspace();
    await setUp();
    // As if the filesystem were unmounted: an empty directory at the mount point.
    renameSync(ws.backupRoot, `${ws.backupRoot}.away`);
    mkdirSync(ws.backupRoot);

    const backup = await ws.run(['backup', 'web1']);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toMatch(/backup root .* is missing pobsync's marker \(\.pobsync-backup-root\): is its filesystem mounted\?/);
    const apply = await ws.run(['retention', 'web1', '--keep-last', '1', '--kind', 'all', '--apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(readdirSync(ws.backupRoot)).toEqual([]);
    expect(await ws.json(['snapshots', 'web1'])).toHaveLength(3);
  });

  it('moves with its snapshots, and refuses a new root that does not hold them', async () => {
    ws = workspace();
    const names = await setUp();
    const moved = join(ws.dir, 'moved');

    const refused = await ws.run(['configure-global', '--backup-root', moved]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/does not hold the 3 snapshots recorded under .*: move them there first/);
    expect((await ws.json(['configure-global'])).backupRoot).toBe(ws.backupRoot);

    renameSync(ws.backupRoot, moved);
    await expectOk(ws.run(['configure-global', '--backup-root', moved]));
    const snapshots = await ws.json(['snapshots', 'web1']);
    expect(snapshots.map((s: { path: string }) => s.path)).toEqual(names.map((name) => join(moved, 'web1', name)));
    const applied = await ws.json(['retention', 'web1', '--keep-last', '1', '--kind', 'all', '--apply', '--yes']);
    expect(applied.deleted).toEqual(names.slice(0, 2));
    expect(readdirSync(join(moved, 'web1')).filter((name) => !name.startsWith('.'))).toEqual([names[2]]);
  });

  it('refuses to delete a snapshot directory that is a symlink, leaves it as it was, and keeps backing up', async () => {
    ws = workspace();
    const names = await setUp();
    const elsewhere = join(ws.dir, 'elsewhere');
    renameSync(join(ws.backupRoot, 'web1', names[0]!), elsewhere);
    symlinkSync(elsewhere, join(ws.backupRoot, 'web1', names[0]!));

    const apply = await ws.run(['retention', 'web1', '--keep-last', '1', '--kind', 'all', '--apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/cannot be deleted: refusing to delete .*: it is not a snapshot directory/);
    expect(existsSync(join(elsewhere, 'meta.json'))).toBe(true);
    const listed = await expectOk(ws.run(['snapshots', 'web1']));
    expect(listed.stdout).not.toContain('DELETING');

    await expectOk(ws.run(['backup', 'web1']));
    rmSync(join(ws.backupRoot, 'web1', names[0]!));
  });
});
