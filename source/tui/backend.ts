/**
 * Everything the TUI reads and does, as calls into the services: the UI itself never opens a
 * file, runs a process or writes the catalogue. Each call uses a fresh EntityManager (the
 * services fork one), so the TUI sees what the daemon and other shells write.
 *
 * Only what the first screen reads (the overview, the logs) is imported here, and none of it
 * loads the ORM: the listings read through the driver when a reader is given, and the services
 * that need the ORM load on first use (or once the first frame is drawn, `warm`), so the first
 * frame waits for none of their modules (MikroORM, knex, rsync, ssh, tar, zx among them).
 */

import type { OptionSet } from '../domain/archive.js';
import type { PolicyInput } from '../domain/retention.js';
import type { RestoreTarget } from '../domain/types.js';
import { type App, catalogueVersion, type ReadApp } from '../services/app.js';
import type { ArchiveView } from '../services/archives/archives.js';
import type { ArchiveCheck } from '../services/archives/check.js';
import type { CreatedArchive } from '../services/archives/create.js';
import type { HostInput, HostView } from '../services/hosts/hosts.js';
import type { TrustOffer } from '../services/hosts/keys.js';
import type { HostRemovalPreview, HostRemovalResult, SnapshotChoice } from '../services/hosts/removal.js';
import type { HostRenameResult } from '../services/hosts/rename.js';
import type { ServerKeyView } from '../services/hosts/server-key.js';
import { type StatusReport, status } from '../services/monitoring/status.js';
import type { ListingView, VersionsView } from '../services/restore/browse.js';
import type { DumpRestoreOutcome, DumpRestorePlan } from '../services/restore/dump-restore.js';
import type { RestoreOutcome } from '../services/restore/restore.js';
import { findInRunLog, indexRunLog, type LogIndex, type RunView, readRunLog, readRunLogLines } from '../services/runs/run-view.js';
import type { CancelOutcome } from '../services/runs/runs.js';
import type { SupervisorEvent } from '../services/schedule/events.js';
import type { ScheduleInput, ScheduleView } from '../services/schedule/schedules.js';
import type { Supervisor } from '../services/schedule/supervisor.js';
import type { SettingsInput, SettingsView } from '../services/settings.js';
import type { DiscoveryReport } from '../services/snapshots/discovery.js';
import type { ApplyResult, PolicyView, RetentionView } from '../services/snapshots/retention.js';
import { listSnapshots, type SnapshotView } from '../services/snapshots/snapshot-view.js';

/** The services loaded on first use, each once. */
const lazy = {
  archives: once(() => import('../services/archives/archives.js')),
  archiveCheck: once(() => import('../services/archives/check.js')),
  archiveCreate: once(() => import('../services/archives/create.js')),
  hosts: once(() => import('../services/hosts/hosts.js')),
  keys: once(() => import('../services/hosts/keys.js')),
  removal: once(() => import('../services/hosts/removal.js')),
  rename: once(() => import('../services/hosts/rename.js')),
  serverKey: once(() => import('../services/hosts/server-key.js')),
  browse: once(() => import('../services/restore/browse.js')),
  dumpRestore: once(() => import('../services/restore/dump-restore.js')),
  restore: once(() => import('../services/restore/restore.js')),
  queue: once(() => import('../services/runs/queue.js')),
  runs: once(() => import('../services/runs/runs.js')),
  replicate: once(() => import('../services/replicas/replicate.js')),
  schedules: once(() => import('../services/schedule/schedules.js')),
  settings: once(() => import('../services/settings.js')),
  discovery: once(() => import('../services/snapshots/discovery.js')),
  retention: once(() => import('../services/snapshots/retention.js')),
  sizes: once(() => import('../services/snapshots/sizes.js')),
  snapshots: once(() => import('../services/snapshots/snapshots.js')),
};

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

/**
 * Loads every service the first screen did not need, behind it: a key later waits for no module.
 * One at a time, the event loop turning between them: loaded all at once, their modules ran in
 * one stretch of up to a second, and a key typed then waited for all of it.
 */
export async function warm(): Promise<void> {
  for (const load of Object.values(lazy)) {
    await load();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface Overview {
  status: StatusReport;
  /** this process runs the scheduler and worker (it holds the lease) */
  schedulerHere: boolean;
  /** runs this process is running: quitting would interrupt them */
  runningHere: number[];
}

export interface HostSettings {
  host: HostView;
  schedules: ScheduleView[];
}

export interface Backend {
  /** changes whenever anything the catalogue holds may have: polls load again only then (undefined: always load) */
  version(): Promise<string | undefined>;
  overview(): Promise<Overview>;
  runs(host: string): Promise<RunView[]>;
  snapshots(host: string): Promise<SnapshotView[]>;
  /** measures the sizes of the host's snapshots not measured yet (or no longer current); how many it measured */
  measureSnapshots(host: string): Promise<number>;
  retention(host: string, whatIf: PolicyInput): Promise<RetentionView>;
  hostSettings(host: string): Promise<HostSettings>;
  readLog(path: string, offset: number): Promise<{ text: string; offset: number }>;
  /** where the lines of a log start: any stretch of it can be read then; `before`: its index read earlier, to extend */
  indexLog(path: string, before?: LogIndex): Promise<LogIndex>;
  logLines(path: string, index: LogIndex, first: number, count: number): Promise<string[]>;
  /** the next line at or after `from` holding `text` (the last at or before it, `backward`), going round; undefined: none */
  findInLog(path: string, index: LogIndex, text: string, from: number, backward: boolean): Promise<number | undefined>;
  queueBackup(host: string): Promise<number>;
  cancelRun(runId: number): Promise<CancelOutcome>;
  setProtected(host: string, snapshot: string, protect: boolean): Promise<void>;
  /** a directory of a snapshot (a source path, `/` its top), as `pobsync ls` lists it */
  listing(host: string, snapshot: string, path: string): Promise<ListingView>;
  /** every version of one file across the host's snapshots, as `pobsync versions` finds them */
  versions(host: string, path: string): Promise<VersionsView>;
  /** what restoring `path` of the snapshot to `target` would do: the service's checks, then its dry run (nothing changes) */
  previewRestore(host: string, snapshot: string, path: string, target: RestoreTarget, options: RestoreOptions): Promise<RestoreOutcome>;
  /** restores `path` as a run of the host with a log (after a safety snapshot, onto the host), as `pobsync restore` does */
  restore(host: string, snapshot: string, path: string, target: RestoreTarget, options: RestoreOptions): Promise<RestoreOutcome>;
  /** what restoring the snapshot's dump `dump` would run, checked as `pobsync restore --dump NAME --to-host --dry-run` checks it */
  previewDumpRestore(host: string, snapshot: string, dump: string, safetySnapshot: boolean): Promise<DumpRestorePlan>;
  /** streams the dump into its restore command on the host, as a run (after a safety snapshot with a fresh dump) */
  restoreDump(host: string, snapshot: string, dump: string, safetySnapshot: boolean): Promise<DumpRestoreOutcome>;
  /** throws what deleting the snapshot now would be refused with (protected, in use by a run), as the delete does */
  checkSnapshotDeletion(host: string, snapshot: string): Promise<void>;
  /** deletes the snapshot (the admin confirmed it), refusing again what became refused meanwhile */
  deleteSnapshot(host: string, snapshot: string): Promise<{ wasOnDisk: boolean }>;
  discover(): Promise<DiscoveryReport>;
  /** deletes only `confirmed` (the removals the admin saw) that the plan still removes */
  applyRetention(
    host: string,
    whatIf: PolicyInput,
    confirmed: readonly string[],
    onProgress: (done: number, total: number) => void,
  ): Promise<ApplyResult>;
  savePolicy(host: string, policy: PolicyInput): Promise<PolicyView>;
  configureHost(name: string, input: HostInput): Promise<HostView>;
  configureSchedule(host: string, name: string, input: ScheduleInput): Promise<ScheduleView>;
  removeSchedule(host: string, name: string): Promise<void>;
  hostRemoval(host: string): Promise<HostRemovalPreview>;
  /**
   * Removes the host as the admin saw it (`seen`): keeping its snapshots leaves it disabled,
   * deleting them removes it; nothing is done when what removal involves changed meanwhile.
   */
  removeHost(host: string, snapshots: SnapshotChoice, seen: HostRemovalPreview): Promise<HostRemovalResult>;
  renameHost(host: string, to: string): Promise<HostRenameResult>;
  /** the server's SSH key (created on first use) and its authorized_keys lines, as `pobsync key` shows them */
  serverKey(): Promise<ServerKeyView>;
  /** the keys the host offers and those pinned for it, as `pobsync trust-host` shows them; pinned: they are the same */
  trustOffer(host: string): Promise<{ offer: TrustOffer; pinned: boolean }>;
  /** pins the keys the host offers, if they are still those the admin saw (`seen`); pinned: false when they changed */
  trustHost(host: string, seen: TrustOffer): Promise<{ offer: TrustOffer; pinned: boolean }>;
  settings(): Promise<SettingsView>;
  /** as `pobsync configure-global` (without --adopt: taking a root over stays a CLI matter) */
  configureGlobal(input: Omit<SettingsInput, 'adopt'>): Promise<SettingsView>;
  archives(host: string): Promise<ArchiveView[]>;
  /** a run of the host (kind archive), shown in the Runs tab while it works */
  createArchive(host: string, snapshot: string, optionSet: OptionSet): Promise<CreatedArchive>;
  verifyArchive(id: number): Promise<ArchiveCheck>;
  deprecateArchive(id: number): Promise<ArchiveView>;
  /** what the scheduler and worker in this process report (fired, finished, ...) */
  onEvent(listener: (event: SupervisorEvent) => void): () => void;
}

/** What restoring onto the host may do besides overwriting, as `--delete` and `--no-safety-snapshot` say it. */
export interface RestoreOptions {
  delete: boolean;
  safetySnapshot: boolean;
}

function restoreInput(host: string, snapshot: string, path: string, target: RestoreTarget, options: RestoreOptions, dryRun: boolean) {
  return {
    host,
    snapshot,
    paths: [path],
    dryRun,
    delete: options.delete,
    safetySnapshot: options.safetySnapshot,
    ...(target.kind === 'host' ? { toHost: true } : { directory: target.path }),
  };
}

/** Fans the supervisor's events out to whoever listens (the App, while mounted). */
export class EventHub {
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  emit = (event: SupervisorEvent): void => {
    for (const listener of this.listeners) listener(event);
  };
  on(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** `supervisor`: this process's scheduler and worker, or how to get them (they start after the first frame). */
export function createBackend(
  app: App | Promise<App>,
  supervisor: Supervisor | undefined | (() => Supervisor | undefined),
  events = new EventHub(),
  reader?: ReadApp,
): Backend {
  const here = typeof supervisor === 'function' ? supervisor : () => supervisor;
  const opened = Promise.resolve(app);
  // What only lists (the overview, snapshots) reads through the reader when there is one: the
  // ORM may still be loading behind the first frame.
  const reads = async (): Promise<ReadApp> => reader ?? opened;
  let orm: App | undefined;
  opened.then(
    (each) => {
      orm = each;
    },
    () => undefined,
  );
  let version: { at: number; token: Promise<string | undefined> } | undefined;
  return {
    onEvent: (listener) => events.on(listener),
    version: () => {
      // Every poll asks each second: one query answers those that ask within half a second. The
      // ORM's version leaves out the scheduler's heartbeats: the reader's only until the ORM is open.
      const from = orm ?? reader;
      if (!version || Date.now() - version.at > 500)
        version = { at: Date.now(), token: from ? catalogueVersion(from) : opened.then(catalogueVersion) };
      return version.token;
    },
    async overview() {
      return { status: await status(await reads()), schedulerHere: here()?.isActive() ?? false, runningHere: here()?.runningIds() ?? [] };
    },
    runs: async (host) => (await lazy.runs()).listRuns(await opened, { host, limit: 100 }),
    snapshots: async (host) => listSnapshots(await reads(), host),
    measureSnapshots: async (host) => (await lazy.sizes()).measureSnapshotSizes(await opened, host),
    retention: async (host, whatIf) => (await lazy.retention()).previewRetention(await opened, host, { whatIf }),
    async hostSettings(host) {
      const [{ getHost }, { listSchedules }] = await Promise.all([lazy.hosts(), lazy.schedules()]);
      return { host: await getHost(await opened, host), schedules: await listSchedules(await opened, { host, count: 5 }) };
    },
    readLog: (path, offset) => readRunLog(path, offset),
    indexLog: (path, before) => indexRunLog(path, before),
    logLines: (path, index, first, count) => readRunLogLines(path, index, first, count),
    findInLog: (path, index, text, from, backward) => findInRunLog(path, index, text, from, backward),
    async queueBackup(host) {
      // A replica host has nothing to back up: its run is a replication from its peer.
      const replica = (await (await lazy.hosts()).getHost(await opened, host)).replicaOf;
      const { runId } = replica
        ? await (await lazy.replicate()).queueReplicateAgain(await opened, host)
        : await (await lazy.queue()).queueBackup(await opened, host);
      here()?.poke();
      return runId;
    },
    async cancelRun(runId) {
      return (await (await lazy.runs()).requestCancel(await opened, String(runId))).outcome;
    },
    async setProtected(host, snapshot, protect) {
      await (await lazy.snapshots()).setProtected(await opened, host, snapshot, protect);
    },
    listing: async (host, snapshot, path) => (await lazy.browse()).listSnapshotPath(await opened, host, snapshot, path),
    versions: async (host, path) => (await lazy.browse()).fileVersions(await opened, host, path),
    async previewRestore(host, snapshot, path, target, options) {
      const { executeRestore, planRestore } = await lazy.restore();
      return executeRestore(await opened, await planRestore(await opened, restoreInput(host, snapshot, path, target, options, true)));
    },
    async restore(host, snapshot, path, target, options) {
      const { executeRestore, planRestore } = await lazy.restore();
      return executeRestore(await opened, await planRestore(await opened, restoreInput(host, snapshot, path, target, options, false)));
    },
    previewDumpRestore: async (host, snapshot, dump, safetySnapshot) =>
      (await lazy.dumpRestore()).planDumpRestore(await opened, { host, snapshot, dump, safetySnapshot, dryRun: true }),
    async restoreDump(host, snapshot, dump, safetySnapshot) {
      const { executeDumpRestore, planDumpRestore } = await lazy.dumpRestore();
      return executeDumpRestore(await opened, await planDumpRestore(await opened, { host, snapshot, dump, safetySnapshot }));
    },
    async checkSnapshotDeletion(host, snapshot) {
      await (await lazy.snapshots()).deleteSnapshot(await opened, host, snapshot, async () => false);
    },
    async deleteSnapshot(host, snapshot) {
      const { wasOnDisk } = await (await lazy.snapshots()).deleteSnapshot(await opened, host, snapshot, async () => true);
      return { wasOnDisk };
    },
    discover: async () => (await lazy.discovery()).discoverSnapshots(await opened),
    applyRetention: async (host, whatIf, confirmed, onProgress) =>
      (await lazy.retention()).applyRetention(await opened, host, {
        whatIf,
        confirmed,
        onProgress: (done, total) => onProgress(done, total),
      }),
    savePolicy: async (host, policy) => (await lazy.retention()).savePolicy(await opened, host, policy),
    async configureHost(name, input) {
      return (await (await lazy.hosts()).configureHost(await opened, name, input)).host;
    },
    async configureSchedule(host, name, input) {
      return (await (await lazy.schedules()).configureSchedule(await opened, host, name, input)).schedule;
    },
    removeSchedule: async (host, name) => (await lazy.schedules()).removeSchedule(await opened, host, name),
    hostRemoval: async (host) => (await lazy.removal()).previewHostRemoval(await opened, host),
    // The admin confirmed in the TUI (a typed host name) what `seen` says; anything new cancels.
    removeHost: async (host, snapshots, seen) =>
      (await lazy.removal()).removeHost(await opened, host, {
        snapshots,
        confirm: async (now) => now.snapshots === seen.snapshots && now.protectedSnapshots.length === seen.protectedSnapshots.length,
      }),
    renameHost: async (host, to) => (await lazy.rename()).renameHost(await opened, host, to),
    serverKey: async () => (await lazy.serverKey()).serverKey(await opened),
    trustOffer: async (host) => (await lazy.keys()).trustHost(await opened, host, async () => false),
    // The admin typed the host's name having seen `seen`: anything else offered now is not pinned.
    trustHost: async (host, seen) =>
      (await lazy.keys()).trustHost(
        await opened,
        host,
        async (now) =>
          now.offered.length === seen.offered.length && now.offered.every((key) => seen.offered.some((other) => other.key === key.key)),
      ),
    settings: async () => (await lazy.settings()).getSettings(await opened),
    configureGlobal: async (input) => (await lazy.settings()).configureGlobal(await opened, input),
    archives: async (host) => (await lazy.archives()).listArchives(await opened, { host }),
    createArchive: async (host, snapshot, optionSet) =>
      (await lazy.archiveCreate()).createArchive(await opened, {
        host,
        snapshot,
        data: optionSet !== 'dumps',
        dumps: optionSet !== 'data',
      }),
    async verifyArchive(id) {
      return (await (await lazy.archiveCheck()).verifyArchive(await opened, String(id))).check;
    },
    async deprecateArchive(id) {
      return (await (await lazy.archives()).deprecateArchive(await opened, String(id), async () => true)).archive;
    },
  };
}
