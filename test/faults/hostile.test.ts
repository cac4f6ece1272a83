/**
 * The fault suite, what a host may hold: file names with newlines, escape sequences and leading
 * dashes, 255-byte names, 3,000-byte paths, FIFOs, devices, sparse files and hard links are all
 * copied exactly, restored exactly, and shown on a terminal as escapes, never as terminal input.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { differences } from '../helpers/history.js';
import { expectOk, setUpRemoteHost, sshdForFile, type Workspace, workspace } from '../helpers/pobsync.js';

const sshd = sshdForFile();
let ws: Workspace;
afterEach(() => ws?.cleanup());

const asRoot = process.getuid?.() === 0;

describe('hostile file names and file types', () => {
  it('copies them exactly, restores them exactly, and escapes them on a terminal', async () => {
    ws = workspace();
    const source = ws.source;
    const names = [
      'new\nline',
      'esc\x1b[31mred\x1b[0m',
      '-rf',
      '--delete',
      `${'n'.repeat(250)}.txt`,
      'tab\there',
      'back\\slash',
      'ünïcødé',
    ];
    for (const name of names) writeFileSync(join(source, name), `${name}\n`);
    // A path of over 3,000 bytes: 30 directories of 100 bytes.
    let deep = source;
    for (let level = 0; level < 30; level += 1) deep = join(deep, `${String(level).padStart(2, '0')}${'d'.repeat(98)}`);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'bottom.txt'), 'deep\n');
    execFileSync('mkfifo', [join(source, 'fifo')]);
    if (asRoot) execFileSync('mknod', [join(source, 'null-device'), 'c', '1', '3']);
    // 300 MiB with 244 KiB of data in it.
    execFileSync('truncate', ['-s', '300M', join(source, 'disk.img')]);
    execFileSync('dd', ['if=/dev/urandom', `of=${join(source, 'disk.img')}`, 'bs=4k', 'count=61', 'seek=1000', 'conv=notrunc'], {
      stdio: 'ignore',
    });
    writeFileSync(join(source, 'original'), 'linked\n');
    linkSync(join(source, 'original'), join(source, 'hard link'));
    symlinkSync('../../../../etc/passwd', join(source, 'escaping-link'));
    await setUpRemoteHost(ws, sshd, 'web1');

    const { snapshot } = await ws.json(['backup', 'web1']);
    const stored = join(snapshot.path, 'data', source);
    expect(differences(source, stored)).toEqual([]);
    expect(statSync(join(stored, 'hard link')).ino).toBe(statSync(join(stored, 'original')).ino);
    // Holes stay holes.
    expect(statSync(join(stored, 'disk.img')).blocks * 512).toBeLessThan(2 << 20);

    const listing = await ws.run(['ls', 'web1', snapshot.name, source]);
    expect(listing.code).toBe(0);
    expect(listing.stdout).not.toContain('\x1b');
    expect(listing.stdout).toContain('new\\nline');
    expect(listing.stdout).toContain('esc\\033[31mred\\033[0m');
    expect(listing.stdout).toContain('tab\\there');
    expect(listing.stdout).toContain('back\\\\slash');
    expect(listing.stdout.split('\n').some((line) => line.endsWith(' line'))).toBe(false);
    const raw = await ws.json(['ls', 'web1', snapshot.name, source]);
    expect(raw.entries.map((entry: { name: string }) => entry.name)).toEqual(expect.arrayContaining(names));

    const target = join(ws.dir, 'restored');
    await expectOk(ws.run(['restore', 'web1', snapshot.name, '--to', target]));
    expect(differences(source, join(target, source))).toEqual([]);
    expect(statSync(join(target, source, 'disk.img')).blocks * 512).toBeLessThan(2 << 20);
  });
});
