import { formatAge, formatCount, formatTable, formatTime } from '../domain/format.js';
import { status } from '../services/monitoring/status.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync status [--json]

Per host: the last run and its status, the newest snapshot and its age, how many snapshots
there are; then totals.
`,
  flags: { json: { type: 'boolean' } },
  async run({ flags, app }) {
    const now = new Date();
    const report = await status(await app(), now);
    if (flags.json) return printJson(report);
    print(`catalogue:    ${report.catalogue}`);
    print(`backup root:  ${report.settings.backupRoot ?? '(not set)'}`);
    const lease = report.scheduler;
    print(
      `scheduler:    ${
        lease?.live
          ? `${lease.role} pid ${lease.pid} on ${lease.node}, since ${formatTime(new Date(lease.acquiredAt))}`
          : 'not running: start "pobsync daemon" (or open the TUI) so schedules fire'
      }`,
    );
    if (report.hosts.length > 0) {
      print('');
      print(
        formatTable(
          ['HOST', 'LAST RUN', 'NEWEST SNAPSHOT', 'AGE', 'SNAPSHOTS', 'NEXT RUN'],
          report.hosts.map((host) => [
            host.enabled ? host.host : `${host.host} (disabled)`,
            host.lastRun ? `#${host.lastRun.id} ${host.lastRun.status}` : 'never',
            host.lastSnapshot ? `${host.lastSnapshot.name}${host.lastSnapshot.status === 'partial' ? ' PARTIAL' : ''}` : '-',
            host.lastSnapshot ? formatAge(new Date(host.lastSnapshot.at), now) : '-',
            String(host.snapshotCount),
            formatTime(host.nextRun ? new Date(host.nextRun) : null),
          ]),
        ),
      );
    }
    const t = report.totals;
    print(
      `\n${formatCount(t.hosts, 'host')} (${t.enabledHosts} enabled), ${formatCount(t.snapshots, 'snapshot')}, ${t.running} ` +
        `running, ${t.queued} queued` +
        (t.failedLastRun ? `, ${t.failedLastRun} whose last run failed` : '') +
        (t.neverBackedUp ? `, ${t.neverBackedUp} without a snapshot` : ''),
    );
  },
});
