/**
 * The catalogue's archives: listing them with their checksums (so `b2sum FILE` can be compared by
 * hand), finding one by id or by file, deprecating one (irreversibly), and purging the files of
 * deprecated ones. Making, checking, loading and importing one are create.ts, check.ts, load.ts.
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import * as archives from '../../catalogue/archives.js';
import { type Archive, ArchiveSchema, type Host } from '../../catalogue/entities/index.js';
import { type ArchiveState, type OptionSet, parseChecksumLine } from '../../domain/archive.js';
import { UserError } from '../../domain/errors.js';
import { describe } from '../../domain/validation.js';
import { deleteArchiveFile } from '../../engine/archive.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';

export interface ArchiveView {
  id: number;
  host: string;
  snapshot: string;
  optionSet: OptionSet;
  path: string;
  bytes: number;
  /** BLAKE2b-512 of the whole file: what `b2sum FILE` prints */
  blake2b: string;
  files: number;
  state: ArchiveState;
  createdAt: string;
  deprecatedAt: string | null;
  purgedAt: string | null;
  /** the run that made it */
  runId: number | null;
}

export function archiveView(archive: Archive): ArchiveView {
  return {
    id: archive.id,
    host: archive.host.name,
    snapshot: archive.snapshotName,
    optionSet: archive.optionSet,
    path: archive.path,
    bytes: archive.bytes,
    blake2b: archive.blake2b,
    files: archive.files,
    state: archive.purgedAt ? 'purged' : archive.deprecatedAt ? 'deprecated' : 'current',
    createdAt: archive.createdAt.toISOString(),
    deprecatedAt: archive.deprecatedAt?.toISOString() ?? null,
    purgedAt: archive.purgedAt?.toISOString() ?? null,
    runId: archive.run?.id ?? null,
  };
}

/** Every archive (or one host's), newest first. */
export async function listArchives(app: App, options: { host?: string | undefined } = {}): Promise<ArchiveView[]> {
  const em = app.catalogue.em();
  const host = options.host === undefined ? undefined : await findHost(em, options.host);
  const found = await em.find(ArchiveSchema, host ? { host: host.id } : {}, { orderBy: { id: 'desc' }, populate: ['host'] });
  return found.map(archiveView);
}

export async function getArchive(app: App, id: string | number): Promise<ArchiveView> {
  return archiveView(await findArchive(app.catalogue.em(), id));
}

export async function findArchive(em: EntityManager, id: string | number): Promise<Archive> {
  const number = typeof id === 'number' ? id : /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined;
  if (number === undefined) throw new UserError(`archive id ${describe(id)} is not allowed: use the number "pobsync archive list" shows`);
  const archive = await em.findOne(ArchiveSchema, { id: number }, { populate: ['host'] });
  if (!archive) throw new UserError(`unknown archive #${number}: "pobsync archive list" lists them`);
  return archive;
}

/** An archive named on the command line: the catalogue's, by id, or a file (which the catalogue may know). */
export interface ArchiveRef {
  path: string;
  /** the catalogue's row, when it has one */
  archive: Archive | null;
  /** the checksum to compare with: the catalogue's, else the `FILE.b2` sidecar's; null when neither says */
  expected: string | null;
  /** where `expected` came from */
  source: 'catalogue' | 'sidecar' | null;
}

export async function resolveArchive(em: EntityManager, ref: string | undefined): Promise<ArchiveRef> {
  if (ref === undefined || ref === '') throw new UserError('give an archive: its id ("pobsync archive list" shows them) or its file');
  if (/^\d+$/.test(ref)) {
    const archive = await findArchive(em, ref);
    if (archive.purgedAt) {
      throw new UserError(`archive #${archive.id} was purged on ${archive.purgedAt.toISOString()}: its file is gone`);
    }
    return { path: archive.path, archive, expected: archive.blake2b, source: 'catalogue' };
  }
  const path = resolve(ref);
  if (!existsSync(path) || !lstatSync(path).isFile()) throw new UserError(`archive file ${describe(ref)} is not a file`);
  const real = realpathSync(path);
  const known = (await em.find(ArchiveSchema, { purgedAt: null }, { populate: ['host'] })).find(
    (archive) => archive.path === path || (existsSync(archive.path) && realpathSync(archive.path) === real),
  );
  if (known) return { path, archive: known, expected: known.blake2b, source: 'catalogue' };
  const sidecar = `${path}.b2`;
  const expected = existsSync(sidecar) ? (parseChecksumLine(readFileSync(sidecar, 'utf8'), path.split('/').at(-1)!) ?? null) : null;
  return { path, archive: null, expected, source: expected ? 'sidecar' : null };
}

/**
 * A deprecated archive is never loaded or imported: refuses when the catalogue has deprecated
 * this archive, or an archive with this checksum (the same file, copied elsewhere).
 */
export async function refuseDeprecated(em: EntityManager, ref: ArchiveRef, checksum: string | null, what: string): Promise<void> {
  const byRow = ref.archive?.deprecatedAt ? ref.archive : null;
  const byHash = checksum
    ? await em.findOne(ArchiveSchema, { blake2b: checksum, deprecatedAt: { $ne: null } }, { populate: ['host'] })
    : null;
  const deprecated = byRow ?? byHash;
  if (deprecated) {
    throw new UserError(
      `archive #${deprecated.id} (${deprecated.host.name} ${deprecated.snapshotName}, ${deprecated.optionSet}) is deprecated since ` +
        `${deprecated.deprecatedAt!.toISOString()}: pobsync does not ${what} a deprecated archive; make a new one with ` +
        `"pobsync archive create ${deprecated.host.name}"`,
    );
  }
}

/**
 * Deprecates an archive by hand, after `confirm`; irreversible. Returns false when the admin
 * did not confirm.
 */
export async function deprecateArchive(
  app: App,
  id: string | undefined,
  confirm: (archive: ArchiveView) => Promise<boolean>,
): Promise<{ archive: ArchiveView; deprecated: boolean }> {
  const em = app.catalogue.em();
  const archive = await findArchive(em, id ?? '');
  if (archive.deprecatedAt) {
    throw new UserError(
      `archive #${archive.id} is already deprecated (since ${archive.deprecatedAt.toISOString()}); that cannot be undone`,
    );
  }
  if (!(await confirm(archiveView(archive)))) return { archive: archiveView(archive), deprecated: false };
  await archives.deprecateArchive(em, archive.id);
  return { archive: await getArchive(app, archive.id), deprecated: true };
}

/**
 * Makes `keep` the current archive of its host and option set: the older ones are deprecated,
 * and with the global auto-purge on, the files of deprecated ones are deleted (their rows stay,
 * with the purge time). Returns what it deprecated and purged.
 */
export async function preserveNewest(
  em: EntityManager,
  host: Host,
  keep: Archive,
  autoPurge: boolean,
  note: (message: string) => void,
): Promise<{ deprecated: number[]; purged: number[] }> {
  const deprecated = await archives.deprecateOlder(em, host.id, keep.optionSet, keep.id);
  if (deprecated.length > 0)
    note(`deprecated older ${keep.optionSet} archives of ${host.name}: ${deprecated.map((id) => `#${id}`).join(' ')}`);
  const purged: number[] = [];
  if (!autoPurge) return { deprecated, purged };
  for (const archive of await archives.purgeable(em, host.id, keep.optionSet)) {
    try {
      deleteArchiveFile(archive.path);
      await archives.markPurged(em, archive.id);
      purged.push(archive.id);
      note(`purged archive #${archive.id}: deleted ${archive.path}`);
    } catch (error) {
      note(`archive #${archive.id} could not be purged: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { deprecated, purged };
}
