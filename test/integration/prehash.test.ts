/**
 * A first backup's files hashed while rsync runs (engine/prehash.ts): the walk that writes the
 * manifest takes such a hash only for the same inode, unchanged since it was read, so the
 * manifest is the one a walk alone writes, byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { pullArgs } from '../../source/domain/rsync-args.js';
import { LineSplitter } from '../../source/domain/rsync-output.js';
import { buildManifest } from '../../source/engine/manifest.js';
import { Prehasher } from '../../source/engine/prehash.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-prehash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('takes a hash read during the run only for the same inode, unchanged; the manifest is the walk’s', async () => {
  const source = join(dir, 'source');
  mkdirSync(join(source, 'sub'), { recursive: true });
  const names = ['a.txt', 'b.txt', 'c.txt', 'sub/d.txt', 'sub/e.txt'];
  for (const name of names) writeFileSync(join(source, name), `contents of ${name}\n`);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'data'), { recursive: true });
  const args = pullArgs({ sources: [source], destination: join(tree, 'data'), excludes: [], extraArgs: [] });
  const output = execFileSync('rsync', args, { encoding: 'utf8' });

  const prehasher = new Prehasher(tree, 'data');
  const splitter = new LineSplitter();
  prehasher.push([...splitter.push(output), ...splitter.flush()]);
  await vi.waitFor(() => expect(prehasher.files.size).toBe(names.length));
  await prehasher.stop();
  // A hash the walk takes shows in the manifest: each one read here is marked.
  const marked = '0'.repeat(128);
  for (const file of prehasher.files.values()) file.hash = marked;

  const data = join(tree, 'data', source);
  appendFileSync(join(data, 'a.txt'), 'grown after it was read\n');
  utimesSync(join(data, 'b.txt'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  writeFileSync(join(data, 'sub/new-d.txt'), 'another inode, same name\n');
  renameSync(join(data, 'sub/new-d.txt'), join(data, 'sub/d.txt'));

  const walked = join(dir, 'walked.b2');
  const taken = join(dir, 'taken.b2');
  await buildManifest(tree, walked);
  const summary = await buildManifest(tree, taken, { prehashed: prehasher.files, durable: false });
  const marks = (path: string) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.includes(marked))
      .map((line) => line.split('\t').at(-1));
  // c.txt and sub/e.txt were not touched after they were read: their hashes came from the run.
  expect(marks(taken)).toEqual([`data${source}/c.txt`, `data${source}/sub/e.txt`]);
  expect(marks(walked)).toEqual([]);
  const unmarked = (path: string) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => !line.includes(marked) && !line.startsWith('end'));
  expect(unmarked(taken)).toEqual(unmarked(walked).filter((line) => !/\/(c|e)\.txt$/.test(line)));
  expect(summary.files).toBe(names.length);
});
