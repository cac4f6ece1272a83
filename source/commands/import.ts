import { UserError } from '../domain/errors.js';
import { describe } from '../domain/validation.js';
import { importRsnapshot } from '../services/config/rsnapshot.js';
import { defineCommand } from './command.js';
import { describeDiff } from './config.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync import rsnapshot [CONFIG] [--snapshots] [--dry-run] [--json]

Reads an rsnapshot configuration (default /etc/rsnapshot.conf, with its include_conf files)
and creates a pobsync host for each machine it backs up: ssh backup points by user, address
and port (ssh_args -p), local ones by their destination; with their sources, excludes
(exclude, exclude_file), rsync options pobsync allows (rsync_long_args, rsync_short_args,
one_fs), and a dump for each backup_script that writes its data to standard output. Hosts
pobsync has already are left as they are. It prints a schedule and retention suggestion
from the retain levels (and rsnapshot's crontab, when it finds one), and everything it could
not translate, with the line it is on.

  --snapshots   also take over rsnapshot's trees (<snapshot_root>/<level>.<N>/): each
                becomes a snapshot of its host (kind scheduled, named after the tree's
                time), moved into the backup root by rename, never copied: snapshot_root
                and the backup root must be on one filesystem. The next pobsync backup
                hard-links against the newest. Stop rsnapshot's cron jobs first.
  --dry-run     show what it would do; change nothing
  --json        print the report as JSON
`,
  flags: { snapshots: { type: 'boolean' }, dryRun: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 2,
  async run({ args, flags, app }) {
    const [source, config = '/etc/rsnapshot.conf'] = args;
    if (source !== 'rsnapshot') throw new UserError(`import source ${describe(source)} is not allowed: use rsnapshot`);
    const report = await importRsnapshot(await app(), config, { dryRun: flags.dryRun, snapshots: flags.snapshots });
    if (flags.json) return printJson(report);
    print(`read ${report.files.join(' ')}`);
    print(describeDiff(report.diff));
    const verb = flags.dryRun ? 'would take over' : 'took over';
    for (const tree of report.snapshots) print(`${verb} ${tree.tree} as ${tree.host}/${tree.name} (${tree.sources.join(' ')})`);
    for (const note of report.notes) print(`note: ${note}`);
    if (report.untranslated.length > 0) {
      print(`\nnot translated (${report.untranslated.length}):`);
      for (const issue of report.untranslated) print(`  ${issue.where}: ${JSON.stringify(issue.text)}: ${issue.reason}`);
    }
    if (report.suggestion) {
      print(`\nsuggested schedule and retention (${report.suggestion.explanation}); not applied: stop rsnapshot's cron jobs, then run:`);
      for (const command of report.suggestion.commands) print(`  ${command}`);
    }
    const remote = report.hosts.filter((host) => host.address !== 'local' && !report.existingHosts.includes(host.name));
    if (remote.length > 0 && !flags.dryRun) {
      print(
        `\nbefore the first backup of ${remote.map((host) => host.name).join(', ')}: add the line "pobsync key" prints to each ` +
          `host's authorized_keys, then run "pobsync trust-host HOST"`,
      );
    }
    if (flags.dryRun) print('dry run: nothing was changed');
  },
});
