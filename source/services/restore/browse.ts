/**
 * Looking inside snapshots to find what to restore: one directory of one snapshot (`ls`), and
 * every version of one file across a host's snapshots (`versions`). Both read by lstat and
 * never follow a symlink, so they only ever show what is inside the snapshot.
 *
 * A file unchanged between two snapshots is one inode, hard-linked from both: the same inode
 * is the same version, found without reading a byte of content. Where snapshots have manifests,
 * a version is a content (its BLAKE2b-512): a file whose metadata alone changed (a new inode
 * with the same bytes) is still the same version.
 */
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { UserError } from '../../domain/errors.js';
import { type EntryType, entryType, formatCount } from '../../domain/format.js';
import { textToByteString } from '../../domain/manifest.js';
import { DUMPS_PREFIX, formatSnapshotPath, pathComponents, validateSnapshotPath } from '../../domain/snapshot-path.js';
import { validateAbsolutePath } from '../../domain/validation.js';
import { findInManifest, hasManifest, manifestPath } from '../../engine/manifest.js';
import { DATA_DIR, DUMPS_DIR, locate, locateInSnapshot, readDirectory } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { requireSnapshotHere, serverName } from '../servers.js';
import { findSnapshot } from '../snapshots/snapshots.js';

export interface EntryView {
  name: string;
  type: EntryType;
  size: number;
  /** permission bits, like 0o644 */
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  /** where a symlink points, as written in the link */
  linkTarget: string | null;
}

export interface ListingView {
  host: string;
  snapshot: string;
  /** what was listed: a source path, `dumps`, or `dumps/NAME` */
  path: string;
  /** the listed path itself: a directory's entries follow in `entries` */
  self: EntryView;
  entries: EntryView[];
}

/** The directory `path` (default `/`, or `dumps`) inside a snapshot; for a file, that file. */
export async function listSnapshotPath(
  app: App,
  hostName: string | undefined,
  name: string | undefined,
  path: string | undefined,
): Promise<ListingView> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const parsed = path === DUMPS_DIR || path === DUMPS_PREFIX ? undefined : validateSnapshotPath('path', path ?? '/');
  const record = await findSnapshot(em, host, name);
  const shown = parsed ? formatSnapshotPath(parsed) : DUMPS_DIR;
  const found = parsed ? await locateInSnapshot(record.path, parsed) : await locate(record.path, [DUMPS_DIR]);
  if (!found.found) {
    const why = parsed ? found.reason : 'it holds no dumps';
    throw new UserError(`path ${shown} cannot be listed in snapshot ${record.name} of ${host.name}: ${why}`);
  }
  const self = entryView(shown === '/' ? '/' : shown.split('/').at(-1)!, found.stats, null);
  const entries = found.stats.isDirectory()
    ? (await readDirectory(found.path)).map((entry) => entryView(entry.name, entry.stats, entry.linkTarget))
    : [];
  return { host: host.name, snapshot: record.name, path: shown, self, entries };
}

export interface FileVersion {
  /** 1 for the oldest */
  version: number;
  type: EntryType;
  size: number;
  mtime: string;
  mode: number;
  uid: number;
  gid: number;
  /** device and inode of its first appearance */
  inode: string;
  /** BLAKE2b-512 of its contents, from the snapshots' manifests; null where they have none */
  blake2b: string | null;
  /** the snapshots holding this version, oldest first; the first is where it appeared */
  snapshots: string[];
}

export interface VersionsView {
  host: string;
  path: string;
  versions: FileVersion[];
  /** snapshots the file is not in, oldest first */
  absentFrom: string[];
}

/** Every distinct version of one file in the host's snapshots, oldest first. */
export async function fileVersions(app: App, hostName: string | undefined, path: string | undefined): Promise<VersionsView> {
  const em = app.catalogue.em();
  const host = await findHost(em, hostName);
  const source = validateAbsolutePath('path', path);
  const all = await em.find(SnapshotRecordSchema, { host: host.id, missingSince: null }, { orderBy: { startedAt: 'asc', name: 'asc' } });
  // Only the snapshots this server holds can be read here.
  const self = serverName();
  const records = all.filter((record) => !record.server || record.server === self);
  const elsewhere = all.find((record) => record.server && record.server !== self);
  if (records.length === 0 && elsewhere) await requireSnapshotHere(em, elsewhere, host.name);
  const versions = new Map<string, FileVersion>();
  const absentFrom: string[] = [];
  const key = textToByteString(`${DATA_DIR}${source}`);
  const seen: { record: (typeof records)[number]; stats: Stats; inode: string; hash: string | null }[] = [];
  for (const record of records) {
    const found = await locate(join(record.path, DATA_DIR), pathComponents(source));
    if (!found.found) {
      absentFrom.push(record.name);
      continue;
    }
    if (found.stats.isDirectory()) {
      throw new UserError(
        `path ${source} is a directory in snapshot ${record.name}: versions follows one file; "pobsync ls ${host.name} ` +
          `${record.name} ${source}" lists a directory`,
      );
    }
    const inode = `${found.stats.dev}:${found.stats.ino}`;
    const listed = found.stats.isFile() && hasManifest(record.path) ? await findInManifest(manifestPath(record.path), key) : undefined;
    seen.push({
      record,
      stats: found.stats,
      inode,
      hash: listed?.type === 'file' && listed.size === found.stats.size ? listed.hash : null,
    });
  }
  // One inode is one content: a snapshot without a manifest learns the hash from one that has it.
  const hashOfInode = new Map(seen.flatMap((entry) => (entry.hash ? [[entry.inode, entry.hash] as const] : [])));
  for (const { record, stats, inode, hash: own } of seen) {
    const hash = own ?? hashOfInode.get(inode) ?? null;
    const identity = hash ? `blake2b:${hash}` : `inode:${inode}`;
    let version = versions.get(identity);
    if (!version) {
      const entry = entryView('', stats, null);
      version = {
        version: versions.size + 1,
        type: entry.type,
        size: entry.size,
        mtime: entry.mtime,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        inode,
        blake2b: hash,
        snapshots: [],
      };
      versions.set(identity, version);
    }
    version.snapshots.push(record.name);
  }
  if (versions.size === 0) {
    throw new UserError(
      `path ${source} is in none of the snapshots of ${host.name} (${formatCount(records.length, 'snapshot')} searched): "pobsync ` +
        `ls ${host.name} <snapshot> ${parentOf(source)}" shows what they hold`,
    );
  }
  return { host: host.name, path: source, versions: [...versions.values()], absentFrom };
}

function entryView(name: string, stats: Stats, linkTarget: string | null): EntryView {
  return {
    name,
    type: entryType(stats),
    size: stats.size,
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    mtime: stats.mtime.toISOString(),
    linkTarget,
  };
}

function parentOf(path: string): string {
  return path.replace(/\/[^/]*$/, '') || '/';
}
