import { describe, expect, it } from 'vitest';
import {
  isSnapshotName,
  parseSnapshotName,
  parseSnapshotRef,
  snapshotName,
  validateSnapshotName,
} from '../../source/domain/snapshot-name.js';
import type { SnapshotView } from '../../source/services/snapshots/snapshot-view.js';
import { withServerRefs } from '../../source/tui/panes/snapshots.js';

describe('snapshot names', () => {
  it('are UTC timestamps to the second that sort as text', () => {
    expect(snapshotName(new Date('2026-11-23T02:15:00.789Z'))).toBe('2026-11-23T021500Z');
    expect(snapshotName(new Date('2026-11-23T02:15:00Z'), 2)).toBe('2026-11-23T021500Z-2');
    const names = ['2026-11-23T021501Z', '2026-11-23T021500Z-2', '2026-11-23T021500Z', '2026-11-22T235959Z'];
    expect([...names].sort()).toEqual(['2026-11-22T235959Z', '2026-11-23T021500Z', '2026-11-23T021500Z-2', '2026-11-23T021501Z']);
  });

  it('parse back to their time, and refuse anything else', () => {
    expect(parseSnapshotName('2026-11-23T021500Z-3')?.toISOString()).toBe('2026-11-23T02:15:00.000Z');
    for (const name of [
      '2026-11-23T021500',
      '2026-13-01T000000Z',
      '2026-02-30T000000Z',
      '../etc',
      '2026-11-23T021500Z-1',
      '2026-11-23T021500Z-0',
    ]) {
      expect(isSnapshotName(name), name).toBe(false);
    }
    expect(() => validateSnapshotName('latest')).toThrow(/snapshot "latest" is not a snapshot name/);
  });

  it('name the copy another server holds NAME@SERVER; the TUI names rows so only when two servers hold one name', () => {
    expect(parseSnapshotRef('2026-11-23T021500Z')).toEqual({ name: '2026-11-23T021500Z' });
    expect(parseSnapshotRef('2026-11-23T021500Z-2@b1.example')).toEqual({ name: '2026-11-23T021500Z-2', server: 'b1.example' });
    expect(() => parseSnapshotRef('2026-11-23T021500Z@')).toThrow(/server "" is not allowed/);
    expect(() => parseSnapshotRef('latest@b1')).toThrow(/snapshot "latest" is not a snapshot name/);
    const row = (name: string, server: string | null) => ({ name, server }) as SnapshotView;
    const rows = withServerRefs([row('2026-11-23T021500Z', 'b1'), row('2026-11-23T021500Z', 'b2'), row('2026-11-24T021500Z', 'b1')]);
    expect(rows.map((one) => one.name)).toEqual(['2026-11-23T021500Z@b1', '2026-11-23T021500Z@b2', '2026-11-24T021500Z']);
  });
});
