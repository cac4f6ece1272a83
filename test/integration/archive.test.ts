/**
 * Archives: a snapshot as one .tar.gz that GNU tar reads, with a checksum b2sum agrees with;
 * checked, loaded back exactly, kept current per host and option set, and imported on another
 * server. Archives made by someone else are refused before anything is written.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { compareKeys, formatEntry, formatTrailer, MANIFEST_HEADER, textToByteString } from '../../source/domain/manifest.js';
import { flipByte } from '../helpers/files.js';
import {
  backUp,
  expectOk,
  localHostWorkspace,
  setUpGlobal,
  setUpHost,
  setUpLocalHost,
  type Workspace,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

let ws: Workspace;
let other: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  other?.cleanup();
  other = undefined;
});

const LONG = 'a-directory-name-long-enough/that-the-whole-path/goes-past-the-hundred-bytes-a-plain-tar-header/holds';

async function setUp(): Promise<void> {
  writeTree(ws.source, {
    'etc/app.conf': 'port=80\n',
    'www/big.bin': Buffer.alloc(200_000, 3),
    [`${LONG}/file.txt`]: 'deep\n',
    'www/café.txt': 'unicode name\n',
  });
  linkSync(join(ws.source, 'etc/app.conf'), join(ws.source, 'etc/app.conf.hardlink'));
  symlinkSync('/etc/hostname', join(ws.source, 'etc/absolute-link'));
  symlinkSync('../www/big.bin', join(ws.source, 'etc/relative-link'));
  mkdirSync(join(ws.source, 'empty-dir'));
  await setUpLocalHost(ws, 'h1', { dumps: ['db.sql=echo "create table t (id int);"'] });
}

function b2sum(path: string): string {
  return execFileSync('b2sum', [path], { encoding: 'utf8' }).split(' ')[0]!;
}

interface Crafted {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  body?: string;
  linkpath?: string;
}

/**
 * A .tar.gz made entry by entry, as an attacker would: names and types pobsync would never write,
 * with manifests that agree with them, so only the entry checks stand between it and the disk.
 */
function craft(file: string, entries: Crafted[]): void {
  const listed = entries
    .filter((entry) => entry.type === 'File' || entry.type === 'SymbolicLink')
    .map((entry) => ({ ...entry, key: textToByteString(entry.path) }))
    .sort((a, b) => compareKeys(a.key, b.key));
  const blake2b = (data: string | Buffer) => createHash('blake2b512').update(data).digest('hex');
  const lines = [`${MANIFEST_HEADER}\n`];
  let bytes = 0;
  for (const entry of listed) {
    const body = Buffer.from(entry.body ?? '');
    bytes += entry.type === 'File' ? body.length : 0;
    const common = { key: entry.key, size: entry.type === 'File' ? body.length : 0, mtime: 0, ino: 0 };
    lines.push(
      formatEntry(
        entry.type === 'File'
          ? { type: 'file', ...common, hash: blake2b(body) }
          : { type: 'link', ...common, target: textToByteString(entry.linkpath ?? '') },
      ),
    );
  }
  const files = listed.filter((entry) => entry.type === 'File').length;
  const contentManifest = lines.join('') + formatTrailer({ files, bytes }, blake2b(lines.join('')));
  const manifest = JSON.stringify({
    format: 1,
    pobsync: 'x',
    host: 'h1',
    snapshot: '2026-01-01T000000Z',
    created: new Date().toISOString(),
    optionSet: 'data',
    sources: [],
    dumps: [],
    files,
    bytes,
    links: listed.length - files,
    meta: {},
  });
  const blocks: Buffer[] = [];
  const head: Crafted[] = [
    { path: 'manifest.json', type: 'File', body: manifest },
    { path: 'manifest.b2', type: 'File', body: contentManifest },
    { path: 'data/', type: 'Directory' },
  ];
  for (const entry of [...head, ...entries]) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      type: entry.type,
      size: body.length,
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
      ...(entry.type === 'CharacterDevice' ? { devmaj: 1, devmin: 3 } : {}),
    });
    header.encode();
    blocks.push(header.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}

describe('archives', () => {
  it('round trip: create, b2sum agrees, GNU tar reads it, verify passes, load gives the snapshot back exactly', async () => {
    ws = workspace();
    await setUp();
    const { snapshot } = await backUp(ws, 'h1');

    const created = await ws.json(['archive', 'create', 'h1']);
    const { archive } = created;
    expect(archive).toMatchObject({ host: 'h1', snapshot: snapshot.name, optionSet: 'data+dumps', state: 'current' });
    expect(archive.path).toBe(join(ws.backupRoot, '.archives', 'h1', `h1_${snapshot.name}_data+dumps.tar.gz`));
    expect(b2sum(archive.path)).toBe(archive.blake2b);
    expect(execFileSync('b2sum', ['-c', `${archive.path}.b2`], { cwd: join(ws.backupRoot, '.archives', 'h1'), encoding: 'utf8' })).toMatch(
      /: OK/,
    );
    expect(statSync(archive.path).mode & 0o777).toBe(0o600);
    const listed = (await ws.json(['archive', 'list'])) as { id: number; blake2b: string }[];
    expect(listed).toEqual([expect.objectContaining({ id: archive.id, blake2b: b2sum(archive.path) })]);

    const names = execFileSync('tar', ['tzf', archive.path], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(names.slice(0, 3)).toEqual(['manifest.json', 'manifest.b2', 'data/']);
    expect(names).toContain(`data${ws.source}/${LONG}/file.txt`);
    expect(names.at(-1)).toBe('dumps/db.sql');
    const description = JSON.parse(execFileSync('tar', ['xzOf', archive.path, 'manifest.json'], { encoding: 'utf8' }));
    expect(description).toMatchObject({ format: 1, host: 'h1', snapshot: snapshot.name, optionSet: 'data+dumps', files: 6, links: 2 });
    expect(description.meta.name).toBe(snapshot.name);

    const verified = await ws.run(['archive', 'verify', String(archive.id)]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: /);
    const [verifyRun] = await ws.json(['runs', '--limit', '1']);
    expect(verifyRun).toMatchObject({ kind: 'archive', status: 'succeeded' });

    const target = join(ws.dir, 'loaded');
    await expectOk(ws.run(['archive', 'load', String(archive.id), '--to', target]));
    for (const area of ['data', 'dumps']) {
      execFileSync('diff', ['-r', '--no-dereference', join(snapshot.path, area), join(target, area)]);
    }
    const loaded = join(target, 'data', ws.source, 'etc');
    expect(statSync(join(loaded, 'app.conf')).ino).toBe(statSync(join(loaded, 'app.conf.hardlink')).ino);
    expect(statSync(join(loaded, 'app.conf')).mtime.getTime()).toBe(
      Math.floor(statSync(join(ws.source, 'etc/app.conf')).mtimeMs / 1000) * 1000,
    );
    expect(readdirSync(target).sort()).toEqual(['data', 'dumps']);
  });

  it('fail verify with a flipped byte, by id and by file, and then are neither loaded nor imported', async () => {
    ws = workspace();
    await setUp();
    await backUp(ws, 'h1');
    const { archive } = await ws.json(['archive', 'create', 'h1', '--data']);
    flipByte(archive.path, Math.floor(statSync(archive.path).size / 2));

    for (const ref of [String(archive.id), archive.path]) {
      const result = await ws.run(['archive', 'verify', ref]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^DAMAGED: /);
      expect(result.stderr).toMatch(/its BLAKE2b-512 is [0-9a-f]{128}, not [0-9a-f]{128}: the file changed since it was made/);
    }
    const target = join(ws.dir, 'loaded');
    const load = await ws.run(['archive', 'load', String(archive.id), '--to', target]);
    expect(load.code).toBe(1);
    expect(load.stderr).toMatch(/failed its check: .*nothing was loaded/);
    expect(existsSync(target) ? readdirSync(target) : []).toEqual([]);
  });

  it('refuse crafted archives (../x, /abs/x, an escaping symlink, a link to follow, a device) and write nothing outside DIR', async () => {
    ws = workspace();
    await setUpGlobal(ws);
    const outside = join(ws.dir, 'outside');
    mkdirSync(outside);
    const cases: [string, Crafted[], RegExp][] = [
      ['dotdot', [{ path: 'data/../../outside/x', type: 'File', body: 'evil' }], /data\/\.\.\/\.\.\/outside\/x: its name holds "\.\."/],
      ['absolute', [{ path: `${outside}/x`, type: 'File', body: 'evil' }], /: it is an absolute name/],
      [
        'escaping',
        [{ path: 'data/evil', type: 'SymbolicLink', linkpath: '../../outside' }],
        /data\/evil: it is a symlink to "\.\.\/\.\.\/outside", which leads out/,
      ],
      [
        'through',
        [
          { path: 'data/abs', type: 'SymbolicLink', linkpath: outside },
          { path: 'data/abs/x', type: 'File', body: 'evil' },
        ],
        /data\/abs\/x: it lies below the symlink data\/abs/,
      ],
      [
        'hardlink',
        [{ path: 'data/x', type: 'Link', linkpath: `${outside}/target` }],
        /data\/x: it is a hard link to .*not to a file earlier in the archive/,
      ],
      ['device', [{ path: 'data/null', type: 'CharacterDevice' }], /data\/null: it is a character device, which pobsync never writes/],
      ['fifo', [{ path: 'data/pipe', type: 'FIFO' }], /data\/pipe: it is a FIFO, which pobsync never writes/],
    ];
    writeFileSync(join(outside, 'target'), 'outside\n');
    for (const [name, entries, refusal] of cases) {
      const file = join(ws.dir, `${name}.tar.gz`);
      craft(file, entries);
      const target = join(ws.dir, `load-${name}`);
      const result = await ws.run(['archive', 'load', file, '--to', target]);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(refusal);
      expect(existsSync(target) ? readdirSync(target) : [], name).toEqual([]);
      expect(readdirSync(outside), name).toEqual(['target']);
      expect((await ws.run(['archive', 'verify', file])).code, name).toBe(1);
    }
  });

  it('keep the newest archive per host and option set current, deprecate the older ones, purge their files when asked', async () => {
    ws = workspace();
    await setUp();
    await backUp(ws, 'h1');
    const make = async (set: string) => (await ws.json(['archive', 'create', 'h1', `--${set}`])).archive;
    const data = [await make('data'), await make('data'), await make('data')];
    await expectOk(ws.run(['configure-global', '--archive-auto-purge']));
    const dumps = [await make('dumps'), await make('dumps'), await make('dumps')];

    const states = Object.fromEntries(
      ((await ws.json(['archive', 'list', '--host', 'h1'])) as { id: number; state: string }[]).map((a) => [a.id, a.state]),
    );
    expect(data.map((a) => states[a.id])).toEqual(['deprecated', 'deprecated', 'current']);
    expect(dumps.map((a) => states[a.id])).toEqual(['purged', 'purged', 'current']);
    expect(data.map((a) => existsSync(a.path))).toEqual([true, true, true]);
    expect(dumps.map((a) => existsSync(a.path))).toEqual([false, false, true]);
    expect(dumps.map((a) => existsSync(`${a.path}.b2`))).toEqual([false, false, true]);

    // A fourth data archive purges the three data archives deprecated before auto-purge was on.
    const fourth = await make('data');
    expect(data.map((a) => existsSync(a.path))).toEqual([false, false, false]);
    const rows = (await ws.json(['archive', 'list'])) as { id: number; state: string; purgedAt: string | null }[];
    expect(
      rows
        .filter((a) => a.state === 'current')
        .map((a) => a.id)
        .sort(),
    ).toEqual([dumps[2].id, fourth.id].sort());
    expect(rows.filter((a) => a.purgedAt !== null)).toHaveLength(5);

    // By hand, after a typed confirmation; for good. A deprecated archive is not loaded or imported.
    const refused = await ws.run(['archive', 'deprecate', String(fourth.id)], { input: 'h1\n' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs confirmation: run it on a terminal, or add --yes/);
    await expectOk(ws.run(['archive', 'deprecate', String(fourth.id), '--yes']));
    expect((await ws.run(['archive', 'deprecate', String(fourth.id), '--yes'])).stderr).toMatch(/already deprecated .*cannot be undone/);
    const copy = join(ws.dir, 'copy.tar.gz');
    copyFileSync(fourth.path, copy);
    for (const args of [
      ['archive', 'load', String(fourth.id), '--to', join(ws.dir, 'l1')],
      ['archive', 'load', copy, '--to', join(ws.dir, 'l2')],
      ['archive', 'import', fourth.path],
    ]) {
      const result = await ws.run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(
        new RegExp(`archive #${fourth.id} .* is deprecated since .*pobsync does not (load|import) a deprecated archive`),
      );
    }
    expect(existsSync(join(ws.dir, 'l1')) || existsSync(join(ws.dir, 'l2'))).toBe(false);
  });

  it('refuse an archive with nothing in it', async () => {
    ws = await localHostWorkspace({ 'a.txt': 'a\n' }, 'h1');
    await backUp(ws, 'h1');
    const result = await ws.run(['archive', 'create', 'h1', '--dumps']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/holds no dumps: an archive with nothing in it is refused/);
    expect(await ws.json(['archive', 'list'])).toEqual([]);
    expect(existsSync(join(ws.backupRoot, '.archives'))).toBe(false);
  });

  it('import on another server: a usable snapshot of a new (disabled) host, which later backups link against', async () => {
    ws = workspace();
    await setUp();
    const { snapshot } = await backUp(ws, 'h1');
    const { archive } = await ws.json(['archive', 'create', 'h1']);
    other = workspace();
    await setUpGlobal(other);
    const carried = join(other.dir, archive.path.split('/').at(-1));
    copyFileSync(archive.path, carried);
    const withoutChecksum = await other.run(['archive', 'import', carried]);
    expect(withoutChecksum.code).toBe(2);
    expect(withoutChecksum.stderr).toMatch(/has no checksum to check it against: copy its .*\.b2 file beside it/);
    copyFileSync(`${archive.path}.b2`, `${carried}.b2`);

    const imported = await other.json(['archive', 'import', carried]);
    expect(imported).toMatchObject({
      createdHost: true,
      snapshot: { host: 'h1', name: snapshot.name, kind: 'manual', status: 'complete' },
    });
    expect(imported.snapshot.path).toBe(join(other.backupRoot, 'h1', snapshot.name));
    expect((await other.json(['host', 'h1'])).enabled).toBe(false);
    expect((await other.run(['verify', 'h1'])).code).toBe(0);
    execFileSync('diff', ['-r', '--no-dereference', join(snapshot.path, 'data'), join(imported.snapshot.path, 'data')]);
    expect(readFileSync(join(imported.snapshot.path, 'dumps/db.sql'), 'utf8')).toBe('create table t (id int);\n');
    expect((await other.run(['archive', 'import', carried])).stderr).toMatch(/already has a snapshot/);

    await setUpHost(other, 'h1', { address: 'local', enabled: true });
    const next = (await backUp(other, 'h1')).snapshot;
    expect(next.base).toBe(snapshot.name);
    const file = `data${ws.source}/www/big.bin`;
    expect(statSync(join(next.path, file)).ino).toBe(statSync(join(imported.snapshot.path, file)).ino);
  });
});
