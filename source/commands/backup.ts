import { OperationError } from '../domain/errors.js';
import { EXIT_CODES_HELP, runExitCode } from '../domain/exit-codes.js';
import { formatBytes, formatCount, formatDuration } from '../domain/format.js';
import { isChangeLine } from '../domain/rsync-output.js';
import { backupHost, previewBackup } from '../services/backup/backup.js';
import { followUpRun } from '../services/monitoring/follow-up.js';
import { queueBackup } from '../services/runs/queue.js';
import { readLease } from '../services/schedule/lease.js';
import { defineCommand } from './command.js';
import { interruptible, stoppedBySignal } from './interrupt.js';
import { print, printJson, warn } from './output.js';
import { progressReporter } from './progress.js';

export default defineCommand({
  help: `
Usage: pobsync backup <host> [--dry-run] [--queue] [--prune] [--json]

Backs up one host now, in the foreground, into a new snapshot. Shows rsync's progress: one
line redrawn on a terminal, a plain line every few seconds otherwise. Ctrl-C cancels; the
unfinished tree stays in .incomplete/ and the next backup resumes it.

Exit status: 0 when the snapshot is complete; 3 when it is partial (some files could not be
read or vanished: the snapshot is kept and flagged); 1 when the backup failed; 4 when another
run holds the host; 130 after Ctrl-C, 143 after SIGTERM. --json carries it as "exitCode".

  --dry-run   show what would change since the newest snapshot; writes nothing
  --queue     do not run it here: queue it for the daemon's worker (or "pobsync worker")
  --prune     after a good backup, delete what the host's retention policy removes
              (see "pobsync retention <host>" for the plan)
  --json      print the run (and the snapshot) as JSON when done

${EXIT_CODES_HELP}
`,
  flags: { dryRun: { type: 'boolean' }, queue: { type: 'boolean' }, prune: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, exclusive, app }) {
    exclusive('queue', 'dryRun');
    exclusive('dryRun', 'prune');
    if (flags.queue) {
      const opened = await app();
      const { runId, host } = await queueBackup(opened, args[0], { prune: flags.prune ?? false });
      const lease = await readLease(opened);
      if (flags.json) return printJson({ runId, host, queued: true });
      print(`queued run #${runId} for ${host}`);
      if (!lease?.live) warn('no daemon or TUI is running the scheduler: "pobsync worker" runs queued backups now');
      return;
    }
    const reporter = progressReporter(flags.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain');
    if (flags.dryRun) {
      const preview = await previewBackup(await app(), args[0] ?? '', {
        onLines: flags.json
          ? undefined
          : (lines) => {
              for (const line of lines.filter(isChangeLine)) print(line);
            },
      }).finally(() => reporter.done());
      if (flags.json) return printJson(preview);
      const stats = preview.stats;
      const transfer = stats
        ? `, ${formatCount(stats.transferredFiles, 'file')} (${formatBytes(stats.transferredSize)}) to transfer` +
          ` of ${stats.files} (${formatBytes(stats.totalSize)})`
        : '';
      print(`dry run: ${formatCount(preview.changes, 'change')}${transfer}; nothing was written`);
      return;
    }

    const opened = await app();
    const { run, snapshot } = await interruptible('rsync', reporter.note, (signal) =>
      backupHost(opened, args[0] ?? '', {
        kind: 'manual',
        prune: flags.prune ?? false,
        signal,
        onProgress: (progress) => reporter.progress(progress),
        onNote: (message) => reporter.note(message),
      }),
    )
      .catch((error: unknown) => {
        // A refused or failed start still answers --json with one document (the error goes to stderr too).
        if (flags.json && error instanceof OperationError)
          printJson({ run: null, snapshot: null, error: error.message, exitCode: error.exitCode });
        throw error;
      })
      .finally(() => reporter.done());
    const exitCode = runExitCode(run.status, stoppedBySignal());
    // Alerts, run pruning and the metrics textfile follow a foreground run as they follow the daemon's.
    await followUpRun(opened, run, (event) => {
      if (event.level === 'error') warn(event.message);
    }).catch((error: unknown) => warn(`after run #${run.id}: ${error instanceof Error ? error.message : String(error)}`));
    if (flags.json) printJson({ run, snapshot, exitCode });
    else if (snapshot) {
      const stats = snapshot.stats;
      print(
        `${run.status}: run #${run.id}, snapshot ${snapshot.name} in ${formatDuration(run.durationSeconds)}` +
          (stats
            ? ` (${formatCount(stats.files, 'file')}, ${stats.transferredFiles} transferred, ${formatBytes(stats.transferredSize)})`
            : '') +
          `\n  ${snapshot.path}`,
      );
    }
    if (run.status === 'partial')
      warn(`snapshot ${snapshot?.name} is partial: ${run.error ?? 'some files could not be read'} (see "pobsync log ${run.id}")`);
    if (!snapshot && !flags.json) warn(`run #${run.id} ${run.status}: ${run.error ?? ''} (see "pobsync log ${run.id}")`);
    return exitCode;
  },
});
