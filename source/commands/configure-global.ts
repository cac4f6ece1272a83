import type { AlertHooks } from '../domain/alerting.js';
import { formatCount } from '../domain/format.js';
import { formatInterval } from '../domain/interval.js';
import { configureGlobal, getSettings, type SettingsView } from '../services/settings.js';
import { adoptBackupRoot } from '../services/snapshots/discovery.js';
import { defineCommand } from './command.js';
import { print, printJson, warn } from './output.js';

/** The alert and retry flags of configure-global and configure-host, read by alertChanges. */
export const ALERT_FLAGS = {
  onFailure: { type: 'string' },
  onStale: { type: 'string' },
  onRecovery: { type: 'string' },
  notifyMail: { type: 'string' },
  retries: { type: 'string' },
  retryDelay: { type: 'string' },
} as const;

export default defineCommand({
  help: `
Usage: pobsync configure-global [--backup-root DIR [--adopt]] [--timezone ZONE] [--max-concurrent N]
                                [--shutdown-grace SECONDS] [--rsync-arg ARG ...]
                                [--clear-rsync-args] [--on-failure CMD] [--on-stale CMD]
                                [--on-recovery CMD] [--notify-mail ADDR] [--retries N]
                                [--retry-delay DURATION] [--hook-timeout DURATION]
                                [--keep-runs N] [--metrics-textfile PATH]
                                [--archive-auto-purge|--no-archive-auto-purge]
                                [--server-address USER@ADDRESS[:PORT]] [--json]

Sets the server-wide settings; without options, shows them.

  --backup-root DIR     where snapshots are kept (absolute; created 0700 if missing). A backup
                        root belongs to one catalogue: its marker file names this catalogue
  --adopt               with --backup-root: take over a backup root another catalogue uses,
                        and record the snapshots in it (hosts new here are created disabled);
                        the other catalogue can no longer use it
  --timezone ZONE       IANA time zone for schedules and retention (default: the server's)
  --max-concurrent N    how many backups may run at once (default 2)
  --shutdown-grace S    how long a stopping daemon lets running backups finish (default 30)
  --rsync-arg ARG       an rsync option for every host, like --bwlimit=20m (repeat; replaces the list)
  --clear-rsync-args    remove every default rsync option
  --server-address P    how the other servers of a shared catalogue reach this one over ssh,
                        user@address[:port], so that "replicate HOST --from NAME" there can name
                        this server ("" removes it); "pobsync status --json" lists each one's
  --archive-auto-purge  delete a deprecated archive's file when a newer archive of its host
                        and option set is made (the catalogue keeps its row)

Alerts and monitoring (a host's own settings, configure-host, come first; "" removes one):
  --on-failure CMD      run CMD (by sh -c) when a backup failed, after its retries
  --on-stale CMD        run CMD when a host's newest snapshot grows older than its max age
  --on-recovery CMD     run CMD on the first good backup after a failure or a stale spell
                        A hook gets POBSYNC_EVENT, POBSYNC_HOST, POBSYNC_MESSAGE, POBSYNC_RUN_ID,
                        POBSYNC_STATUS, POBSYNC_ERROR, POBSYNC_LOG, ... in its environment and
                        the same as JSON on stdin; its output goes into the run's log.
  --notify-mail ADDR    mail every alert to ADDR through the local sendmail
  --hook-timeout D      how long a hook (or sendmail) may run, like 60s (default 60s)
  --retries N           how often a failed scheduled backup is tried again (default 2)
  --retry-delay D       pause before the first retry, doubled for each next one (default 5min)
  --keep-runs N         runs (and logs) kept per host, besides those whose snapshot is still
                        there (default 100)
  --metrics-textfile P  node_exporter textfile the daemon rewrites after every run, like
                        /var/lib/prometheus/node-exporter/pobsync.prom ("" turns it off)
  --json                print the settings as JSON

Durations: a number and a unit s, min, h, d or w (90s, 5min, 36h, 2d).
`,
  flags: {
    backupRoot: { type: 'string' },
    timezone: { type: 'string' },
    maxConcurrent: { type: 'string' },
    shutdownGrace: { type: 'string' },
    rsyncArg: { type: 'string', isMultiple: true },
    clearRsyncArgs: { type: 'boolean' },
    ...ALERT_FLAGS,
    hookTimeout: { type: 'string' },
    keepRuns: { type: 'string' },
    metricsTextfile: { type: 'string' },
    serverAddress: { type: 'string' },
    adopt: { type: 'boolean' },
    archiveAutoPurge: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ flags, given, exclusive, app }) {
    exclusive('rsyncArg', 'clearRsyncArgs');
    const changes = {
      backupRoot: flags.backupRoot,
      timeZone: flags.timezone,
      maxConcurrent: flags.maxConcurrent,
      shutdownGraceSeconds: flags.shutdownGrace,
      defaultRsyncArgs: flags.clearRsyncArgs ? [] : given('rsyncArg') ? flags.rsyncArg : undefined,
      alerts: alertChanges(flags, given),
      retries: given('retries') ? (flags.retries ?? '') : undefined,
      retryDelay: given('retryDelay') ? (flags.retryDelay ?? '') : undefined,
      hookTimeout: given('hookTimeout') ? (flags.hookTimeout ?? '') : undefined,
      keepRuns: given('keepRuns') ? (flags.keepRuns ?? '') : undefined,
      metricsTextfile: given('metricsTextfile') ? (flags.metricsTextfile ?? '') : undefined,
      archiveAutoPurge: flags.archiveAutoPurge,
      serverAddress: given('serverAddress') ? (flags.serverAddress ?? '') : undefined,
    };
    const anything = Object.values(changes).some((value) => value !== undefined);
    const settings = anything
      ? await configureGlobal(await app(), { ...changes, adopt: flags.adopt }, warn)
      : flags.adopt
        ? await configureGlobal(await app(), { adopt: true }, warn)
        : await getSettings(await app());
    // Taken over: its snapshots are recorded now (hosts new here are made, disabled).
    const adopted = flags.adopt ? await adoptBackupRoot(await app()) : undefined;
    if (flags.json) return printJson(adopted ? { ...settings, adopted } : settings);
    print(describeSettings(settings));
    if (adopted) {
      print(
        `adopted ${settings.backupRoot}: ${formatCount(adopted.recorded.length, 'snapshot')} recorded, ${adopted.known} already known` +
          (adopted.createdHosts.length > 0 ? `; hosts created (disabled): ${adopted.createdHosts.join(', ')}` : ''),
      );
    }
  },
});

export function describeSettings(settings: SettingsView): string {
  return [
    `backup root:         ${settings.backupRoot ?? '(not set: pobsync configure-global --backup-root DIR)'}`,
    `time zone:           ${settings.timeZone}${settings.timeZoneIsServerDefault ? " (the server's)" : ''}`,
    `max concurrent:      ${settings.maxConcurrent}`,
    `shutdown grace:      ${settings.shutdownGraceSeconds}s`,
    `default rsync args:  ${settings.defaultRsyncArgs.join(' ') || '(none)'}`,
    ...describeAlerts(settings.alerts, '(none)'),
    `retries:             ${settings.retries}, first after ${formatInterval(settings.retryDelaySeconds)} (then doubled)`,
    `hook timeout:        ${formatInterval(settings.hookTimeoutSeconds)}`,
    `keep runs:           ${settings.keepRuns} per host, and every run whose snapshot is still there`,
    `metrics textfile:    ${settings.metricsTextfile ?? '(none)'}`,
    `archive auto-purge:  ${settings.archiveAutoPurge ? 'on' : 'off'}`,
    `catalogue id:        ${settings.catalogueId}`,
  ].join('\n');
}

/** The alert flags given (configure-global and configure-host share them); undefined when none was. */
export function alertChanges(
  flags: { onFailure?: string | undefined; onStale?: string | undefined; onRecovery?: string | undefined; notifyMail?: string | undefined },
  given: (flag: 'onFailure' | 'onStale' | 'onRecovery' | 'notifyMail') => boolean,
): { [K in keyof AlertHooks]?: string } | undefined {
  const changes: { [K in keyof AlertHooks]?: string } = {};
  for (const key of ['onFailure', 'onStale', 'onRecovery', 'notifyMail'] as const) if (given(key)) changes[key] = flags[key] ?? '';
  return Object.keys(changes).length > 0 ? changes : undefined;
}

export function describeAlerts(alerts: AlertHooks, unset: string): string[] {
  return [
    `on failure:          ${alerts.onFailure ?? unset}`,
    `on stale:            ${alerts.onStale ?? unset}`,
    `on recovery:         ${alerts.onRecovery ?? unset}`,
    `notify mail:         ${alerts.notifyMail ?? unset}`,
  ];
}
