/**
 * Paths inside a snapshot, as admins write them: a source path (`/etc/nginx`, found under
 * `data/`), or `dumps/NAME` for a database dump. Checked lexically; the engine then walks them
 * with lstat, so neither ".." nor a symlink can lead out of the snapshot.
 */
import { UserError } from './errors.js';
import { describe, validateAbsolutePath, validateDumpName } from './validation.js';

export type SnapshotPath = { area: 'data'; path: string } | { area: 'dumps'; name: string };

export const DUMPS_PREFIX = 'dumps/';

export function validateSnapshotPath(field: string, value: string | undefined): SnapshotPath {
  if (value?.startsWith(DUMPS_PREFIX)) {
    try {
      return { area: 'dumps', name: validateDumpName(value.slice(DUMPS_PREFIX.length)) };
    } catch {
      throw new UserError(
        `${field} ${describe(value)} is not allowed: after dumps/ comes a dump's name, a plain file name like app.sql.gz`,
      );
    }
  }
  if (value !== undefined && value !== '' && !value.startsWith('/')) {
    throw new UserError(
      `${field} ${describe(value)} is not allowed: use an absolute source path like /etc/nginx, or dumps/NAME for a dump`,
    );
  }
  return { area: 'data', path: validateAbsolutePath(field, value) };
}

/** How a snapshot path is written back: `/etc/nginx` or `dumps/app.sql.gz`. */
export function formatSnapshotPath(path: SnapshotPath): string {
  return path.area === 'dumps' ? `${DUMPS_PREFIX}${path.name}` : path.path;
}

/** Source paths below `data/`, one entry per component: `/etc/nginx` -> `["etc", "nginx"]`. */
export function pathComponents(path: string): string[] {
  return path.split('/').filter((component) => component !== '');
}

/** True when `path` is `ancestor` or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || ancestor === '/' || path.startsWith(`${ancestor}/`);
}

/** Drops duplicates and paths inside another given path: restoring /etc already restores /etc/nginx. */
export function withoutNested(paths: readonly SnapshotPath[]): SnapshotPath[] {
  const data = paths.flatMap((path) => (path.area === 'data' ? [path.path] : []));
  const kept = new Set<string>();
  const result: SnapshotPath[] = [];
  for (const path of paths) {
    const key = formatSnapshotPath(path);
    if (kept.has(key)) continue;
    if (path.area === 'data' && data.some((other) => other !== path.path && isWithin(path.path, other))) continue;
    kept.add(key);
    result.push(path);
  }
  return result;
}
