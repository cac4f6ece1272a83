/**
 * A new snapshot's manifest from rsync's list of changes (engine/manifest-update.ts) is the
 * manifest a walk of the tree writes, byte for byte: real rsync with pobsync's command line and
 * --link-dest, on a tree with changes, deletions, renames, hard links, symlinks, special files
 * and names rsync escapes. Where the list does not account for the tree, it gives up.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pullArgs } from '../../source/domain/rsync-args.js';
import { ItemizedChanges, LineSplitter } from '../../source/domain/rsync-output.js';
import { buildManifest, type ManifestSummary } from '../../source/engine/manifest.js';
import { updateManifest } from '../../source/engine/manifest-update.js';

let dir: string;
let source: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-manifest-update-'));
  source = join(dir, 'source');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** One snapshot of the source, as a backup takes it: pobsync's rsync line, with --link-dest to `base`. */
function snapshot(name: string, base?: string): { path: string; changes: ItemizedChanges } {
  const path = join(dir, name);
  mkdirSync(join(path, 'data'), { recursive: true });
  const args = pullArgs({
    sources: [source],
    destination: join(path, 'data'),
    linkDest: base && join(dir, base, 'data'),
    excludes: [],
    extraArgs: [],
  });
  const output = execFileSync('rsync', args, { encoding: 'utf8' });
  const splitter = new LineSplitter();
  const changes = new ItemizedChanges('data');
  changes.push([...splitter.push(output), ...splitter.flush()]);
  return { path, changes };
}

/** The manifest of `name` both ways, against the base's: the one from the changes (undefined when it gave up) and the walk's. */
async function bothWays(name: string, base: string, changes: ItemizedChanges) {
  const root = join(dir, name);
  const baseManifest = join(dir, base, 'manifest.b2');
  expect(changes.usable).toBe(true);
  const listed = changes.listed!;
  const fast = await updateManifest(root, join(root, 'manifest.b2'), {
    base: baseManifest,
    changes: { changes: changes.changes, listed: listed.regular + listed.links },
  });
  const fastText = fast && readFileSync(join(root, 'manifest.b2'));
  const walked = await buildManifest(root, join(dir, `${name}.walk.b2`), { base: baseManifest });
  return { fast, fastText, walked, walkText: readFileSync(join(dir, `${name}.walk.b2`)) };
}

const withoutTime = ({ seconds: _, ...summary }: ManifestSummary) => summary;

function writeSource(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(source, path, '..'), { recursive: true });
    writeFileSync(join(source, path), content);
  }
}

/**
 * The first snapshot, with its manifest written by a walk (no base). Its directories are dated
 * back first: rsync compares a directory's time to the second, and the changes below come within one.
 */
async function first(): Promise<void> {
  for (const path of execFileSync('find', [source, '-type', 'd'], { encoding: 'latin1' }).trimEnd().split('\n')) {
    utimesSync(Buffer.from(path, 'latin1'), new Date('2020-01-01'), new Date('2020-01-01'));
  }
  snapshot('s1');
  await buildManifest(join(dir, 's1'), join(dir, 's1', 'manifest.b2'));
}

describe('a manifest from rsync’s list of changes', () => {
  it('is the walk’s manifest, byte for byte, after changes, deletions, renames, links and odd names', async () => {
    writeSource({
      'etc/hosts': '127.0.0.1 localhost\n',
      'etc/app.conf': 'port=80\n',
      'etc/same-size': 'aaaa',
      'etc/perms': 'mode\n',
      'www/index.html': '<h1>hi</h1>\n',
      'www/old/a.txt': 'a\n',
      'www/old/deep/b.txt': 'b\n',
      'www/rename-me': 'moved\n',
      'var/tab\tname': 'tab\n',
      'var/new\nline': 'newline\n',
      'var/back\\slash': 'backslash\n',
      'var/hash\\#123': 'looks escaped\n',
      'var/arrow -> x': 'an arrow in a name\n',
      'var/ünïcode': 'utf-8\n',
      'var/becomes-dir': 'a file now\n',
      'var/dir-becomes-link/inside': 'in a directory now\n',
      'keep/untouched': 'never changes\n',
    });
    writeFileSync(Buffer.concat([bytes(`${source}/var/`), Buffer.from([0xff, 0xfe]), bytes('latin')]), 'not utf-8\n');
    linkSync(join(source, 'etc/hosts'), join(source, 'etc/hosts-link'));
    symlinkSync('../etc/hosts', join(source, 'var/to-hosts'));
    symlinkSync('/nowhere', join(source, 'var/link-becomes-file'));
    execFileSync('mkfifo', [join(source, 'var/fifo')]);
    mkdirSync(join(source, 'empty'));
    await first();

    writeFileSync(join(source, 'etc/app.conf'), 'port=8080\n');
    writeFileSync(join(source, 'etc/same-size'), 'bbbb');
    utimesSync(join(source, 'etc/same-size'), new Date('2020-01-01'), new Date('2020-01-01'));
    chmodSync(join(source, 'etc/perms'), 0o600);
    unlinkSync(join(source, 'www/index.html'));
    rmSync(join(source, 'www/old'), { recursive: true });
    renameSync(join(source, 'www/rename-me'), join(source, 'www/renamed'));
    writeSource({ 'www/new/one.txt': '1\n', 'www/new/sub/two.txt': '2\n', 'var/tab\tname': 'tab, changed\n' });
    linkSync(join(source, 'etc/app.conf'), join(source, 'www/app-link'));
    unlinkSync(join(source, 'var/to-hosts'));
    symlinkSync('../etc/app.conf', join(source, 'var/to-hosts'));
    unlinkSync(join(source, 'var/link-becomes-file'));
    writeFileSync(join(source, 'var/link-becomes-file'), 'was a symlink\n');
    unlinkSync(join(source, 'var/becomes-dir'));
    writeSource({ 'var/becomes-dir/child': 'in the new directory\n' });
    rmSync(join(source, 'var/dir-becomes-link'), { recursive: true });
    symlinkSync('/etc', join(source, 'var/dir-becomes-link'));
    execFileSync('mkfifo', [join(source, 'var/fifo2')]);
    writeFileSync(Buffer.concat([bytes(`${source}/var/`), Buffer.from([0xfe, 0x0a]), bytes('new')]), 'not utf-8, a newline\n');
    // dumps/ is pobsync's, not rsync's: one the same inode as the base's, one new
    const s2 = snapshot('s2', 's1');
    mkdirSync(join(dir, 's1', 'dumps'));
    writeFileSync(join(dir, 's1', 'dumps', 'db.sql'), 'dump\n');
    await buildManifest(join(dir, 's1'), join(dir, 's1', 'manifest.b2'));
    mkdirSync(join(s2.path, 'dumps'));
    linkSync(join(dir, 's1', 'dumps', 'db.sql'), join(s2.path, 'dumps', 'db.sql'));
    writeFileSync(join(s2.path, 'dumps', 'other.sql'), 'other\n');

    const { fast, fastText, walked, walkText } = await bothWays('s2', 's1', s2.changes);
    expect(fast).toBeDefined();
    expect(fastText!.toString('latin1')).toBe(walkText.toString('latin1'));
    expect(withoutTime(fast!)).toEqual(withoutTime(walked));
    expect(fast!.reused).toBeGreaterThan(5);
    expect(walkText.toString('latin1')).toContain('/var/\\xfe\\x0anew');
    expect(walkText.toString('latin1')).not.toContain('/www/old/');

    // and unchanged, against a manifest that was itself made from changes
    const s3 = snapshot('s3', 's2');
    const again = await bothWays('s3', 's2', s3.changes);
    // (only directories, if any: /tmp above the source changes its time as other tests run)
    expect([...s3.changes.changes.values()].filter((type) => type !== 'd')).toEqual([]);
    expect(again.fast).toMatchObject({ hashed: 0 });
    expect(again.fastText!.equals(again.walkText)).toBe(true);
  });

  it('gives up where the changes do not account for the tree: a deletion in a directory whose time was put back', async () => {
    writeSource({ 'a/one': '1\n', 'a/two': '2\n', 'b/three': '3\n' });
    await first();
    const reference = join(dir, 'times');
    execFileSync('touch', ['-r', join(source, 'a'), reference]);
    unlinkSync(join(source, 'a/two'));
    execFileSync('touch', ['-r', reference, join(source, 'a')]);
    const s2 = snapshot('s2', 's1');
    const { fast, walked } = await bothWays('s2', 's1', s2.changes);
    expect(fast).toBeUndefined();
    expect(walked.files).toBe(2);
  });

  it('gives up on a damaged base manifest, and on a name rsync lists ambiguously', async () => {
    writeSource({ 'a/one': '1\n' });
    symlinkSync('x -> y', join(source, 'a/odd -> name'));
    await first();
    const s2 = snapshot('s2', 's1');
    const base = join(dir, 's1', 'manifest.b2');
    writeFileSync(base, readFileSync(base, 'latin1').replace('data/', 'dat_/'), 'latin1');
    expect((await bothWays('s2', 's1', s2.changes)).fast).toBeUndefined();

    // a new symlink whose name and target both hold " -> "
    symlinkSync('b -> c', join(source, 'a/new -> link'));
    await buildManifest(join(dir, 's2'), join(dir, 's2', 'manifest.b2'));
    const s3 = snapshot('s3', 's2');
    expect(s3.changes.usable).toBe(false);
  });
});
