import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryType,
  formatBytes,
  formatCount,
  formatDuration,
  formatMode,
  formatTable,
  writeCompactJson,
} from '../../source/domain/format.js';

describe('format', () => {
  it('writes sizes and durations the way admins read them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 ** 2)).toBe('200 MiB');
    expect(formatBytes(null)).toBe('-');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 86400 + 7200 + 5)).toBe('3d2h');
    expect([0, 1, 2].map((count) => formatCount(count, 'snapshot'))).toEqual(['0 snapshots', '1 snapshot', '2 snapshots']);
  });

  it('pads table columns to their widest cell', () => {
    expect(
      formatTable(
        ['A', 'BB'],
        [
          ['long', 'x'],
          ['s', ''],
        ],
      ),
    ).toBe('A     BB\nlong  x\ns');
  });

  it('writes JSON in pieces that make what JSON.stringify makes', () => {
    const entries = Array.from({ length: 20_000 }, (_, index) => ({
      name: `snapshot-${index}`,
      at: new Date(index * 1000),
      reasons: index % 3 === 0 ? ['daily 1'] : [],
      gone: undefined,
      note: index % 7 === 0 ? 'a "quoted" \\ line\n' : null,
    }));
    const values: unknown[] = [
      { host: 'web1', entries, kept: 3, nested: { list: [1, undefined, () => 0, [2, [3]]], skipped: undefined } },
      [],
      {},
      'text',
      42,
      null,
      [{ a: 1 }, null],
    ];
    for (const value of values) {
      const pieces: string[] = [];
      writeCompactJson(value, (text) => pieces.push(text));
      expect(pieces.join('')).toBe(JSON.stringify(value));
      if (value === values[0]) expect(pieces.length).toBeGreaterThan(1);
    }
  });
});

describe('entries as ls -l shows them', () => {
  it('names every kind lstat knows with its letter: a fifo is p, not ?', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pobsync-format-'));
    try {
      writeFileSync(join(dir, 'file'), '');
      symlinkSync('file', join(dir, 'link'));
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      const shown = (name: string) => {
        const stats = lstatSync(name);
        return formatMode(entryType(stats), stats.mode & 0o7777).slice(0, 1);
      };
      expect([dir, join(dir, 'file'), join(dir, 'link'), join(dir, 'pipe'), '/dev/null'].map(shown)).toEqual(['d', '-', 'l', 'p', 'c']);
      expect(formatMode('file', 0o4755)).toBe('-rwsr-xr-x');
      expect(formatMode('directory', 0o1777)).toBe('drwxrwxrwt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
