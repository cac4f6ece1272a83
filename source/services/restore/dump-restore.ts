/**
 * Restoring a database dump: the stored `dumps/NAME` of a snapshot streamed into the dump's
 * restore command (`--dump-restore NAME=COMMAND`, `pg_restore --clean -d app`), run on the host
 * over the same ssh as the dump itself (or `sh -c` for a local host). First a safety snapshot is
 * taken that holds a fresh run of that dump: the database as it was before the restore. Then the
 * restore is a run of its own (kind `restore`) under the host lock, with the command's output in
 * its log.
 */

import type { Host } from '../../catalogue/entities/index.js';
import { OperationError, UserError } from '../../domain/errors.js';
import { formatBytes } from '../../domain/format.js';
import { explainSshFailure } from '../../domain/rsync-exit.js';
import { remoteCommandArgs } from '../../domain/ssh-args.js';
import type { DumpCommand, RestoreDetails, RunStatus } from '../../domain/types.js';
import { LOCAL_ADDRESS, validateDumpName } from '../../domain/validation.js';
import { type FeedResult, startFeed } from '../../engine/dump-restore.js';
import { stopOnAbort } from '../../engine/process.js';
import { locateInSnapshot } from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { type BackupOutcome, backupHost } from '../backup/backup.js';
import { findHost } from '../hosts/hosts.js';
import { getRun, type RunView, startRun } from '../runs/runs.js';
import { type RunEvents, withRunSession } from '../runs/session.js';
import { loadSettings, requireBackupRoot } from '../settings.js';
import { findSnapshot, type SnapshotView, snapshotView } from '../snapshots/snapshots.js';

export interface DumpRestoreInput {
  host: string | undefined;
  snapshot: string | undefined;
  /** the dump's name, `--dump NAME` */
  dump: string | undefined;
  /** false with --no-safety-snapshot */
  safetySnapshot?: boolean | undefined;
  dryRun?: boolean | undefined;
}

export interface DumpRestorePlan {
  host: string;
  address: string;
  snapshot: SnapshotView;
  dump: string;
  /** the stored dump's size */
  bytes: number;
  /** the restore command, as configured now */
  command: string;
  safetySnapshot: boolean;
  dryRun: boolean;
}

export interface DumpRestoreOutcome {
  plan: DumpRestorePlan;
  /** the safety backup holding a fresh dump: what to restore if this restore was a mistake */
  safety: BackupOutcome | null;
  /** null for a dry run */
  run: RunView | null;
}

/** Checks everything and writes nothing, so the command can ask for confirmation in between. */
export async function planDumpRestore(app: App, input: DumpRestoreInput): Promise<DumpRestorePlan> {
  const em = app.catalogue.em();
  const host = await findHost(em, input.host);
  if (host.access === 'restricted') {
    throw new UserError(
      `${host.name} has restricted access: pobsync's key may only read it (rrsync -ro), so no restore command can run there; ` +
        `copy the dump out with --to DIR and load it by hand, or give the key full access (configure-host ${host.name} --access full)`,
    );
  }
  requireBackupRoot(await loadSettings(em));
  const name = validateDumpName(input.dump, '--dump');
  // TODO(access): refuse a host whose `access` is not full (rrsync keys cannot run commands), once hosts have that field.
  const dump = host.dumps.find((candidate) => candidate.name === name);
  if (!dump) {
    const known = host.dumps.length > 0 ? ` (its dumps: ${host.dumps.map((candidate) => candidate.name).join(', ')})` : '';
    throw new UserError(`host "${host.name}" has no dump "${name}"${known}: a dump is restored with the restore command configured for it`);
  }
  if (!dump.restore) {
    throw new UserError(
      `dump "${name}" of ${host.name} has no restore command: set one with "pobsync configure-host ${host.name} --dump-restore ` +
        `${name}='pg_restore --clean -d app'" (the command reads the dump on its stdin), or copy the dump out with ` +
        `--path dumps/${name} --to DIR`,
    );
  }
  const record = await findSnapshot(em, host, input.snapshot);
  const found = await locateInSnapshot(record.path, { area: 'dumps', name });
  if (!found.found || !found.stats.isFile()) {
    throw new UserError(
      `snapshot ${record.name} of ${host.name} holds no dump "${name}"${found.found ? '' : `: ${found.reason}`}; ` +
        `"pobsync ls ${host.name} ${record.name} dumps" lists its dumps`,
    );
  }
  return {
    host: host.name,
    address: host.address,
    snapshot: snapshotView(record, host.name),
    dump: name,
    bytes: found.stats.size,
    command: dump.restore,
    safetySnapshot: input.safetySnapshot !== false,
    dryRun: input.dryRun === true,
  };
}

export async function executeDumpRestore(
  app: App,
  plan: DumpRestorePlan,
  events: RunEvents & { signal?: AbortSignal } = {},
): Promise<DumpRestoreOutcome> {
  if (plan.dryRun) return { plan, safety: null, run: null };
  const em = app.catalogue.em();
  const host = await findHost(em, plan.host);
  const record = await findSnapshot(em, host, plan.snapshot.name);
  const dump = host.dumps.find((candidate) => candidate.name === plan.dump);
  if (!dump?.restore) throw new OperationError(`dump "${plan.dump}" of ${host.name} changed while you were asked: nothing was restored`);
  const safety = plan.safetySnapshot ? await takeSafetyDump(app, plan, dump, events) : null;
  const details: RestoreDetails = {
    snapshot: record.name,
    target: { kind: 'host' },
    paths: [`dumps/${plan.dump}`],
    delete: false,
    safetySnapshot: safety?.snapshot?.name ?? null,
    command: dump.restore,
  };
  const { run } = await startRun(app, host, 'restore').catch((error: unknown) => {
    if (safety?.snapshot && error instanceof OperationError) {
      throw new OperationError(`${error.message}; nothing was restored (safety snapshot ${safety.snapshot.name} was taken)`);
    }
    throw error;
  });
  await withRunSession(app, run.id, events, async (session) => {
    const { note } = session;
    await session.describe({ base: record.id, restore: details });
    note(
      `run #${run.id}: restore of dump ${plan.dump} (${formatBytes(plan.bytes)}) of ${host.name} from snapshot ${record.name} ` +
        `into "${dump.restore}" by pid ${run.pid} on ${run.node}`,
    );
    if (safety?.snapshot)
      note(`safety snapshot ${safety.snapshot.name} (run #${safety.run.id}) holds a fresh dump ${plan.dump} from before`);
    else note('no safety snapshot (--no-safety-snapshot)');
    const { program, args, cwd } = invocation(app, host, dump.restore!);
    const child = startFeed(program, args, `${record.path}/dumps/${plan.dump}`, {
      ...(cwd ? { cwd } : {}),
      onLines: (lines) => {
        session.log.lines(lines);
        events.onLines?.(lines);
      },
    });
    stopOnAbort(child, session.signal);
    const result = await child.result;
    const stopped = session.stopped();
    const status: RunStatus = stopped ?? (result.code === 0 && !result.signal ? 'succeeded' : 'failed');
    const error =
      status === 'succeeded' ? null : stopped ? `stopped (${stopped}) while the dump was being restored` : failure(result, host);
    note(`${status}${error ? `: ${error}` : `: ${formatBytes(result.bytes)} of dump ${plan.dump} restored`}`);
    await session.finish({ status, error });
  });
  return { plan, safety, run: await getRun(app, String(run.id)) };
}

/** A safety snapshot of the host holding a fresh run of this one dump (and no files). */
async function takeSafetyDump(
  app: App,
  plan: DumpRestorePlan,
  dump: DumpCommand,
  events: RunEvents & { signal?: AbortSignal },
): Promise<BackupOutcome> {
  events.onNote?.(`taking a safety snapshot with a fresh dump ${dump.name} of ${plan.host} first`);
  const outcome = await backupHost(app, plan.host, {
    kind: 'safety',
    sources: [],
    dumps: [{ name: dump.name, command: dump.command }],
    ...(events.signal ? { signal: events.signal } : {}),
    ...(events.onNote ? { onNote: events.onNote } : {}),
  });
  if (!outcome.snapshot) {
    throw new OperationError(
      `the safety snapshot failed (run #${outcome.run.id} ${outcome.run.status}: ${outcome.run.error ?? 'see its log'}); ` +
        'nothing was restored',
    );
  }
  return outcome;
}

/**
 * Runs a restore command here, as one argument to `sh -c`, like a local dump (services/backup/
 * dumps.ts): in a shell that takes the command's process group down when it is told to stop or
 * when pobsync dies. The command runs in the background of that shell, where sh would give it
 * /dev/null for stdin: the dump reaches it through descriptor 3.
 */
const LOCAL_RESTORE_WRAPPER = 'exec 3<&0; trap \'trap - TERM HUP; kill 0\' TERM HUP; sh -c "$1" <&3 3<&- & wait $!';

/** The restore command as one argument: to the host's shell through ssh, or to `sh -c` here. */
function invocation(app: App, host: Host, command: string): { program: string; args: string[]; cwd?: string } {
  if (host.address === LOCAL_ADDRESS) return { program: 'sh', args: ['-c', LOCAL_RESTORE_WRAPPER, 'pobsync-restore', command], cwd: '/' };
  return { program: 'ssh', args: remoteCommandArgs(host, keyFiles(app.paths.keys), command) };
}

function failure(result: FeedResult, host: { name: string; address: string }): string {
  const prefix = 'the restore command';
  if (result.signal) return `${prefix} was killed by ${result.signal}`;
  const explained =
    result.code === 255 && host.address !== LOCAL_ADDRESS ? explainSshFailure(result.errors.join('\n'), host.name) : undefined;
  if (explained) return `ssh exited with code 255: ${explained}`;
  const detail = result.errors.at(-1);
  return `${prefix} exited with code ${result.code}${detail ? ` (${detail})` : ''}`;
}
