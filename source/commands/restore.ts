import { UserError } from '../domain/errors.js';
import { runExitCode } from '../domain/exit-codes.js';
import { formatBytes } from '../domain/format.js';
import { formatSnapshotPath } from '../domain/snapshot-path.js';
import { joinWords } from '../domain/word-list.js';
import type { App } from '../services/app.js';
import { executeDumpRestore, planDumpRestore } from '../services/restore/dump-restore.js';
import { describeTarget, executeRestore, planRestore, type RestorePlan } from '../services/restore/restore.js';
import { defineCommand } from './command.js';
import { interruptible, stoppedBySignal } from './interrupt.js';
import { confirm, confirmByTyping, print, printJson, warn } from './output.js';
import { progressReporter } from './progress.js';

export default defineCommand({
  help: `
Usage: pobsync restore <host> <snapshot> --to DIR [--path P ...] [--dry-run] [--json]
       pobsync restore <host> <snapshot> --to-host [--path P ...] [--dry-run] [--delete]
                       [--no-safety-snapshot] [--yes] [--json]
       pobsync restore <host> <snapshot> --dump NAME --to-host [--dry-run]
                       [--no-safety-snapshot] [--yes] [--json]

Copies a snapshot, or the given paths in it, to a local directory or back onto the host; or
loads a database dump back into the database.

  --to DIR               restore into this local directory: /etc/nginx lands in DIR/etc/nginx,
                         with the snapshot's owners, modes and times
  --to-host              push back onto the host over ssh, to the original paths. First takes
                         a safety snapshot (kind safety) of exactly those paths, as a backup
                         run: the snapshot to restore from if this restore was a mistake.
                         Asks you to type the host name (--yes without a terminal).
  --path P               what to restore (repeat for more): a source path like /etc/nginx or
                         /etc/nginx/nginx.conf, or dumps/NAME for a database dump (--to only).
                         Default: every source in the snapshot
  --dry-run              list what would be created, updated and deleted; changes nothing
  --delete               with --to-host: delete files under the restored paths that are not
                         in the snapshot (files the host excludes from backups are kept)
  --no-safety-snapshot   with --to-host: skip the safety snapshot
  --dump NAME            with --to-host: stream the snapshot's dumps/NAME into the dump's restore
                         command on the host ("configure-host --dump-restore NAME=COMMAND", like
                         pg_restore --clean -d app), over the same ssh as the dump. First takes
                         a safety snapshot holding a fresh run of that dump. The command's output
                         goes to the run's log.
  --yes                  restore to the host without asking
  --json                 print the result as JSON

"pobsync ls <host> <snapshot> [PATH]" shows what a snapshot holds; "pobsync versions <host> PATH"
finds the snapshots where a file changed. Exit status: 0 restored, 1 failed or cancelled from
elsewhere, 2 bad input (nothing was changed), 4 another run holds the host, 130 after Ctrl-C,
143 after SIGTERM.
`,
  flags: {
    to: { type: 'string' },
    toHost: { type: 'boolean' },
    path: { type: 'string', isMultiple: true },
    dump: { type: 'string' },
    dryRun: { type: 'boolean' },
    delete: { type: 'boolean' },
    safetySnapshot: { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 2,
  async run({ args, flags, given, exclusive, app }) {
    for (const other of ['path', 'to', 'delete'] as const) exclusive('dump', other);
    if (given('dump')) return restoreDump(await app(), args, flags);
    const opened = await app();
    const plan = await planRestore(opened, {
      host: args[0],
      snapshot: args[1],
      directory: given('to') ? (flags.to ?? '') : undefined,
      toHost: flags.toHost,
      paths: flags.path,
      dryRun: flags.dryRun,
      delete: flags.delete,
      safetySnapshot: flags.safetySnapshot,
    });
    if (plan.target.kind === 'host' && !plan.dryRun) {
      const confirmed = await confirmByTyping(plan.host, describePlan(plan), { yes: flags.yes, what: `restoring onto ${plan.host}` });
      if (!confirmed) {
        print('cancelled: nothing was restored');
        return 1;
      }
    } else if (plan.target.kind === 'directory' && plan.targetNotEmpty && !plan.dryRun) {
      const confirmed = await confirm(
        `${plan.target.path} is not empty: the restore writes into it, over files of the same names. Go on?`,
        {
          yes: flags.yes,
          what: `restoring into the non-empty directory ${plan.target.path}`,
        },
      );
      if (!confirmed) {
        print('cancelled: nothing was restored');
        return 1;
      }
    }
    if (!flags.json) for (const source of plan.skipped) warn(`${source} is not in snapshot ${plan.snapshot.name}; it is skipped`);

    const reporter = progressReporter(flags.json || plan.dryRun ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain');
    const changes: { action: string; path: string }[] = [];
    const outcome = await interruptible('the restore', reporter.note, (signal) =>
      executeRestore(opened, plan, {
        signal,
        onProgress: (progress) => reporter.progress(progress),
        onNote: (message) => reporter.note(message),
        onChange: (change) => {
          if (!plan.dryRun) return;
          if (flags.json) changes.push({ action: change.action, path: change.path });
          else print(change.line);
        },
      }),
    ).finally(() => reporter.done());

    const { run, safety, summary } = outcome;
    const exitCode = run && run.status !== 'succeeded' ? runExitCode(run.status, stoppedBySignal()) : 0;
    if (flags.json) {
      printJson({
        host: plan.host,
        snapshot: plan.snapshot.name,
        target: plan.target,
        paths: plan.paths.map(formatSnapshotPath),
        skipped: plan.skipped,
        delete: plan.delete,
        dryRun: plan.dryRun,
        safetySnapshot: safety?.snapshot ?? null,
        safetyRun: safety?.run ?? null,
        run,
        summary,
        stats: outcome.stats,
        ...(plan.dryRun ? { changes } : {}),
        exitCode,
      });
    } else {
      const counts = `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete`;
      if (plan.dryRun) {
        print(`dry run: ${counts}; nothing was changed`);
        if (plan.safetySnapshot) print(`the restore would first take a safety snapshot of ${plan.paths.map(formatSnapshotPath).join(' ')}`);
      } else {
        if (safety?.snapshot) {
          print(`safety snapshot ${safety.snapshot.name} (run #${safety.run.id}) holds what was overwritten; to undo this restore:`);
          if (safety.absent.length < plan.paths.length) print(`  pobsync restore ${plan.host} ${safety.snapshot.name} --to-host`);
          for (const path of safety.absent) print(`  delete ${path} on ${plan.host}: it did not exist before this restore`);
        }
        if (run?.status === 'succeeded') {
          print(
            `restored ${joinWords(plan.paths.map(formatSnapshotPath))} from ${plan.snapshot.name} to ` +
              `${describeTarget(plan.target, plan.host)}: ` +
              `${summary.create} created, ${summary.update} updated, ${summary.delete} deleted` +
              (outcome.stats ? ` (${formatBytes(outcome.stats.transferredSize)} transferred, run #${run.id})` : ` (run #${run.id})`),
          );
        }
      }
    }
    if (safety?.run.status === 'partial')
      warn(
        `safety snapshot ${safety.snapshot?.name} is partial: ${safety.run.error ?? 'some paths could not be read'} (see "pobsync ` +
          `log ${safety.run.id}")`,
      );
    if (run && run.status !== 'succeeded') {
      warn(`restore run #${run.id} ${run.status}: ${run.error ?? ''} (see "pobsync log ${run.id}")`);
      return exitCode;
    }
    return 0;
  },
});

async function restoreDump(
  opened: App,
  args: string[],
  flags: {
    dump?: string | undefined;
    toHost?: boolean | undefined;
    dryRun?: boolean | undefined;
    safetySnapshot?: boolean | undefined;
    yes?: boolean | undefined;
    json?: boolean | undefined;
  },
): Promise<number> {
  if (!flags.toHost) {
    throw new UserError(
      '--dump restores into the database on the host and needs --to-host; to copy the dump out, use ' +
        `--path dumps/${flags.dump ?? 'NAME'} --to DIR`,
    );
  }
  const plan = await planDumpRestore(opened, {
    host: args[0],
    snapshot: args[1],
    dump: flags.dump,
    safetySnapshot: flags.safetySnapshot,
    dryRun: flags.dryRun,
  });
  const description =
    `This runs "${plan.command}" on ${plan.host} (${plan.address}) with dump ${plan.dump} of snapshot ${plan.snapshot.name} ` +
    `(${formatBytes(plan.bytes)}) as its input: it replaces what the database holds now.\n` +
    (plan.safetySnapshot
      ? `A safety snapshot with a fresh dump ${plan.dump} is taken first.`
      : 'No safety snapshot is taken (--no-safety-snapshot).');
  if (plan.dryRun) {
    if (flags.json) printJson({ ...plan, run: null, safetySnapshot: null });
    else print(`dry run: ${description}\nnothing was changed`);
    return 0;
  }
  if (!(await confirmByTyping(plan.host, description, { yes: flags.yes, what: `restoring dump ${plan.dump} onto ${plan.host}` }))) {
    print('cancelled: nothing was restored');
    return 1;
  }
  const reporter = progressReporter(flags.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain');
  const outcome = await interruptible('the dump restore', reporter.note, (signal) =>
    executeDumpRestore(opened, plan, { signal, onNote: (message) => reporter.note(message) }),
  ).finally(() => reporter.done());
  const { run, safety } = outcome;
  if (flags.json) {
    printJson({
      host: plan.host,
      snapshot: plan.snapshot.name,
      dump: plan.dump,
      command: plan.command,
      safetySnapshot: safety?.snapshot ?? null,
      safetyRun: safety?.run ?? null,
      run,
    });
  } else {
    if (safety?.snapshot) {
      print(`safety snapshot ${safety.snapshot.name} (run #${safety.run.id}) holds a fresh dump ${plan.dump}; to undo this restore:`);
      print(`  pobsync restore ${plan.host} ${safety.snapshot.name} --dump ${plan.dump} --to-host`);
    }
    if (run?.status === 'succeeded')
      print(
        `restored dump ${plan.dump} (${formatBytes(plan.bytes)}) from ${plan.snapshot.name} into "${plan.command}" on ${plan.host} ` +
          `(run #${run.id})`,
      );
  }
  if (run && run.status !== 'succeeded') {
    warn(`restore run #${run.id} ${run.status}: ${run.error ?? ''} (see "pobsync log ${run.id}")`);
    return 1;
  }
  return 0;
}

function describePlan(plan: RestorePlan): string {
  return [
    `This overwrites these paths on ${plan.host} (${plan.address}) with their versions from snapshot ${plan.snapshot.name}:`,
    ...plan.paths.map((path) => `  ${formatSnapshotPath(path)}`),
    plan.delete
      ? 'Files under them that are not in the snapshot are deleted (--delete).'
      : 'Files under them that are not in the snapshot are kept (no --delete).',
    plan.safetySnapshot ? 'A safety snapshot of these paths is taken first.' : 'No safety snapshot is taken (--no-safety-snapshot).',
  ].join('\n');
}
