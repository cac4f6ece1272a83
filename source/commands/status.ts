import { UserError } from '../domain/errors.js';
import { formatAge, formatCount, formatTable, formatTime } from '../domain/format.js';
import { CHECK_STATES } from '../domain/health.js';
import { parseInterval } from '../domain/interval.js';
import { type HostStatus, status, statusCheck } from '../services/monitoring/status.js';
import type { ServerView } from '../services/servers.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync status [--json]
       pobsync status --check [--max-age DURATION] [--json]

Names the home and catalogue in use, this server and who runs the scheduler; with several
servers on the catalogue, each one's heartbeat (DOWN after three missed) and backup root, and
each host's server; per host: the last run and its status, the newest snapshot and its age, how
many snapshots this server holds, its health; then totals. With several servers, a host another
server also holds copies of (a replica) shows theirs after its count, "12 (beta 12)": each
server's snapshots are counted once, on the server that holds them (--json: snapshotCount is
this server's, snapshotsByServer every server's).

With --check it is a Nagios/Icinga plugin: one summary line over every enabled host (and
every replica host a replicate schedule keeps), and the exit code says how it stands:
  0 OK        every host backed up within its max age
  1 WARNING   a host is stale (newest snapshot older than its max age) or its newest
              snapshot is partial, or no scheduler runs though schedules are set
  2 CRITICAL  a host's last backup failed, or it was never backed up
  3 UNKNOWN   nothing to check, or the check itself failed (the catalogue cannot be read)

  --check         the plugin line and exit code above
  --max-age D     with --check: one max age for every host, like 36h or 2d (default: each
                  host's own, else twice the interval of its most frequent schedule)
  --json          the report (or the check: state, exitCode, line, hosts) as JSON
`,
  flags: { json: { type: 'boolean' }, check: { type: 'boolean' }, maxAge: { type: 'string' } },
  async run({ flags, given, reader }) {
    const now = new Date();
    if (flags.check) {
      // A monitoring system reads 2 as CRITICAL: whatever goes wrong with the check itself is UNKNOWN.
      try {
        const maxAgeSeconds = given('maxAge') ? parseInterval('max age', flags.maxAge, { min: 60 }) : undefined;
        const check = await statusCheck(await reader(), now, { maxAgeSeconds });
        if (flags.json) printJson(check);
        else print(check.line);
        return check.exitCode;
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        if (flags.json) printJson({ state: 'UNKNOWN', exitCode: CHECK_STATES.UNKNOWN, line: `POBSYNC UNKNOWN - ${message}` });
        else print(`POBSYNC UNKNOWN - ${message}`);
        return CHECK_STATES.UNKNOWN;
      }
    }
    if (given('maxAge')) throw new UserError('--max-age goes with --check: "pobsync status --check --max-age 2d"');
    const report = await status(await reader(), now);
    if (flags.json) return printJson(report);
    print(`home:         ${report.home} (from ${report.homeSource})`);
    print(`catalogue:    ${report.catalogue}`);
    print(`server:       ${report.server}`);
    print(`backup root:  ${report.settings.backupRoot ?? '(not set)'}`);
    const lease = report.scheduler;
    print(
      `scheduler:    ${
        lease?.live
          ? `${lease.role} pid ${lease.pid} on ${lease.node}, since ${formatTime(new Date(lease.acquiredAt))}` +
            (lease.home && lease.home !== report.home ? `, home ${lease.home}` : '')
          : 'not running: start "pobsync daemon" (or open the TUI) so schedules fire'
      }`,
    );
    if (report.servers.length > 1) {
      print('servers:');
      for (const server of report.servers) print(`  ${serverLine(server, now)}`);
    }
    const daemon = report.daemonElsewhere;
    if (daemon) {
      print(`note:         the installed ${daemon.role} (pid ${daemon.pid} on ${daemon.node}) uses ${daemon.home}, not this catalogue`);
    }
    const several = report.servers.length > 1;
    if (report.hosts.length > 0) {
      print('');
      print(
        formatTable(
          ['HOST', 'HEALTH', 'LAST RUN', 'NEWEST SNAPSHOT', 'AGE', 'SNAPSHOTS', 'NEXT RUN', ...(several ? ['SERVER'] : [])],
          report.hosts.map((host) => [
            host.enabled ? host.host : `${host.host} (${host.health?.monitored ? 'replica' : 'disabled'})`,
            healthLabel(host),
            host.lastRun ? `#${host.lastRun.id} ${host.lastRun.status}` : 'never',
            host.lastSnapshot ? `${host.lastSnapshot.name}${host.lastSnapshot.status === 'partial' ? ' PARTIAL' : ''}` : '-',
            host.lastSnapshot ? formatAge(new Date(host.lastSnapshot.at), now) : '-',
            `${host.snapshotCount}${elsewhere(host.snapshotsByServer, report.server)}`,
            formatTime(host.nextRun ? new Date(host.nextRun) : null),
            ...(several ? [host.server ?? '-'] : []),
          ]),
        ),
      );
    }
    const t = report.totals;
    print(
      `\n${formatCount(t.hosts, 'host')} (${t.enabledHosts} enabled), ${formatCount(t.snapshots, 'snapshot')}` +
        `${several ? ` on ${report.server}${elsewhere(t.snapshotsByServer, report.server)}` : ''}, ${t.running} ` +
        `running, ${t.queued} queued` +
        (t.failedLastRun ? `, ${t.failedLastRun} whose last run failed` : '') +
        (t.neverBackedUp ? `, ${t.neverBackedUp} without a snapshot` : '') +
        (t.stale ? `, ${t.stale} stale` : ''),
    );
  },
});

/** A server, its state and heartbeat: "b: up, heartbeat 5s ago, pid 42 on b, root /srv/backups". */
function serverLine(server: ServerView, now: Date): string {
  const beat = server.heartbeatAt ? `heartbeat ${formatAge(new Date(server.heartbeatAt), now)}` : 'never ran a daemon or worker';
  const where = server.pid ? `, pid ${server.pid} on ${server.node}` : '';
  return (
    `${server.name}${server.self ? ' (this one)' : ''}: ${server.state === 'up' ? 'up' : 'DOWN'}, ${beat}${where}, ` +
    `root ${server.backupRoot ?? '(not set)'}`
  );
}

/** The other servers' copies, after this server's count: " (alpha 12, gamma 3)", or "" when there are none. */
function elsewhere(byServer: Record<string, number> | undefined, self: string): string {
  const others = Object.entries(byServer ?? {})
    .filter(([server]) => server !== self)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return others.length > 0 ? ` (${others.map(([server, count]) => `${server} ${count}`).join(', ')})` : '';
}

/** One word for the health column: what is worst about the host. */
function healthLabel(host: HostStatus): string {
  const health = host.health;
  if (!health?.monitored) return '-';
  if (health.reasons.some((reason) => reason.includes('failed'))) return 'FAILED';
  if (health.reasons.includes('never backed up')) return 'NEVER';
  if (health.stale) return 'STALE';
  if (health.state === 'warning') return 'partial';
  return 'ok';
}
