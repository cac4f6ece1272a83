/**
 * The fault suite, a full disk on the backup server: out of inodes, out of space, a dump written
 * onto a full disk, a catalogue on a full disk. Each is a failed run saying so, never a partial
 * snapshot blaming the host, and nothing half-written is published. The backup root (or the
 * home) is a tmpfs of a few MiB or a few hundred inodes, which needs root.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectOk, setUpGlobal, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';

let ws: Workspace;
const mounts: string[] = [];

afterEach(() => {
  for (const mount of mounts.splice(0)) execFileSync('umount', ['-l', mount]);
  ws?.cleanup();
});

const asRoot = process.getuid?.() === 0;

/** A tmpfs at `path`, of `size` bytes and at most `inodes` files. */
function smallDisk(path: string, size: string, inodes: number): void {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},nr_inodes=${inodes},mode=0700`, 'tmpfs', path]);
  mounts.push(path);
}

async function hostOnSmallDisk(size: string, inodes: number, files: Record<string, string | Buffer>, extra: string[] = []): Promise<void> {
  ws = workspace();
  writeTree(ws.source, files);
  smallDisk(ws.backupRoot, size, inodes);
  await setUpGlobal(ws);
  await expectOk(ws.run(['configure-host', 'web1', '--address', 'local', '--source', ws.source, ...extra]));
}

async function expectFailedForSpace(pattern: RegExp): Promise<void> {
  const result = await ws.run(['backup', 'web1']);
  expect(result.code, result.stderr).toBe(1);
  const [run] = await ws.json(['runs']);
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(pattern);
  expect(await ws.json(['snapshots', 'web1'])).toEqual([]);
  expect(readdirSync(join(ws.backupRoot, 'web1')).filter((name) => !name.startsWith('.'))).toEqual([]);
}

describe.skipIf(!asRoot)('a full disk on the backup server', () => {
  it('fails a backup that runs out of inodes, instead of publishing a partial snapshot', async () => {
    const files = Object.fromEntries(Array.from({ length: 400 }, (_, index) => [`many/f${index}.txt`, `${index}\n`]));
    await hostOnSmallDisk('64m', 200, files);
    await expectFailedForSpace(/^the backup server ran out of space \(or inodes\): rsync: .*No space left on device/);
  });

  it('fails a backup that runs out of space', async () => {
    await hostOnSmallDisk('2m', 1000, { 'big.bin': Buffer.alloc(6 << 20, 1) });
    await expectFailedForSpace(/^the backup server ran out of space \(or inodes\)/);
  });

  it('says a dump ran out of space, not that the command failed', async () => {
    await hostOnSmallDisk('2m', 1000, { 'a.txt': 'a\n' }, ['--dump', 'big.sql=head -c 8388608 /dev/zero']);
    await expectFailedForSpace(/^dump "big\.sql" failed: the backup server ran out of space writing it/);
  });

  it('says the disk holding the catalogue is full', async () => {
    ws = workspace();
    smallDisk(ws.home, '1m', 1000);
    await setUpGlobal(ws);
    // Fill what is left of the home's filesystem.
    try {
      writeFileSync(join(ws.home, 'filler'), Buffer.alloc(2 << 20));
    } catch {
      // ENOSPC: it is full now.
    }
    const result = await ws.run(['configure-host', 'web1', '--address', 'local', '--source', ws.source, '--exclude', 'x'.repeat(4000)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^pobsync: the disk holding the catalogue .* is full .*: free space in .*, then try again\n$/);
  });
});
