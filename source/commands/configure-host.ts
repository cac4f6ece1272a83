import { configureHost } from '../services/hosts/hosts.js';
import { defineCommand } from './command.js';
import { ALERT_FLAGS, alertChanges } from './configure-global.js';
import { describeHost } from './host.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync configure-host <host> --address ADDR [--user root] [--port 22]
                              --source /etc [--source /var/www ...] [--exclude PATTERN ...]
                              [--rsync-arg ARG ...] [--dump NAME=COMMAND ...]
                              [--dump-restore NAME=COMMAND ...] [--clear-sources]
                              [--access full|restricted] [--disable|--enable] [--max-age DURATION]
                              [--on-failure CMD] [--on-stale CMD] [--on-recovery CMD]
                              [--notify-mail ADDR] [--retries N] [--retry-delay DURATION]
                              [--server NAME] [--json]

Adds a host, or changes the given settings of an existing one. A list option given
(--source, --exclude, --rsync-arg, --dump) replaces the stored list.

  <host>               pobsync's name for it: lowercase letters, digits, dots, dashes
  --address ADDR       hostname or IP address to reach it over ssh, or "local" for this
                       server (copied without ssh)
  --user USER          ssh user on the host (default root)
  --port N             ssh port (default 22)
  --source PATH        absolute path to back up (repeat for more); a host with dumps may
                       have no sources at all (its backups are its dumps)
  --exclude PATTERN    rsync exclude pattern, like /var/cache or *.tmp (repeat for more)
  --rsync-arg ARG      extra rsync option, like --bwlimit=10m (repeat for more)
  --dump NAME=COMMAND  a database dump taken before the files are pulled (repeat for
                       more): COMMAND runs on the host (through ssh; sh -c for a local
                       host), exactly as written, and its output is saved byte for byte
                       as dumps/NAME in the snapshot; a dump that fails fails the backup.
                       Example: --dump app.sql.gz='pg_dump -Fc app'
  --dump-restore NAME=COMMAND
                       the command that loads dump NAME back, reading the stored dump on its
                       stdin ("pobsync restore <host> <snapshot> --dump NAME --to-host"), run
                       the same way. Example: --dump-restore app.sql.gz='pg_restore --clean -d app'.
                       An empty COMMAND removes it; a dump given again keeps its restore command
  --clear-sources      back up no files: the host's dumps only
  --access MODE        full (default): pobsync's key logs in and may run commands, which dumps
                       and restores to the host need; restricted: the key runs only a read-only
                       rrsync ("pobsync key --restricted" prints its authorized_keys line), so
                       the host can be backed up and nothing else
  --clear-excludes     remove every exclude
  --clear-rsync-args   remove every extra rsync option
  --clear-dumps        remove every dump
  --disable, --enable  scheduled backups skip a disabled host
  --max-age D          its newest snapshot is stale once older than D, like 36h or 2d
                       (default: twice the interval of its most frequent schedule)
  --on-failure CMD     this host's alert hooks and mail address, instead of the global ones
  --on-stale CMD       (see "pobsync configure-global --help"); "" returns to the global one
  --on-recovery CMD
  --notify-mail ADDR
  --retries N          how often a failed scheduled backup is retried ("" = the global setting)
  --retry-delay D      pause before the first retry, doubled for each next one
  --server NAME        the pobsync server that backs it up (a new host: this one); its workers
                       alone run its backups, into that server's backup root. Its snapshots
                       so far stay where they are ("pobsync status" lists the servers)
  --json               print the host as JSON
`,
  flags: {
    address: { type: 'string' },
    user: { type: 'string' },
    port: { type: 'string' },
    source: { type: 'string', isMultiple: true },
    exclude: { type: 'string', isMultiple: true },
    rsyncArg: { type: 'string', isMultiple: true },
    dump: { type: 'string', isMultiple: true },
    access: { type: 'string' },
    dumpRestore: { type: 'string', isMultiple: true },
    clearSources: { type: 'boolean' },
    clearExcludes: { type: 'boolean' },
    clearRsyncArgs: { type: 'boolean' },
    clearDumps: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    maxAge: { type: 'string' },
    server: { type: 'string' },
    ...ALERT_FLAGS,
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, given, exclusive, app }) {
    exclusive('enable', 'disable');
    exclusive('exclude', 'clearExcludes');
    exclusive('rsyncArg', 'clearRsyncArgs');
    exclusive('dump', 'clearDumps');
    exclusive('source', 'clearSources');
    const enabled = flags.disable ? false : flags.enable ? true : undefined;
    const { host, created } = await configureHost(await app(), args[0], {
      address: given('address') ? (flags.address ?? '') : undefined,
      user: given('user') ? (flags.user ?? '') : undefined,
      port: given('port') ? (flags.port ?? '') : undefined,
      sources: flags.clearSources ? [] : given('source') ? flags.source : undefined,
      excludes: flags.clearExcludes ? [] : given('exclude') ? flags.exclude : undefined,
      rsyncArgs: flags.clearRsyncArgs ? [] : given('rsyncArg') ? flags.rsyncArg : undefined,
      dumps: flags.clearDumps ? [] : given('dump') ? flags.dump : undefined,
      access: given('access') ? (flags.access ?? '') : undefined,
      dumpRestores: given('dumpRestore') ? flags.dumpRestore : undefined,
      enabled,
      maxAge: given('maxAge') ? (flags.maxAge ?? '') : undefined,
      alerts: alertChanges(flags, given),
      retries: given('retries') ? (flags.retries ?? '') : undefined,
      retryDelay: given('retryDelay') ? (flags.retryDelay ?? '') : undefined,
      server: given('server') ? (flags.server ?? '') : undefined,
    });
    if (flags.json) return printJson(host);
    print(`${created ? 'added' : 'updated'} host ${host.name}\n${describeHost(host)}`);
    if (created && !host.local) print(`\nnext: "pobsync trust-host ${host.name}" to pin its SSH key, then "pobsync backup ${host.name}"`);
  },
});
