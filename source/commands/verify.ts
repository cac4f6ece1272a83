import { formatCount } from '../domain/format.js';
import { describeVerdict, verifySnapshots } from '../services/snapshots/verify.js';
import { defineCommand } from './command.js';
import { interruptible } from './interrupt.js';
import { print, printJson, warn } from './output.js';
import { describeWork, progressReporter } from './progress.js';

export default defineCommand({
  help: `
Usage: pobsync verify <host> [SNAPSHOT | --all] [--sample PERCENT] [--json]

Checks snapshots against their manifests (manifest.b2, written with every snapshot): reports
every file whose contents differ (bit rot, tampering), whose size or mtime changed, files that
are missing or that were added, and a snapshot whose directory or meta.json is gone (a gone
directory is marked missing: never a base, never planned, never counted). Reads only.

  SNAPSHOT           the snapshot to check (default: the host's newest)
  --all              every snapshot of the host; a file hard-linked into several is read once
  --sample PERCENT   read the contents of this share of the files again (default 100); sizes,
                     mtimes and presence are always checked for every file
  --json             print the report as JSON

A verify is a run (kind verify) with a log: "pobsync log <run>" lists every problem. A schedule
can run it: pobsync schedule <host> --verify --cron "0 4 * * 0".
Exit status: 0 clean, 1 damaged or missing, 2 bad input, 3 some snapshots have no manifest
(made before pobsync wrote manifests) and nothing was damaged.
`,
  flags: { all: { type: 'boolean' }, sample: { type: 'string' }, json: { type: 'boolean' } },
  positionals: 2,
  async run({ args, flags, app }) {
    const opened = await app();
    const reporter = progressReporter(flags.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain', describeWork);
    const report = await interruptible('the verify', reporter.note, (signal) =>
      verifySnapshots(
        opened,
        { host: args[0], snapshot: args[1], all: flags.all, sample: flags.sample },
        {
          signal,
          onProgress: (progress) => reporter.progress(progress),
          onProblem: flags.json
            ? undefined
            : (snapshot, problem) =>
                reporter.note(`${snapshot}: ${problem.kind.toUpperCase()} ${problem.path || '(the snapshot)'}: ${problem.detail}`),
        },
      ),
    ).finally(() => reporter.done());
    if (flags.json) printJson(report);
    else {
      for (const verdict of report.snapshots) print(`${verdict.snapshot}: ${describeVerdict(verdict)}`);
      print(`run #${report.run.id} ${report.run.status}: ${formatCount(report.snapshots.length, 'snapshot')} of ${report.host} verified`);
    }
    if (report.snapshots.some((verdict) => verdict.outcome === 'damaged' || verdict.outcome === 'missing')) {
      if (!flags.json) warn(`${report.run.error ?? 'damaged'}`);
      return 1;
    }
    if (report.run.status === 'cancelled' || report.run.status === 'interrupted') return 1;
    if (report.snapshots.some((verdict) => verdict.outcome === 'unverifiable')) {
      if (!flags.json) warn(report.run.error ?? 'some snapshots have no manifest');
      return 3;
    }
    return 0;
  },
});
