/**
 * Reading a run log while another process appends to it: whole lines only (a "\r" ends rsync's
 * progress lines), the unfinished last line once the writer is done, and everything when more
 * was written than one buffer holds.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogFollower, readLogFrom } from '../../source/engine/run-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-run-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LogFollower', () => {
  it('returns complete lines as they are appended, and the rest once the writer is done', () => {
    const path = join(dir, 'run.log');
    writeFileSync(path, '[pobsync] a note\n');
    const follower = new LogFollower(path, 17);
    try {
      expect(follower.read()).toBe('');
      appendFileSync(path, '>f+++++++++ etc/hostname\n     1,024  50%    1.00kB/s    0:00:01\r  2,0');
      expect(follower.read()).toBe('>f+++++++++ etc/hostname\n     1,024  50%    1.00kB/s    0:00:01\r');
      expect(follower.read()).toBe('');
      appendFileSync(path, '48 100%');
      expect(follower.read({ all: true })).toBe('  2,048 100%');
      expect(follower.offset).toBe(statSync(path).size);
    } finally {
      follower.close();
    }
  });

  it('reads on while its buffer comes back full, and takes a line longer than the buffer whole', () => {
    const path = join(dir, 'run.log');
    const lines = Array.from({ length: 50 }, (_, index) => `line ${index}`).join('\n');
    writeFileSync(path, `${lines}\n${'x'.repeat(100)}\n`);
    const follower = new LogFollower(path, 0, 64);
    try {
      expect(follower.read()).toBe(`${lines}\n${'x'.repeat(100)}\n`);
      expect(follower.read({ all: true })).toBe('');
    } finally {
      follower.close();
    }
  });
});

describe('readLogFrom', () => {
  it('reads what there is from an offset, up to the last line end', async () => {
    const path = join(dir, 'run.log');
    writeFileSync(path, 'one\ntwo\nthr');
    expect(await readLogFrom(path, 0)).toEqual({ text: 'one\ntwo\n', offset: 8 });
    expect(await readLogFrom(path, 8)).toEqual({ text: '', offset: 8 });
    expect(await readLogFrom(path, 8, { all: true })).toEqual({ text: 'thr', offset: 11 });
    expect(await readLogFrom(path, 50)).toEqual({ text: '', offset: 50 });
    expect(await readLogFrom(join(dir, 'missing.log'), 0)).toEqual({ text: '', offset: 0 });
  });
});
