/**
 * Publishing a finished tree as a snapshot, shared by a backup (services/backup) and a replication
 * (services/replicas): the host's directory made ready first, then meta.json and the atomic
 * rename, the catalogue's record, and the host's policy after.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/sqlite';
import { type Host, type SnapshotRecord, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { isUniqueViolation } from '../../catalogue/errors.js';
import { formatCount } from '../../domain/format.js';
import { isPolicyOff } from '../../domain/retention.js';
import { parseSnapshotName } from '../../domain/snapshot-name.js';
import type { DumpCommand, RsyncStats, SnapshotDump, SnapshotKind, SnapshotOrigin, SnapshotStatus } from '../../domain/types.js';
import { secureDirectory, secureSnapshotPath } from '../../engine/ownership.js';
import { serverName } from '../../engine/server-name.js';
import { finalizeSnapshot, hostDir, INCOMPLETE_DIR, type WorkDir } from '../../engine/snapshot-store.js';
import type { App } from '../app.js';
import { heldHere } from '../servers.js';
import { discoverHost } from './discovery.js';
import { applyRetention } from './retention.js';

/** Applies the host's policy after a good backup (or replication); a failure here is noted, the snapshot stands. */
export async function prune(app: App, host: Host, note: (message: string) => void): Promise<void> {
  try {
    // The expired trees leave their names now; their files go in the background (engine/purge.ts).
    const { plan, deleted } = await applyRetention(app, host.name, { inBackground: true });
    note(
      deleted.length > 0
        ? `prune: deleted ${formatCount(deleted.length, 'snapshot')} the ${plan.policySource} policy removes: ${deleted.join(' ')}; ` +
            `${plan.kept} kept`
        : `prune: nothing to delete (${plan.kept} kept${isPolicyOff(plan.policy) ? ', no policy set' : ''})`,
    );
  } catch (error) {
    note(`prune failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What a finished rsync leaves to record, on disk (meta.json) and in the catalogue. */
export interface Done {
  kind: SnapshotKind;
  runId: number;
  startedAt: Date;
  base: SnapshotRecord | null;
  status: SnapshotStatus;
  exitCode: number | null;
  stats: RsyncStats | null;
  sources: string[];
  /** sources that did not exist on the host (a safety snapshot's paths a restore creates) */
  absent: string[];
  excludes: string[];
  dumps: SnapshotDump[];
  /** the host's dump commands, kept in meta.json for a catalogue rebuilt from disk */
  dumpCommands: DumpCommand[];
  /** a replica: exactly this name (its name on the peer), and when the peer's snapshot finished */
  name?: string;
  finishedAt?: Date;
  origin?: SnapshotOrigin;
}

export interface Published {
  name: string;
  path: string;
  finishedAt: Date;
}

/** meta.json, then the rename that makes the tree a snapshot (engine/snapshot-store.ts finalizeSnapshot). */
export async function publishSnapshot(em: EntityManager, backupRoot: string, host: Host, work: WorkDir, done: Done): Promise<Published> {
  const finishedAt = done.finishedAt ?? new Date();
  const taken = new Set(
    (await em.find(SnapshotRecordSchema, { host: host.id, ...heldHere() }, { fields: ['name'] })).map((record) => record.name),
  );
  const { name, path } = await finalizeSnapshot(
    work,
    backupRoot,
    {
      host: host.name,
      kind: done.kind,
      status: done.status,
      startedAt: done.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      base: done.base?.name ?? null,
      sources: done.sources,
      ...(done.absent.length > 0 ? { absent: done.absent } : {}),
      excludes: done.excludes,
      runId: done.runId,
      rsyncExitCode: done.exitCode,
      stats: done.stats,
      dumps: done.dumps,
      dumpCommands: done.dumpCommands,
      ...(done.origin ? { origin: done.origin } : {}),
    },
    (done.name !== undefined ? parseSnapshotName(done.name) : undefined) ?? done.startedAt,
    // A replica keeps its name: any other candidate counts as taken, and so does its own if it is.
    (candidate) =>
      (done.name !== undefined && candidate !== done.name) ||
      taken.has(candidate) ||
      existsSync(join(hostDir(backupRoot, host.name), candidate)),
  );
  return { name, path, finishedAt };
}

/**
 * The catalogue's record of a published snapshot. A discovery in another process (the TUI's `d`,
 * `discover-snapshots`) may have recorded it from its meta.json between the rename and this
 * INSERT: then that record is this snapshot's, and it is completed with what meta.json lacks.
 */
export async function recordPublished(em: EntityManager, host: Host, published: Published, done: Done): Promise<SnapshotRecord> {
  const fields = {
    kind: done.kind,
    status: done.status,
    path: published.path,
    startedAt: done.startedAt,
    finishedAt: published.finishedAt,
    base: done.base ? em.getReference(SnapshotRecordSchema, done.base.id) : null,
    stats: done.stats,
    dumps: done.dumps,
    origin: done.origin ?? null,
    server: serverName(),
  };
  const record = em.create(SnapshotRecordSchema, { host: host.id, name: published.name, protected: false, ...fields });
  try {
    await em.flush();
    await em.populate(record, ['base']);
    return record;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const fresh = em.fork({ clear: true });
  const found = await fresh.findOneOrFail(SnapshotRecordSchema, {
    host: host.id,
    name: published.name,
    ...heldHere(),
  });
  if (found.path !== published.path)
    throw new Error(`snapshot ${published.name} of ${host.name} is recorded at ${found.path}, not ${published.path}`);
  fresh.assign(found, fields);
  await fresh.flush();
  await fresh.populate(found, ['base']);
  return found;
}

/**
 * Before a run writes into a host's directory (a backup or a replication): the directory and its
 * unfinished trees owned and closed to others, and a snapshot a run killed between its rename and
 * its INSERT left unrecorded recorded first, so it can be this run's base. Returns the directory.
 */
export async function prepareHostDir(em: EntityManager, backupRoot: string, host: Host, note: (line: string) => void): Promise<string> {
  const hostPath = hostDir(backupRoot, host.name);
  for (const repair of await secureSnapshotPath(backupRoot, hostPath)) note(repair);
  for (const repair of await secureDirectory(join(hostPath, INCOMPLETE_DIR), 'the unfinished trees directory')) note(repair);
  const discovered = await discoverHost(em, backupRoot, host);
  for (const snapshot of discovered.recorded) note(`recorded snapshot ${snapshot.name}, which was on disk but not in the catalogue`);
  for (const problem of discovered.problems) note(`left alone: ${problem.path}: ${problem.reason}`);
  return hostPath;
}
