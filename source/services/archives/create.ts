/**
 * `pobsync archive create`: one snapshot (the newest complete one by default) as a `.tar.gz`,
 * with its data, its dumps, or both. It refuses an archive with nothing in it, and one the disk
 * has no room for, before it starts. The archive becomes the current one of its host and option
 * set; the older ones are deprecated (and, with auto-purge, their files deleted).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiveSchema, type Host, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { ARCHIVE_FORMAT, type ArchiveManifest, archiveFileName, areasOf, checksumLine, optionSetOf } from '../../domain/archive.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { isWithin } from '../../domain/snapshot-path.js';
import { validateAbsolutePath } from '../../domain/validation.js';
import { ArchiveError, deleteArchiveFile, freeBytes, tarSize, type WrittenArchive, writeArchive } from '../../engine/archive.js';
import { ARCHIVES_DIR } from '../../engine/backup-root.js';
import { realpathOfExisting } from '../../engine/local-paths.js';
import { buildManifest, manifestPath } from '../../engine/manifest.js';
import { pobsyncVersion } from '../../engine/package-root.js';
import { readMeta } from '../../engine/snapshot-store.js';
import { walkTree, Yielder } from '../../engine/tree-walk.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import type { RunView } from '../runs/runs.js';
import { heldHere } from '../servers.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { findSnapshot } from '../snapshots/snapshots.js';
import { type ArchiveView, archiveView, preserveNewest } from './archives.js';
import { type ArchiveEvents, inArchiveJob } from './job.js';

export interface CreateArchiveInput {
  host: string | undefined;
  /** a snapshot name, or "latest" (the default): the newest complete snapshot */
  snapshot?: string | undefined;
  /** neither or both: data and dumps */
  data?: boolean | undefined;
  dumps?: boolean | undefined;
  /** a directory of the admin's choice instead of <backup_root>/.archives/<host>/ */
  to?: string | undefined;
}

export interface CreatedArchive {
  archive: ArchiveView;
  run: RunView;
  deprecated: number[];
  purged: number[];
  /** special files of the snapshot an archive cannot hold */
  skipped: string[];
}

export async function createArchive(app: App, input: CreateArchiveInput, events: ArchiveEvents = {}): Promise<CreatedArchive> {
  const em = app.catalogue.em();
  const host = await findHost(em, input.host);
  const config = await loadSettings(em);
  const backupRoot = requireBackupRoot(config);
  const optionSet = optionSetOf(input);
  const areas = areasOf(optionSet);
  const record = await pickSnapshot(app, host, input.snapshot);
  const directory = input.to === undefined ? join(backupRoot, ARCHIVES_DIR, host.name) : await checkDestination(input.to, backupRoot);

  // Before anything is written: something to archive, and room for it.
  const size = await measure(record.path, areas);
  if (size.files + size.links === 0) {
    const what = optionSet === 'data+dumps' ? 'files or dumps' : optionSet === 'data' ? 'files' : 'dumps';
    throw new UserError(`snapshot ${record.name} of ${host.name} holds no ${what}: an archive with nothing in it is refused`);
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const needed = tarSize(size.entries + 2, size.bytes, size.files) + 4 * (1 << 20);
  const free = freeBytes(directory);
  if (free < needed) {
    throw new OperationError(
      `not enough space in ${directory} for an archive of ${record.name}: it may take up to ${formatBytes(needed)} (its contents ` +
        `uncompressed), and ${formatBytes(free)} is free; free space, or write it elsewhere with --to DIR`,
    );
  }
  const taken = new Set((await em.find(ArchiveSchema, {}, { fields: ['path'] })).map((archive) => archive.path));
  let output = '';
  for (let sequence = 1; !output || existsSync(output) || taken.has(output); sequence += 1) {
    output = join(directory, archiveFileName(host.name, record.name, optionSet, sequence));
  }

  const result = await inArchiveJob(
    app,
    host,
    { action: 'archive', step: 'create', archiveId: null, path: output, snapshot: record.name, optionSet },
    events,
    async (job) => {
      job.note(
        `run #${job.runId}: archive of ${host.name} snapshot ${record.name} (${optionSet}) to ${output}: ` +
          `${formatCount(size.files, 'file')}, ${formatBytes(size.bytes)}`,
      );
      const contentManifest = join(directory, `.${host.name}_${record.name}.${process.pid}.b2`);
      let written: WrittenArchive | undefined;
      try {
        const manifest = await buildManifest(record.path, contentManifest, {
          base: manifestPath(record.path),
          tops: areas,
          signal: job.signal,
        });
        if (manifest.base !== 'used') {
          job.note(
            manifest.base === 'damaged'
              ? `the snapshot's manifest is damaged: every file was hashed again ("pobsync verify ${host.name} ${record.name}")`
              : 'the snapshot has no manifest (made before pobsync wrote them): every file was hashed',
          );
        }
        const meta = (await readMeta(record.path)) ?? null;
        const description: ArchiveManifest = {
          format: ARCHIVE_FORMAT,
          pobsync: pobsyncVersion(),
          host: host.name,
          snapshot: record.name,
          created: new Date().toISOString(),
          optionSet,
          sources: meta?.sources ?? [],
          dumps: areas.includes('dumps') ? (record.dumps ?? []) : [],
          files: manifest.files,
          bytes: manifest.bytes,
          links: manifest.links,
          meta: (meta ?? {}) as unknown as Record<string, unknown>,
        };
        const progress = job.progress({ bytes: manifest.bytes, files: manifest.files });
        written = await writeArchive({
          snapshotDir: record.path,
          areas,
          manifestJson: `${JSON.stringify(description, null, 2)}\n`,
          contentManifest,
          output,
          signal: job.signal,
          onProgress: (done) => progress.update(done),
        });
        await progress.flush();
        writeFileSync(`${output}.b2`, checksumLine(written.blake2b, output.split('/').at(-1)!), { mode: 0o600 });
        for (const skipped of written.skipped) job.note(`left out ${skipped}: special files (devices, FIFOs, sockets) are not archived`);
        const rows = app.catalogue.em();
        const archive = rows.create(ArchiveSchema, {
          host: host.id,
          snapshotName: record.name,
          snapshot: record.id,
          optionSet,
          path: output,
          bytes: written.bytes,
          blake2b: written.blake2b,
          files: written.files,
          createdAt: new Date(),
          run: job.runId,
        });
        await rows.flush();
        await job.describe({ archiveId: archive.id });
        const kept = await app.catalogue.em().findOneOrFail(ArchiveSchema, { id: archive.id }, { populate: ['host', 'run'] });
        const preserved = await preserveNewest(app.catalogue.em(), host, kept, config.archiveAutoPurge, job.note);
        job.note(`succeeded: archive #${archive.id}, ${formatBytes(written.bytes)}, BLAKE2b-512 ${written.blake2b}`);
        return {
          status: 'succeeded' as const,
          error: null,
          value: { archive: archiveView(kept), ...preserved, skipped: written.skipped },
        };
      } catch (error) {
        // An archive the catalogue does not know would never be deprecated or purged.
        if (written) deleteArchiveFile(output);
        const stopped = job.stopped();
        const message = stopped
          ? `stopped (${stopped}): no archive was made`
          : `${error instanceof ArchiveError || error instanceof Error ? error.message : String(error)}; no archive was made`;
        job.note(`${stopped ?? 'failed'}: ${message}`);
        return { status: stopped ?? ('failed' as const), error: message, value: undefined };
      } finally {
        rmSync(contentManifest, { force: true });
      }
    },
    record.id,
  );
  if (!result.value || !result.run) throw new OperationError(`archive of ${host.name} ${record.name} ${result.status}: ${result.error}`);
  return { ...result.value, run: result.run };
}

/** The newest complete snapshot on disk ("latest"), or the one named. */
async function pickSnapshot(app: App, host: Host, name: string | undefined): Promise<SnapshotRecord> {
  const em = app.catalogue.em();
  if (name !== undefined && name !== 'latest') {
    const record = await findSnapshot(em, host, name);
    if (record.missingSince) throw new OperationError(`snapshot ${record.name} of ${host.name} is missing: its directory is gone`);
    return record;
  }
  const newest = await em.find(
    SnapshotRecordSchema,
    { host: host.id, status: 'complete', kind: { $ne: 'safety' }, deletingAt: null, missingSince: null, ...heldHere() },
    { orderBy: { startedAt: 'desc', name: 'desc' }, limit: 10 },
  );
  const found = newest.find((record) => existsSync(record.path));
  if (!found) throw new UserError(`host "${host.name}" has no complete snapshot to archive: "pobsync backup ${host.name}" makes one`);
  return found;
}

/** `--to DIR`: absolute, and not inside a snapshot (a snapshot never changes). */
async function checkDestination(to: string, backupRoot: string): Promise<string> {
  const path = validateAbsolutePath('--to directory', to);
  const real = await realpathOfExisting(path);
  const root = await realpathOfExisting(backupRoot);
  if (isWithin(real, root) && !isWithin(real, join(root, ARCHIVES_DIR))) {
    throw new UserError(
      `--to directory "${path}" is not allowed: it is inside the backup root ${backupRoot}, where only ${ARCHIVES_DIR}/ may hold archives`,
    );
  }
  return path;
}

/** What the areas hold: entries, regular files and their bytes, symlinks. */
async function measure(snapshotDir: string, areas: readonly string[]) {
  const size = { entries: 0, files: 0, bytes: 0, links: 0 };
  const yielder = new Yielder();
  for (const { stats } of walkTree(snapshotDir, { tops: areas })) {
    if (yielder.due()) await yielder.turn();
    size.entries += 1;
    if (stats.isFile()) {
      size.files += 1;
      size.bytes += stats.size;
    } else if (stats.isSymbolicLink()) size.links += 1;
  }
  return size;
}
