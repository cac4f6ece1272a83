import { discoverSnapshots } from '../services/snapshots/discovery.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync discover-snapshots [--host HOST] [--json]

Scans the backup root and records the snapshots that are on disk but not in the catalogue,
each linked to its base when its meta.json names one. Safe to run again: it only adds.
Unfinished trees (.incomplete) are skipped; directories it does not understand are listed
and left untouched.

  --host HOST   scan only this host's directory
  --json        print the report as JSON
`,
  flags: { host: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, app }) {
    const report = await discoverSnapshots(await app(), { host: flags.host });
    if (flags.json) return printJson(report);
    for (const snapshot of report.recorded) print(`recorded ${snapshot.host}/${snapshot.name} (${snapshot.kind}, ${snapshot.status})`);
    for (const problem of report.problems) print(`skipped ${problem.path}: ${problem.reason}`);
    print(`${report.recorded.length} recorded, ${report.known} already known, ${report.problems.length} skipped`);
  },
});
