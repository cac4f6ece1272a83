import {
  type Host,
  HostSchema,
  RunSchema,
  ScheduleSchema,
  type SnapshotRecord,
  SnapshotRecordSchema,
} from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { findServer } from '../../catalogue/servers.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import {
  formatPeer,
  type Peer,
  type PeerSnapshot,
  parsePeer,
  parsePeerListing,
  parseRemotePobsync,
  peerTarget,
  snapshotsToCopy,
  validateRemoteHome,
} from '../../domain/peer.js';
import { replicaArgs } from '../../domain/rsync-args.js';
import { failureMessage, runStatus } from '../../domain/rsync-exit.js';
import { transportArgs } from '../../domain/rsync-options.js';
import type { ReplicateDetails, RsyncStats, RunDetails, RunStatus, SkippedReplica } from '../../domain/types.js';
import { validateAddress, validateHostName } from '../../domain/validation.js';
import { faultPoint } from '../../engine/fault-points.js';
import { hasManifest } from '../../engine/manifest.js';
import { readPeerListing } from '../../engine/peer.js';
import {
  detachSharedInodes,
  prepareWorkDir,
  readMeta,
  removeWorkTrees,
  type SnapshotMeta,
  unexpectedTopEntry,
  type WorkDir,
} from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { TreeCheck } from '../../engine/tree-check.js';
import type { App } from '../app.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { type RunSession, type SessionOptions, withRunSession } from '../runs/session.js';
import { heldHere, hostServer, ownServer, requireKnownServer, serverName } from '../servers.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { type Done, prepareHostDir, prune, publishSnapshot, recordPublished } from '../snapshots/publish.js';
import { newestUsableSnapshot, type SnapshotView, snapshotView } from '../snapshots/snapshots.js';
import { checkAgainstManifest, type ProblemView } from '../snapshots/verify.js';

export interface ReplicateInput {
  host: string | undefined;
  /** `user@address[:port]` */
  from: string | undefined;
  /** the command that runs pobsync on the peer, words split on spaces; default `pobsync` */
  remotePobsync?: string | undefined;
  /** the peer's pobsync home (`--home` there) */
  remoteHome?: string | undefined;
  /** apply the host's retention policy here after a good replication */
  prune?: boolean | undefined;
  /** copy again the peer's snapshots earlier runs skipped (their copy failed its check) */
  retrySkipped?: boolean | undefined;
}

export interface ReplicateOutcome {
  run: RunView;
  /** the replicas it published, oldest first */
  copied: SnapshotView[];
  /** the peer's snapshots left out because their copy failed its check, by this run or an earlier one */
  skipped: SkippedReplica[];
  /** the peer's snapshots whose transfer ended partial: left in .incomplete/, tried again by the next replication */
  unfinished: SkippedReplica[];
  /** true when it created the host here */
  createdHost: boolean;
}

/** The peer and the remote command from what an admin typed: all checked before anything is written. */
async function replicationSource(
  app: App,
  input: Pick<ReplicateInput, 'from' | 'remotePobsync' | 'remoteHome'>,
): Promise<{ peer: Peer; remotePobsync: string[] }> {
  if (input.from === undefined) throw new UserError('the peer is missing: give it with --from user@address[:port] or --from SERVER');
  const peer = input.from.includes('@') ? parsePeer(input.from) : await serverPeer(app, input.from);
  const remotePobsync = parseRemotePobsync(input.remotePobsync);
  if (input.remoteHome !== undefined) remotePobsync.push(`--home=${validateRemoteHome(input.remoteHome)}`);
  return { peer, remotePobsync };
}

/**
 * `--from NAME`: another server of this shared catalogue, reached at the address it set for
 * itself (configure-global --server-address, run there).
 */
async function serverPeer(app: App, from: string): Promise<Peer> {
  const em = app.catalogue.em();
  const name = await requireKnownServer(em, from);
  if (name === serverName()) throw new UserError(`--from ${name} names this server: replicate from another one`);
  const address = (await findServer(em, name))?.address;
  if (!address) {
    throw new UserError(
      `server ${name} has no address in the catalogue: on ${name}, run "pobsync configure-global --server-address ` +
        `user@address[:port]" (how this server reaches it over ssh), or give --from user@address[:port]`,
    );
  }
  return parsePeer(address);
}

function replicateDetails(peer: Peer, remotePobsync: string[], retrySkipped: boolean | undefined): ReplicateDetails {
  return { action: 'replicate', peer: formatPeer(peer), remotePobsync, ...(retrySkipped ? { retrySkipped: true } : {}) };
}

/** Replicates in the foreground: checks the input, finds or creates the host, takes its lock, runs. */
export async function replicateHost(app: App, input: ReplicateInput, events: SessionOptions = {}): Promise<ReplicateOutcome> {
  const name = validateHostName(input.host);
  const { peer, remotePobsync } = await replicationSource(app, input);
  const em = app.catalogue.em();
  requireBackupRoot(await loadSettings(em));
  const { host, created } = await replicaHost(app, name, peer);
  const { run } = await startRun(app, host, 'replicate');
  await runs.describeRun(app.catalogue.em(), run.id, {
    details: replicateDetails(peer, remotePobsync, input.retrySkipped),
  });
  const made = await executeReplicateRun(app, run.id, { ...events, prune: input.prune ?? false });
  return { ...made, createdHost: created };
}

/**
 * The host the replicas belong to: the existing one, or a new one, disabled for backups and
 * marked as a replica of the peer. Its address is its name (the machine itself, for a restore
 * onto it one day), never the peer's.
 */
async function replicaHost(app: App, name: string, peer: Peer): Promise<{ host: Host; created: boolean }> {
  const em = app.catalogue.em();
  const existing = await em.findOne(HostSchema, { name });
  if (existing) {
    return { host: existing, created: false };
  }
  let address: string;
  try {
    address = validateAddress(name);
  } catch {
    address = 'localhost';
  }
  const host = em.create(HostSchema, {
    name,
    address,
    user: 'root',
    port: 22,
    sources: [],
    excludes: [],
    rsyncArgs: [],
    dumps: [],
    enabled: false,
    replicaOf: formatPeer(peer),
    server: (await ownServer(em)).name,
  });
  await em.flush();
  return { host, created: true };
}

/**
 * For a replicate schedule: the peer and remote command checked, and the host found or created
 * as `replicate` would. Returns what the schedule stores. Another server of this shared catalogue
 * may back the host up: this server copies that server's snapshots as its own copies of the same
 * names, so the schedule names this server, and its fires are queued for this server's worker.
 */
export async function prepareReplicateSchedule(
  app: App,
  input: Pick<ReplicateInput, 'host' | 'from' | 'remotePobsync' | 'remoteHome'>,
): Promise<{ replicateFrom: string; remotePobsync: string[]; server: string | null; createdHost: boolean }> {
  const name = validateHostName(input.host);
  const { peer, remotePobsync } = await replicationSource(app, input);
  const { host, created } = await replicaHost(app, name, peer);
  const server = (await replicatingServer(app, host)) ?? null;
  return { replicateFrom: formatPeer(peer), remotePobsync, server, createdHost: created };
}

/**
 * The server a replication of `host` is queued for, when that is not the host's own server: this
 * one, which copies another server's host (a shared catalogue) into its own root. Undefined: the host's.
 */
async function replicatingServer(app: App, host: Host): Promise<string | undefined> {
  return (await hostServer(app.catalogue.em(), host)) === serverName() ? undefined : serverName();
}

/** Queues a replication for the worker (a schedule's fire queues one the same way, from its schedule). */
export async function queueReplicate(app: App, input: ReplicateInput): Promise<{ runId: number; host: string }> {
  const name = validateHostName(input.host);
  const { peer, remotePobsync } = await replicationSource(app, input);
  const { host } = await replicaHost(app, name, peer);
  return queueReplication(app, host, peer, remotePobsync, { prune: input.prune ?? false, retrySkipped: input.retrySkipped });
}

/**
 * Queues a replication of a replica host from its peer, as the last one ran: with the remote
 * pobsync its replicate schedule names, else the one its latest replication used, else `pobsync`.
 * What the TUI's `b` does on a replica host, which has nothing to back up itself.
 */
export async function queueReplicateAgain(app: App, hostName: string): Promise<{ runId: number; host: string }> {
  const em = app.catalogue.em();
  const host = await em.findOne(HostSchema, { name: validateHostName(hostName) });
  if (!host?.replicaOf) throw new UserError(`host "${hostName}" is not a replica: it has no peer to replicate from`);
  const schedule = await em.findOne(ScheduleSchema, { host: host.id, replicateFrom: host.replicaOf }, { orderBy: { id: 'desc' } });
  const latest = await em.find(
    RunSchema,
    { host: host.id, kind: 'replicate' },
    { orderBy: { id: 'desc' }, limit: 20, fields: ['details'] },
  );
  const used = latest.map((run) => run.details as RunDetails | null | undefined).find((details) => details?.action === 'replicate');
  const remotePobsync = schedule?.remotePobsync ?? (used?.action === 'replicate' ? used.remotePobsync : parseRemotePobsync(undefined));
  return queueReplication(app, host, parsePeer(host.replicaOf), remotePobsync, { prune: false, retrySkipped: false });
}

async function queueReplication(
  app: App,
  host: Host,
  peer: Peer,
  remotePobsync: string[],
  options: { prune: boolean; retrySkipped: boolean | undefined },
): Promise<{ runId: number; host: string }> {
  const em = app.catalogue.em();
  const runId = await runs.insertQueuedRun(em, host.id, 'replicate', options.prune, await replicatingServer(app, host));
  await runs.describeRun(app.catalogue.em(), runId, {
    details: replicateDetails(peer, remotePobsync, options.retrySkipped),
  });
  return { runId, host: host.name };
}

/**
 * Runs a replication whose run row this process owns. Its peer comes from the run's details, or
 * for a run a schedule fired, from that schedule.
 */
export async function executeReplicateRun(
  app: App,
  runId: number,
  options: SessionOptions & { prune?: boolean } = {},
): Promise<{ run: RunView } & Replicated> {
  const made = await withRunSession(app, runId, options, (session) => replicate(app, session, options));
  return { run: await getRun(app, String(runId)), ...made };
}

async function detailsOf(app: App, session: RunSession): Promise<ReplicateDetails> {
  const stored = session.run.details as RunDetails | null | undefined;
  if (stored?.action === 'replicate') return stored;
  const run = await app.catalogue.em().findOneOrFail(RunSchema, { id: session.run.id }, { populate: ['schedule'] });
  const schedule = run.schedule;
  if (!schedule?.replicateFrom) throw new OperationError(`run #${session.run.id} does not say which peer to replicate from`);
  const details: ReplicateDetails = {
    action: 'replicate',
    peer: schedule.replicateFrom,
    remotePobsync: schedule.remotePobsync ?? parseRemotePobsync(undefined),
  };
  await session.describe({ details });
  return details;
}

/** What a replication did: the replicas it published, and the peer's snapshots left out, still pending. */
export interface Replicated {
  copied: SnapshotView[];
  skipped: SkippedReplica[];
  unfinished: SkippedReplica[];
}

/**
 * The snapshots earlier replications of the host skipped or left unfinished: every run carries the
 * lists on (in its details) so that the newest run that has them knows them all, whatever run
 * history is pruned.
 */
async function earlierLeftOut(app: App, hostId: number, runId: number): Promise<Pick<Replicated, 'skipped' | 'unfinished'>> {
  const earlier = await app.catalogue
    .em()
    .find(
      RunSchema,
      { host: hostId, kind: 'replicate', id: { $lt: runId } },
      { orderBy: { id: 'desc' }, limit: 100, fields: ['id', 'details'] },
    );
  for (const run of earlier) {
    const details = run.details as RunDetails | null | undefined;
    if (details?.action === 'replicate' && Array.isArray(details.skipped)) {
      return { skipped: details.skipped, unfinished: Array.isArray(details.unfinished) ? details.unfinished : [] };
    }
  }
  return { skipped: [], unfinished: [] };
}

const byName = (a: SkippedReplica, b: SkippedReplica) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function replicate(app: App, session: RunSession, options: { prune?: boolean }): Promise<Replicated> {
  const { run, host, note } = session;
  const em = app.catalogue.em();
  const config = await loadSettings(em);
  const backupRoot = requireBackupRoot(config);
  const details = await detailsOf(app, session);
  let { skipped, unfinished } = await earlierLeftOut(app, host.id, run.id);
  await session.describe({ details: { ...details, skipped, unfinished } });
  const peer = parsePeer(details.peer);
  const where = formatPeer(peer);
  note(`run #${run.id}: replication of ${host.name} from ${where} by pid ${run.pid} on ${run.node}`);
  await prepareHostDir(em, backupRoot, host, note);

  const files = keyFiles(app.paths.keys);
  const owner = await hostServer(em, host);
  let listing: ReturnType<typeof parsePeerListing>;
  if (owner && owner !== serverName()) {
    // A shared catalogue: the host's server's copies are read from the catalogue, their trees still pulled over ssh.
    note(`reading the snapshots server ${owner} holds from this shared catalogue`);
    const theirs = await em.find(SnapshotRecordSchema, { host: host.id, server: owner }, { orderBy: { name: 'asc' } });
    listing = parsePeerListing(JSON.stringify(theirs.map((record) => snapshotView(record, host.name))), host.name);
  } else {
    note(`reading the peer's list: ${[...details.remotePobsync, 'snapshots', host.name, '--json'].join(' ')}`);
    try {
      listing = parsePeerListing(await readPeerListing(peer, files, details.remotePobsync, host.name), host.name);
    } catch (error) {
      // The peer could not be asked (not reachable, its key not pinned, no such host there): the run fails saying so.
      if (!(error instanceof OperationError || error instanceof UserError)) throw error;
      note(`failed: ${error.message}`);
      await session.finish({ status: 'failed', error: error.message });
      return { copied: [], skipped, unfinished };
    }
  }
  if (listing.skipped > 0) note(`the peer lists ${formatCount(listing.skipped, 'snapshot')} that is not complete or not usable: left out`);
  const records = await em.find(SnapshotRecordSchema, { host: host.id, ...heldHere() }, { fields: ['name', 'kind', 'deletingAt'] });
  const held = new Set(records.map((record) => record.name));
  const newestHeld = records
    .filter((record) => record.kind !== 'safety' && !record.deletingAt)
    .map((record) => record.name)
    .sort()
    .at(-1);
  // A skipped or unfinished snapshot the peer no longer lists, or that this server holds now, is pending no more.
  const onPeer = new Set(listing.snapshots.map((snapshot) => snapshot.name));
  skipped = skipped.filter((skip) => onPeer.has(skip.name) && !held.has(skip.name));
  unfinished = unfinished.filter((left) => onPeer.has(left.name) && !held.has(left.name));
  const skippedNames = new Set(skipped.map((skip) => skip.name));
  const unfinishedNames = new Set(unfinished.map((left) => left.name));
  const retrySkipped = details.retrySkipped === true;
  // An unfinished one is older than the newest held once a newer one was published: it is wanted all the same.
  const wanted = listing.snapshots.filter((snapshot) =>
    skippedNames.has(snapshot.name)
      ? retrySkipped
      : unfinishedNames.has(snapshot.name) || snapshotsToCopy([snapshot], held, newestHeld).length > 0,
  );
  if (unfinished.length > 0) {
    note(
      `trying again the snapshots whose transfer was partial: ${unfinished.map((left) => `${left.name} (run #${left.runId})`).join(' ')}`,
    );
  }
  if (retrySkipped && skipped.length > 0) note(`trying again the snapshots skipped earlier: ${skipped.map((skip) => skip.name).join(' ')}`);
  if (!retrySkipped && skipped.length > 0) {
    note(
      `not tried again, skipped earlier: ${skipped.map((skip) => `${skip.name} (run #${skip.runId})`).join(' ')}; ` +
        `"pobsync replicate ${host.name} --retry-skipped" tries them again`,
    );
  }
  const describe = (copied: SnapshotView[]) =>
    session.describe({
      details: { ...details, snapshots: wanted.map((snapshot) => snapshot.name), copied: copied.map((c) => c.name), skipped, unfinished },
    });
  await describe([]);
  if (wanted.length === 0) {
    note(
      `nothing to copy: the peer has ${formatCount(listing.snapshots.length, 'complete snapshot')} of ${host.name}; ` +
        (newestHeld ? `this server has every one newer than ${newestHeld}` : 'none to copy') +
        (skipped.length > 0 ? `, but for ${formatCount(skipped.length, 'skipped one')}` : ''),
    );
    await session.finish({ status: 'succeeded', error: null });
    return { copied: [], skipped, unfinished };
  }
  note(`to copy, oldest first: ${wanted.map((snapshot) => snapshot.name).join(' ')}`);

  const copied: SnapshotView[] = [];
  let stats: RsyncStats | null = null;
  const fail = async (status: RunStatus, error: string, work?: WorkDir) => {
    note(`${status}: ${error}${work ? `; the unfinished tree stays in ${work.path} for the next run` : ''}`);
    await session.finish({ status, error, stats, ...(copied.length > 0 ? { snapshot: copied.at(-1)!.id } : {}) });
    return { copied, skipped, unfinished };
  };
  // device:inode -> hash for the checks: a file unchanged since the previous replica is one inode, read once a run.
  const hashes = new Map<string, string>();
  const transfer = transportArgs(config.defaultRsyncArgs);
  if (transfer.length > 0) note(`from the default rsync options: ${transfer.join(' ')}`);
  const skippedNow: SkippedReplica[] = [];
  const unfinishedNow: SkippedReplica[] = [];
  for (const source of wanted) {
    const stopped = session.stopped();
    if (stopped) return fail(stopped, `stopped (${stopped}) after ${formatCount(copied.length, 'replica')} of ${wanted.length}`);
    const result = await copyOne(app, session, { peer, source, backupRoot, hashes, transfer });
    skipped = skipped.filter((skip) => skip.name !== source.name);
    unfinished = unfinished.filter((left) => left.name !== source.name);
    if (result.outcome === 'failed') return fail(session.stopped() ?? 'failed', result.error, result.work);
    if (result.outcome === 'skipped') {
      const skip: SkippedReplica = { name: source.name, reason: result.reason, runId: run.id };
      skippedNow.push(skip);
      skipped = [...skipped, skip].sort(byName);
      note(`skipped ${source.name}: ${result.reason}; the newer ones go on`);
    } else if (result.outcome === 'unfinished') {
      const left: SkippedReplica = { name: source.name, reason: result.reason, runId: run.id };
      unfinishedNow.push(left);
      unfinished = [...unfinished, left].sort(byName);
      note(
        `unfinished ${source.name}: ${result.reason}; its tree stays in ${result.work.path}, never published, and the next ` +
          'replication tries it again; the newer ones go on',
      );
    } else {
      stats = result.stats;
      copied.push(snapshotView(result.record, host.name));
    }
    await describe(copied);
  }
  const status: RunStatus = skippedNow.length > 0 || unfinishedNow.length > 0 ? 'partial' : 'succeeded';
  const names = (list: SkippedReplica[]) => list.map((one) => one.name).join(' ');
  const reasons = (list: SkippedReplica[]) => list.map((one) => one.reason).join('; ');
  const problems = [
    ...(skippedNow.length > 0
      ? [`skipped ${names(skippedNow)}: ${reasons(skippedNow)}; "pobsync replicate ${host.name} --retry-skipped" tries again`]
      : []),
    ...(unfinishedNow.length > 0
      ? [`unfinished ${names(unfinishedNow)}: ${reasons(unfinishedNow)}; the next replication tries again`]
      : []),
  ];
  const error = problems.length > 0 ? problems.join('; ') : null;
  await session.finish({ status, error, stats, ...(copied.length > 0 ? { snapshot: copied.at(-1)!.id } : {}) });
  note(
    `${status}: ${formatCount(copied.length, 'replica')} from ${where}` +
      (copied.length > 0 ? `: ${copied.map((snapshot) => snapshot.name).join(' ')}` : '') +
      (skippedNow.length > 0 ? `; skipped ${names(skippedNow)}` : '') +
      (unfinishedNow.length > 0 ? `; unfinished ${names(unfinishedNow)}` : ''),
  );
  if (copied.length > 0 && (run.prune || options.prune)) await prune(app, host, note);
  return { copied, skipped, unfinished };
}

interface CopyInput {
  peer: Peer;
  source: PeerSnapshot;
  backupRoot: string;
  /** device:inode -> hash, shared by the checks of one run */
  hashes: Map<string, string>;
  /** the server's default rsync options that shape the transfer (a bandwidth limit) */
  transfer: string[];
}

type CopyResult =
  | { outcome: 'published'; record: SnapshotRecord; stats: RsyncStats | null }
  /** the run cannot go on: the transfer failed or was stopped; the tree stays to resume */
  | { outcome: 'failed'; error: string; work?: WorkDir }
  /** the transfer ended partial (a file the peer could not read, or that vanished): the tree stays, unpublished, for the next run */
  | { outcome: 'unfinished'; reason: string; work: WorkDir }
  /** this snapshot's copy failed its check (its tree is removed): the newer ones may go on */
  | { outcome: 'skipped'; reason: string };

type CopyCheck =
  | { verdict: 'good'; meta: SnapshotMeta; checked: TreeCheck }
  | { verdict: 'mismatch' | 'unusable'; reason: string; problems?: number }
  | { verdict: 'stopped' };

/**
 * One snapshot of the peer: pulled, checked against its manifest, published as a replica. A copy
 * that does not match is pulled once more with --checksum (rsync's quick check passes a file a
 * glitch damaged at the same size and time) and checked again.
 */
async function copyOne(app: App, session: RunSession, { peer, source, backupRoot, hashes, transfer }: CopyInput): Promise<CopyResult> {
  const { host, note } = session;
  const em = app.catalogue.em();
  const base = await newestUsableSnapshot(em, host);
  await session.describe({ base: base?.id ?? null });
  const work = await prepareWorkDir(backupRoot, host.name, source.startedAt, { name: source.name });
  if (work.resumed) {
    note(`${source.name}: resuming the unfinished tree ${work.path} left by an earlier run`);
    if (work.detached > 0)
      note(`unlinked ${formatCount(work.detached, 'hard link')} to earlier snapshots in it: rsync links or copies them afresh`);
  }
  note(`${source.name}: ${base ? `hard-linking unchanged files against ${base.name}` : 'no snapshot here yet: every file is copied'}`);
  const pull = async (extra: string[]) => {
    const args = replicaArgs({
      source: source.path,
      destination: work.path,
      linkDest: base?.path,
      extraArgs: [...transfer, ...extra],
      remote: { target: peerTarget(peer), files: keyFiles(app.paths.keys) },
    });
    session.log.note(`rsync ${args.join(' ')}`);
    const result = await session.rsync(args);
    const status = runStatus(result);
    return status === 'succeeded'
      ? { ok: true as const, result }
      : { ok: false as const, partial: status === 'partial', error: `${source.name}: ${failureMessage(result, formatPeer(peer))}` };
  };
  // A replica is whole or nothing: a file the peer could not read, or that vanished (exit 23/24), leaves this
  // snapshot unfinished, never published; the others go on. Any other failure (the peer gone) ends the run.
  const notPulled = (pulled: { partial: boolean; error: string }): CopyResult =>
    pulled.partial ? { outcome: 'unfinished', reason: pulled.error, work } : { outcome: 'failed', error: pulled.error, work };
  let pulled = await pull([]);
  if (!pulled.ok) return notPulled(pulled);
  faultPoint('replica-pulled');
  let check = await checkCopy(session, source, work, hashes);
  if (check.verdict === 'mismatch') {
    note(
      `${source.name}: copying it again with --checksum, in case the transfer damaged the copy ` +
        `(${formatCount(check.problems ?? 0, 'problem')} against its manifest)`,
    );
    // Files of the copy are replaced now: their inodes may be reused, so no hash read so far is trusted.
    hashes.clear();
    // The first pull linked unchanged files to the base: a second rsync would fix a changed mode or
    // time on those inodes in place, which the published snapshots share (the peer may have changed).
    const detached = await detachSharedInodes(work.path);
    if (detached > 0) note(`unlinked ${formatCount(detached, 'hard link')} to earlier snapshots in the copy before pulling again`);
    pulled = await pull(['--checksum']);
    if (!pulled.ok) return notPulled(pulled);
    check = await checkCopy(session, source, work, hashes);
  }
  if (check.verdict === 'stopped')
    return { outcome: 'failed', error: `stopped (${session.stopped()}) while checking ${source.name}`, work };
  if (check.verdict !== 'good') {
    hashes.clear();
    await removeWorkTrees([work.path]);
    return { outcome: 'skipped', reason: check.reason };
  }
  const { meta, checked } = check;
  note(`${source.name}: matches its manifest (${formatCount(checked.checked, 'file')}, ${formatBytes(checked.hashedBytes)} read)`);
  const result = pulled.result;

  const done: Done = {
    kind: 'replica',
    runId: session.run.id,
    // The peer's times: retention here buckets a replica by when its snapshot was taken.
    startedAt: source.startedAt,
    finishedAt: source.finishedAt,
    base,
    status: 'complete',
    exitCode: result.code,
    stats: result.stats ?? null,
    sources: Array.isArray(meta.sources) ? meta.sources : [],
    absent: Array.isArray(meta.absent) ? meta.absent : [],
    excludes: Array.isArray(meta.excludes) ? meta.excludes : [],
    dumps: Array.isArray(meta.dumps) ? meta.dumps : [],
    dumpCommands: Array.isArray(meta.dumpCommands) ? meta.dumpCommands : [],
    name: source.name,
    origin: { peer: formatPeer(peer), snapshot: source.name },
  };
  const published = await publishSnapshot(em, backupRoot, host, work, done);
  faultPoint('after-rename');
  const record = await session.durably(() => recordPublished(app.catalogue.em(), host, published, done));
  note(`${source.name}: replica published at ${published.path}`);
  return { outcome: 'published', record, stats: result.stats ?? null };
}

/** A pulled copy: shaped like a snapshot, its meta.json that snapshot's, every file as its manifest says. */
async function checkCopy(session: RunSession, source: PeerSnapshot, work: WorkDir, hashes: Map<string, string>): Promise<CopyCheck> {
  const { host } = session;
  const shape = await unexpectedTopEntry(work.path);
  if (shape) return { verdict: 'unusable', reason: `${source.name}: the copy is not shaped like a snapshot (${shape}): not published` };
  const meta = await readMeta(work.path);
  if (!meta || meta.name !== source.name) {
    return {
      verdict: 'unusable',
      reason: `${source.name}: the copy has no meta.json of that snapshot; the peer's tree is not a pobsync snapshot`,
    };
  }
  if (!hasManifest(work.path)) {
    return {
      verdict: 'unusable',
      reason: `${source.name} has no manifest on the peer (made before pobsync wrote manifests): it cannot be checked, so it is not copied`,
    };
  }
  const problems: ProblemView[] = [];
  const checked = await checkAgainstManifest(work.path, {
    sample: 100,
    hashes,
    signal: session.signal,
    onProblem: (problem) => {
      problems.push(problem);
      session.log.lines([`${source.name}: ${problem.kind.toUpperCase()} ${problem.path || '(the snapshot)'}: ${problem.detail}`]);
    },
  }).catch((error: unknown) => {
    if (session.signal.aborted) return undefined;
    throw error;
  });
  if (!checked) return { verdict: 'stopped' };
  if (problems.length > 0) {
    const first = problems[0]!;
    return {
      verdict: 'mismatch',
      problems: problems.length,
      reason:
        `${source.name} does not match its manifest: ${formatCount(problems.length, 'problem')} (first: ${first.kind} ${first.path}: ` +
        `${first.detail}); nothing published. "pobsync verify ${host.name} ${source.name}" on the peer checks the source`,
    };
  }
  return { verdict: 'good', meta, checked };
}
