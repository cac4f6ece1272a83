import { discoverSnapshots } from '../services/snapshots/discovery.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync discover-snapshots [--host HOST] [--json]

Reconciles the catalogue with the backup root: records the snapshots that are on disk but not
in the catalogue, each linked to its base when its meta.json names one, and marks recorded
snapshots whose directories are gone as missing (and clears the mark when they are back). It
never deletes anything. Unfinished trees (.incomplete) are skipped; directories it does not
understand are listed and left untouched.

  --host HOST   scan only this host's directory
  --json        print the report as JSON
`,
  flags: { host: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, app }) {
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
