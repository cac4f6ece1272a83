import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatTable } from '../../source/domain/format.js';

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
});
