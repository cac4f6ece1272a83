/**
 * Snapshot names are UTC timestamps that sort as text (`2026-11-23T021500Z`). A second
 * snapshot in the same second gets a suffix (`2026-11-23T021500Z-2`), which still sorts after
 * the first and before the next second.
 */
import { UserError } from './errors.js';
import { describe, validateServerName } from './validation.js';

const SNAPSHOT_NAME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-([2-9]|[1-9]\d+))?$/;

export function snapshotName(time: Date, sequence = 1): string {
  const stamp = time
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '');
  return sequence > 1 ? `${stamp}-${sequence}` : stamp;
}

export function isSnapshotName(name: string): boolean {
  return parseSnapshotName(name) !== undefined;
}

/** The time a name stands for, or undefined when the name is not one of ours. */
export function parseSnapshotName(name: string): Date | undefined {
  const match = SNAPSHOT_NAME.exec(name);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const time = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return snapshotName(time) === name.replace(/-\d+$/, '') ? time : undefined;
}

export function validateSnapshotName(value: string | undefined): string {
  if (value === undefined || !isSnapshotName(value)) {
    throw new UserError(
      `snapshot ${describe(value)} is not a snapshot name: use a name that "pobsync snapshots <host>" shows, like 2026-11-23T021500Z`,
    );
  }
  return value;
}

/**
 * A snapshot as an admin names it: `NAME`, or `NAME@SERVER` for the copy another server of a
 * shared catalogue holds (two servers may each hold a copy of one name: a backup and its replica).
 */
export interface SnapshotRef {
  name: string;
  server?: string;
}

/** `NAME@SERVER`: a copy of a snapshot on a given server, as parseSnapshotRef reads it. */
export function formatSnapshotRef(name: string, server: string): string {
  return `${name}@${server}`;
}

export function parseSnapshotRef(value: string | undefined): SnapshotRef {
  const at = value?.lastIndexOf('@') ?? -1;
  if (value === undefined || at < 0) return { name: validateSnapshotName(value) };
  return { name: validateSnapshotName(value.slice(0, at)), server: validateServerName(value.slice(at + 1), 'server') };
}
