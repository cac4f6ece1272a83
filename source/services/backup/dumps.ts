/**
 * A backup's database dumps: each of the host's dump commands runs on the host (over the
 * backup's own ssh, or `sh -c` for a local host) before the files are pulled, and its stdout
 * becomes `dumps/NAME` of the snapshot. The first that fails stops the run.
 */
import { join } from 'node:path';
import type { Host } from '../../catalogue/entities/index.js';
import { formatBytes } from '../../domain/format.js';
import { explainSshFailure } from '../../domain/rsync-exit.js';
import { remoteCommandArgs } from '../../domain/ssh-args.js';
import type { DumpCommand, SnapshotDump } from '../../domain/types.js';
import { LOCAL_ADDRESS } from '../../domain/validation.js';
import { type DumpResult, startDump } from '../../engine/dump.js';
import { stopOnAbort } from '../../engine/process.js';
import type { RunLog } from '../../engine/run-log.js';
import { prepareDumpDir, type WorkDir } from '../../engine/snapshot-store.js';
import { keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';

export type DumpsOutcome = { ok: true; dumps: SnapshotDump[] } | { ok: false; error: string };

export interface DumpEvents {
  log: RunLog;
  note(message: string): void;
  onLines?(lines: string[]): void;
  /** aborting stops the running dump */
  signal?: AbortSignal | undefined;
}

export async function takeDumps(
  app: App,
  host: Host,
  work: WorkDir,
  dumps: readonly DumpCommand[],
  events: DumpEvents,
): Promise<DumpsOutcome> {
  const dir = await prepareDumpDir(work, dumps.length > 0);
  const taken: SnapshotDump[] = [];
  for (const dump of dumps) {
    if (events.signal?.aborted) return { ok: false, error: `stopped (${String(events.signal.reason)}) before dump "${dump.name}"` };
    events.note(`dump ${dump.name}: ${dump.command}`);
    const { program, args, cwd } = invocation(app, host, dump.command);
    const child = await startDump(program, args, join(dir, dump.name), {
      ...(cwd ? { cwd } : {}),
      onLines: (lines) => {
        events.log.lines(lines);
        events.onLines?.(lines);
      },
    });
    stopOnAbort(child, events.signal);
    const result = await child.result;
    if (events.signal?.aborted) return { ok: false, error: `stopped (${String(events.signal.reason)}) during dump "${dump.name}"` };
    if (result.code !== 0) return { ok: false, error: dumpFailure(dump, result, host) };
    events.note(`dump ${dump.name}: ${formatBytes(result.bytes)}`);
    taken.push({ name: dump.name, bytes: result.bytes });
  }
  return { ok: true, dumps: taken };
}

/**
 * Runs the command here, as one argument to `sh -c`, inside a shell that takes the command's
 * whole process group down when it is told to stop, or when pobsync dies (the parent-death
 * signal reaches only this shell): a `pg_dump | gzip` never outlives the run it belongs to.
 */
const LOCAL_DUMP_WRAPPER = 'trap \'trap - TERM HUP; kill 0\' TERM HUP; sh -c "$1" & wait $!';

/** The command as one argument: to the host's shell through ssh, or to `sh -c` here. */
function invocation(app: App, host: Host, command: string): { program: string; args: string[]; cwd?: string } {
  if (host.address === LOCAL_ADDRESS) return { program: 'sh', args: ['-c', LOCAL_DUMP_WRAPPER, 'pobsync-dump', command], cwd: '/' };
  return { program: 'ssh', args: remoteCommandArgs(host, keyFiles(app.paths.keys), command) };
}

function dumpFailure(dump: DumpCommand, result: DumpResult, host: Host): string {
  const prefix = `dump "${dump.name}" failed`;
  if (result.signal) return `${prefix}: its command was killed by ${result.signal}`;
  const explained =
    result.code === 255 && host.address !== LOCAL_ADDRESS ? explainSshFailure(result.errors.join('\n'), host.name) : undefined;
  if (explained) return `${prefix}: ssh exited with code 255: ${explained}`;
  const detail = result.errors.at(-1);
  return `${prefix}: its command exited with code ${result.code}${detail ? ` (${detail})` : ''}`;
}
