import { UserError } from '../domain/errors.js';
import { formatCount } from '../domain/format.js';
import { discoverSnapshots, rebuildCatalogue } from '../services/snapshots/discovery.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync discover-snapshots [--host HOST] [--json]
       pobsync discover-snapshots --rebuild [--json]

Reconciles the catalogue with the backup root: records the snapshots that are on disk but not
in the catalogue, each linked to its base when its meta.json names one, and marks recorded
snapshots whose directories are gone as missing (and clears the mark when they are back). It
never deletes anything. Unfinished trees (.incomplete) are skipped; directories it does not
understand are listed and left untouched.

  --host HOST   scan only this host's directory
  --rebuild     for a lost catalogue: on a catalogue without hosts (configure-global
                --backup-root first), recreate a host for each host directory, disabled,
                with the sources, excludes and dump commands its newest meta.json names
                (address: its name, user root, port 22: check them), and record every
                snapshot. Settings are lost, history is not.
  --json        print the report as JSON
`,
  flags: { host: { type: 'string' }, rebuild: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ flags, app }) {
    if (flags.rebuild && flags.host !== undefined) throw new UserError('--rebuild recreates every host: give it without --host');
    if (flags.rebuild) {
      const report = await rebuildCatalogue(await app());
      if (flags.json) return printJson(report);
      for (const host of report.hosts) {
        print(
          `recreated host ${host.name} (disabled) from ${host.from}: sources ${host.sources.join(' ')}` +
            `${host.dumps.length > 0 ? `, dumps ${host.dumps.map((dump) => dump.name).join(' ')}` : ''}`,
        );
      }
      for (const problem of report.problems) print(`skipped ${problem.path}: ${problem.reason}`);
      print(`${formatCount(report.hosts.length, 'host')} recreated, ${report.recorded.length} snapshots recorded`);
      if (report.hosts.length > 0) {
        print(
          'their addresses are their names, user root, port 22: correct them with "pobsync configure-host HOST --address ADDR ' +
            '--enable", then "pobsync trust-host HOST"',
        );
      }
      return;
    }
    const report = await discoverSnapshots(await app(), { host: flags.host });
    if (flags.json) return printJson(report);
    for (const snapshot of report.recorded) print(`recorded ${snapshot.host}/${snapshot.name} (${snapshot.kind}, ${snapshot.status})`);
    for (const snapshot of report.missing) print(`missing ${snapshot.host}/${snapshot.name}: its directory ${snapshot.path} is gone`);
    for (const snapshot of report.back) print(`back ${snapshot.host}/${snapshot.name}: its directory is there again`);
    for (const host of report.createdHosts) print(`created host ${host} (disabled): check it with "pobsync host ${host}"`);
    for (const problem of report.problems) print(`skipped ${problem.path}: ${problem.reason}`);
    print(
      `${report.recorded.length} recorded, ${report.known} already known, ${report.missing.length} marked missing, ` +
        `${report.problems.length} skipped`,
    );
  },
});
