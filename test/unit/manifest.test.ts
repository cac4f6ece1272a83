import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  escapePath,
  formatEntry,
  type ManifestEntry,
  parseLine,
  textToByteString,
  unescapePath,
} from '../../source/domain/manifest.js';
import { random } from '../helpers/random.js';

/** A random byte string: names as a filesystem may hold them, UTF-8 or not, control characters included. */
function bytes(next: () => number, length: number): string {
  const alphabet = [0x00, 0x01, 0x09, 0x0a, 0x1b, 0x2d, 0x2f, 0x41, 0x5c, 0x61, 0x7f, 0x80, 0x9b, 0xc2, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff];
  let out = '';
  for (let index = 0; index < length; index += 1) {
    out += String.fromCharCode(next() < 0.5 ? 0x20 + Math.floor(next() * 95) : alphabet[Math.floor(next() * alphabet.length)]!);
  }
  return out;
}

describe('manifest paths', () => {
  it('escape any bytes into one printable line and back, exactly', () => {
    for (let seed = 1; seed <= 2000; seed += 1) {
      const next = random(seed);
      const key = bytes(next, 1 + Math.floor(next() * 24));
      const shown = escapePath(key);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be there
      expect(shown, `seed ${seed}`).not.toMatch(/[\x00-\x1f\x7f\u0080-\u009f]/);
      expect(unescapePath(shown), `seed ${seed}`).toBe(key);
    }
  });

  it('keep UTF-8 names readable, and escape what is not UTF-8 or would move a terminal', () => {
    expect(escapePath('data/etc/hosts')).toBe('data/etc/hosts');
    expect(escapePath(textToByteString('data/café/€ 1.txt'))).toBe('data/café/€ 1.txt');
    expect(escapePath('data/a\tb\nc\\d')).toBe('data/a\\x09b\\x0ac\\\\d');
    expect(escapePath('data/latin1-\xe9t\xe9')).toBe('data/latin1-\\xe9t\\xe9');
    expect(escapePath('data/\x1b[2J')).toBe('data/\\x1b[2J');
    expect(escapePath(textToByteString('data/\u009b31m'))).toBe('data/\\xc2\\x9b31m');
    expect(unescapePath('data/\\q')).toBeUndefined();
  });

  it('sort in the order a depth-first walk with sorted names meets them', () => {
    const walked = ['data', 'data/a', 'data/a/x', 'data/a/z', 'data/a-b', 'data/a0', 'data/b', 'dumps', 'dumps/app.sql'];
    const shuffled = [...walked].sort(() => random(7)() - 0.5).reverse();
    expect(shuffled.sort(compareKeys)).toEqual(walked);
    expect(compareKeys('data/a/x', 'data/a-b')).toBeLessThan(0);
    expect(compareKeys('data/a', 'data/a')).toBe(0);
  });
});

describe('manifest lines', () => {
  it('read back what they wrote', () => {
    const entries: ManifestEntry[] = [
      { type: 'file', key: 'data/etc/hosts', size: 42, mtime: 1_732_328_100_123.4568, ino: 123456, hash: 'ab'.repeat(64) },
      { type: 'link', key: 'data/etc/localtime', size: 27, mtime: 1_700_000_000_000, ino: 7, target: '/usr/share/zoneinfo/UTC' },
      { type: 'file', key: 'data/odd\tname\xff', size: 0, mtime: 0, ino: 1, hash: 'cd'.repeat(64) },
    ];
    for (const entry of entries) {
      const line = formatEntry(entry);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(parseLine(line.slice(0, -1))).toEqual({ kind: 'entry', entry });
    }
  });

  it('refuse lines that are not manifest lines', () => {
    for (const line of ['', 'f\tnothex\t1\t1\t1\tdata/x', `f\t${'ab'.repeat(64)}\t1\t1\t1`, 'x\t-\t1\t1\t1\tdata/x', 'end\t1\t1\tshort']) {
      expect(parseLine(line), line).toEqual({ kind: 'bad' });
    }
  });
});
