import { formatCount } from '../domain/format.js';
import { doctor } from '../services/monitoring/doctor.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync doctor [--json]

Checks what an unattended backup server needs, one line each (OK, WARN or FAIL, with the fix):
rsync and ssh (their versions), sendmail when alert mail is set; the catalogue (sound, its
migrations current); the home and the backup root (owner-only 0700, free space and inodes);
the server key (owner-only); that only the owner can read the environment file
(/etc/pobsync/pobsync.env), the SQLite catalogue, the logs and the keys; every enabled host
(ssh with the pinned key within a timeout, rsync there, each source readable); who holds the
scheduler lease, its heartbeat and home;
runs stuck in "running" whose process is gone; snapshots in the catalogue missing on disk,
and snapshot directories the catalogue lacks; that the systemd unit lets the service write
the home and the backup root.

Exit status: 0 all OK, 1 warnings, 2 failures.

  --json   the checks as JSON: { checks: [{ name, status, message, fix }], exitCode }
`,
  flags: { json: { type: 'boolean' } },
  async run({ flags, app }) {
    const report = await doctor(await app());
    if (flags.json) {
      printJson(report);
      return report.exitCode;
    }
    print(`home ${report.home}, catalogue ${report.catalogue}, server ${report.server}`);
    const width = Math.max(...report.checks.map((check) => check.name.length));
    for (const check of report.checks) {
      const mark = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' }[check.status];
      print(`${mark}  ${check.name.padEnd(width)}  ${check.message}${check.fix ? `; fix: ${check.fix}` : ''}`);
    }
    const count = (status: string) => report.checks.filter((check) => check.status === status).length;
    print(`\n${count('ok')} ok, ${formatCount(count('warn'), 'warning')}, ${formatCount(count('fail'), 'failure')}`);
    return report.exitCode;
  },
});
