import { formatBytes, formatCount, formatDuration, formatTable, formatTime } from '../domain/format.js';
import type { RunStatus } from '../domain/types.js';
import { validatePositiveInteger } from '../domain/validation.js';
import { listRuns, type RunView } from '../services/runs/runs.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync runs [--host HOST] [--limit N] [--json]

Lists runs (backups, restores, verifies, archives), newest first.

  --host HOST   only this host's runs
  --limit N     how many (default 50)
  --json        print them as JSON
`,
  flags: { host: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, app }) {
    const limit = flags.limit === undefined ? 50 : validatePositiveInteger('limit', flags.limit, 100_000);
    const runs = await listRuns(await app(), { host: flags.host, limit });
    if (flags.json) return printJson(runs);
    if (runs.length === 0) return print('no runs yet');
    print(
      formatTable(
        ['RUN', 'HOST', 'KIND', 'STATUS', 'STARTED', 'TOOK', 'TRANSFERRED', 'SNAPSHOT / ERROR'],
        runs.map((run) => [
          `#${run.id}`,
          run.host,
          run.kind,
          shout(run.status),
          formatTime(run.startedAt ? new Date(run.startedAt) : null),
          formatDuration(run.durationSeconds),
          formatBytes(run.stats?.transferredSize ?? run.progress?.bytes),
          run.snapshot ??
            (run.error ? run.error.slice(0, 80) : run.restore ? `restored from ${run.restore.snapshot}` : describeDetails(run)),
        ]),
      ),
    );
  },
});

/** What a verify, archive or replicate run did, in a few words. */
function describeDetails(run: RunView): string {
  const details = run.details;
  if (details?.action === 'verify') return `verified ${formatCount(details.snapshots.length, 'snapshot')}`;
  if (details?.action === 'archive') {
    const archive = details.archiveId ? `archive #${details.archiveId}` : 'archive';
    return `${details.step} ${archive}${details.snapshot ? ` of ${details.snapshot}` : ''}`;
  }
  if (details?.action === 'replicate') return `copied ${formatCount(details.copied?.length ?? 0, 'replica')} from ${details.peer}`;
  return '';
}

/** Statuses that need a look stand out in capitals. */
function shout(status: RunStatus): string {
  return status === 'succeeded' || status === 'running' || status === 'queued' ? status : status.toUpperCase();
}
