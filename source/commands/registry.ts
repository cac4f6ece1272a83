/**
 * Every subcommand, loaded only when called: a command that draws no UI never pays for
 * importing Ink, and `pobsync hosts` does not load the backup engine.
 */
import { EXIT_CODES_HELP } from '../domain/exit-codes.js';
import type { Command, FlagSpecs } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<{ default: Command<FlagSpecs> }>;
}

// Each command's flags are its own type; the registry only loads it and hands it to the harness.
const entry = (name: string, summary: string, load: () => Promise<{ default: unknown }>): CommandEntry => ({
  name,
  summary,
  load: load as CommandEntry['load'],
});

export const COMMANDS: CommandEntry[] = [
  entry('configure-global', 'set the backup root, time zone, concurrency and default rsync options', () => import('./configure-global.js')),
  entry('configure-host', 'add a host or change its address, sources, excludes and rsync options', () => import('./configure-host.js')),
  entry('hosts', 'list the hosts', () => import('./hosts.js')),
  entry('host', 'show, remove or rename one host', () => import('./host.js')),
  entry('import', 'create hosts from an rsnapshot configuration, and take over its snapshot trees', () => import('./import.js')),
  entry('config', 'export the configuration as YAML, apply a YAML file, import the legacy per-host files', () => import('./config.js')),
  entry('key', "show the server's SSH public key (created on first use)", () => import('./key.js')),
  entry('trust-host', "fetch a host's SSH key, show its fingerprint and pin it", () => import('./trust-host.js')),
  entry('trust-peer', "fetch a peer server's SSH key, show its fingerprint and pin it (for replicate)", () => import('./trust-peer.js')),
  entry('backup', 'back up one host now, in the foreground', () => import('./backup.js')),
  entry('replicate', "copy a host's snapshots this server lacks from another pobsync server (off-site)", () => import('./replicate.js')),
  entry('snapshots', "list a host's snapshots", () => import('./snapshots.js')),
  entry('snapshot', 'delete, protect or unprotect one snapshot', () => import('./snapshot.js')),
  entry('ls', 'list a directory inside a snapshot', () => import('./ls.js')),
  entry('versions', "every distinct version of one file across a host's snapshots", () => import('./versions.js')),
  entry('restore', 'copy a snapshot (or paths in it) to a directory, or back onto the host', () => import('./restore.js')),
  entry('runs', 'list recent backup runs', () => import('./runs.js')),
  entry('log', "print or follow a run's log", () => import('./log.js')),
  entry('status', 'per host: last run, newest snapshot and its age, health; --check for Nagios/Icinga', () => import('./status.js')),
  entry('doctor', 'check tools, catalogue, home, backup root, keys, hosts, scheduler and snapshots', () => import('./doctor.js')),
  entry('metrics', "metrics in node_exporter's textfile format", () => import('./metrics.js')),
  entry('retention', 'preview, save and apply retention policies: which snapshots are kept, and why', () => import('./retention.js')),
  entry('schedule', "add, change or remove a host's schedule; shows its next runs", () => import('./schedule.js')),
  entry('schedules', 'list every schedule with its next run', () => import('./schedules.js')),
  entry('cancel', 'cancel a queued or running run, from any process', () => import('./cancel.js')),
  entry('daemon', 'run the scheduler and the worker in the foreground (for systemd)', () => import('./daemon.js')),
  entry('scheduler', 'queue the runs of due schedules (once, or --loop)', () => import('./scheduler.js')),
  entry('worker', 'run queued backups (until the queue is empty, or --loop)', () => import('./worker.js')),
  entry(
    'discover-snapshots',
    'record snapshots found on disk that the catalogue lacks, mark missing ones',
    () => import('./discover-snapshots.js'),
  ),
  entry('verify', "check a host's snapshots against their manifests: damaged, missing, extra files", () => import('./verify.js')),
  entry('archive', 'snapshots as .tar.gz archives: create, list, verify, deprecate, load, import', () => import('./archive.js')),
  entry(
    'catalogue',
    'copy the SQLite catalogue into an empty MariaDB database (catalogue migrate --to URL)',
    () => import('./catalogue.js'),
  ),
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function commandList(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'pobsync: pull-based backups with rsync over SSH into hard-linked snapshots',
    '',
    'Usage: pobsync <command> [options]      (pobsync <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --home DIR and --debug, before or after the command name. The home is',
    '--home, else $POBSYNC_HOME, else the one in /etc/pobsync/pobsync.env (the installer writes it),',
    'else ./var in a development checkout, else /var/lib/pobsync.',
    'Listing commands take --json and print one JSON document.',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}
