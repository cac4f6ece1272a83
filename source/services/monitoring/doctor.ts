/**
 * `pobsync doctor`: everything an unattended backup server needs, checked in one go, one line
 * each with what to do about it. It changes nothing (opening the catalogue applies pending
 * migrations, as every command does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { appliedMigrations, enabledScheduleCount, knownMigrations, quickCheck, runningRuns } from '../../catalogue/checks.js';
import { type Host, HostSchema, SnapshotRecordSchema } from '../../catalogue/entities/index.js';
import { formatBytes, formatCount, formatTime } from '../../domain/format.js';
import { probeArgs } from '../../domain/probe-args.js';
import { explainSshFailure } from '../../domain/rsync-exit.js';
import { missingSource } from '../../domain/rsync-output.js';
import { isWithin } from '../../domain/snapshot-path.js';
import { LOCAL_ADDRESS } from '../../domain/validation.js';
import { BACKUP_ROOT_MARKER } from '../../engine/backup-root.js';
import { installedEnvFile } from '../../engine/install-env.js';
import { type PathState, pathState, toolState } from '../../engine/local-state.js';
import { findSendmail } from '../../engine/mail.js';
import { runCommand } from '../../engine/process.js';
import { liveness } from '../../engine/process-identity.js';
import { isMarkedBackupRoot, scanHostDir } from '../../engine/snapshot-store.js';
import { keyFiles, pinnedKeys } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';
import { daemonElsewhere, readLease } from '../schedule/lease.js';
import { heldHere, listServers, serverName } from '../servers.js';
import { backupRootOf, loadSettings } from '../settings.js';
import { privateFilesCheck } from './private-files.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  message: string;
  /** what to do about it */
  fix?: string;
}

export interface DoctorReport {
  home: string;
  catalogue: string;
  /** the pobsync server this is */
  server: string;
  checks: DoctorCheck[];
  /** 0 all good, 1 warnings, 2 failures */
  exitCode: number;
}

export interface DoctorOptions {
  /** how long each host gets to answer (default 30 s) */
  hostTimeoutMs?: number;
  /** the unit file whose ReadWritePaths= must cover the home and the backup root */
  unitFile?: string;
  now?: Date;
}

export const SERVICE_UNIT_FILE = '/etc/systemd/system/pobsync.service';

export async function doctor(app: App, options: DoctorOptions = {}): Promise<DoctorReport> {
  const now = options.now ?? new Date();
  const em = app.catalogue.em();
  const settings = await loadSettings(em);
  const hosts = await em.find(HostSchema, {}, { orderBy: { name: 'asc' } });
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);

  // Tools
  const rsync = await toolState('rsync', ['--version']);
  add(
    rsync
      ? { name: 'rsync', status: 'ok', message: rsync.version }
      : { name: 'rsync', status: 'fail', message: 'rsync is not installed', fix: 'apt-get install rsync' },
  );
  const ssh = await toolState('ssh', ['-V']);
  add(
    ssh
      ? { name: 'ssh', status: 'ok', message: ssh.version }
      : { name: 'ssh', status: 'fail', message: 'ssh is not installed', fix: 'apt-get install openssh-client' },
  );
  const mailWanted = Boolean(settings.alerts?.notifyMail || hosts.some((host) => host.alerts?.notifyMail));
  const sendmail = findSendmail();
  add(
    sendmail
      ? { name: 'sendmail', status: 'ok', message: `${sendmail} (alert mail can go out)` }
      : mailWanted
        ? {
            name: 'sendmail',
            status: 'warn',
            message: 'notify-mail is set, but there is no sendmail on this server: alert mail cannot go out',
            fix: 'install an MTA: apt-get install postfix (or nullmailer, to relay through another server)',
          }
        : { name: 'sendmail', status: 'ok', message: 'not installed (only --notify-mail needs it)' },
  );

  // The catalogue
  const problems = (await quickCheck(em)).filter((line) => line !== 'ok');
  const applied = await appliedMigrations(em);
  const known = new Set(knownMigrations(em));
  const unknown = applied.filter((name) => !known.has(name));
  const checkName = app.catalogue.dialect === 'mariadb' ? 'CHECK TABLE' : "SQLite's quick_check";
  add(
    problems.length > 0
      ? {
          name: 'catalogue',
          status: 'fail',
          message: `${app.catalogue.path} failed ${checkName}: ${problems.join('; ')}`,
          fix: 'stop pobsync, copy the file away, and recreate the catalogue (pobsync discover-snapshots records the snapshots again)',
        }
      : unknown.length > 0
        ? {
            name: 'catalogue',
            status: 'warn',
            message: `${app.catalogue.path} was migrated by a newer pobsync (${unknown.join(', ')})`,
            fix: 'install that pobsync again (scripts/update-systemd)',
          }
        : {
            name: 'catalogue',
            status: 'ok',
            message: `${app.catalogue.path}: sound, ${formatCount(applied.length, 'migration')}, all current`,
          },
  );

  // The home, the backup root, the key
  add(directoryCheck('home', app.paths.home, await pathState(app.paths.home)));
  const backupRoot = backupRootOf(settings);
  if (!backupRoot) {
    add({
      name: 'backup root',
      status: 'fail',
      message: 'no backup root is configured',
      fix: 'pobsync configure-global --backup-root /srv/backups',
    });
  } else {
    const state = await pathState(backupRoot);
    if (state && !isMarkedBackupRoot(backupRoot)) {
      add({
        name: 'backup root',
        status: 'fail',
        message: `${backupRoot} lacks pobsync's marker ${BACKUP_ROOT_MARKER}: is its filesystem mounted?`,
        fix: `mount it; if the directory is right: pobsync configure-global --backup-root ${backupRoot}`,
      });
    } else {
      add(directoryCheck('backup root', backupRoot, state));
    }
  }
  add(
    await serverKeyCheck(
      app,
      hosts.some((host) => host.enabled && host.address !== LOCAL_ADDRESS),
    ),
  );
  add(await privateFilesCheck(app, installedEnvFile()));

  // Hosts, a few at a time
  const enabled = hosts.filter((host) => host.enabled);
  const hostChecks = await inBatches(enabled, 4, (host) => hostCheck(app, host, options.hostTimeoutMs ?? 30_000));
  checks.push(...hostChecks);
  if (enabled.length === 0)
    add({ name: 'hosts', status: 'warn', message: 'no enabled host', fix: 'pobsync configure-host NAME --address ... --source ...' });

  // The scheduler
  const lease = await readLease(app, now);
  const elsewhere = await daemonElsewhere(app, now);
  const scheduled = await enabledScheduleCount(em);
  if (elsewhere) {
    add({
      name: 'scheduler',
      status: 'warn',
      message:
        `the installed ${elsewhere.role} (pid ${elsewhere.pid}) uses the home ${elsewhere.home}; ` +
        `this check used ${app.paths.home} (from ${app.homeSource})`,
      fix: `run without --home and POBSYNC_HOME, or with --home ${elsewhere.home}`,
    });
  } else if (lease?.live) {
    const beat = Math.round((now.getTime() - Date.parse(lease.heartbeatAt)) / 1000);
    const otherHome = lease.home && lease.home !== app.paths.home;
    add({
      name: 'scheduler',
      status: otherHome ? 'warn' : 'ok',
      message:
        `${lease.role} pid ${lease.pid} on ${lease.node}, since ${formatTime(new Date(lease.acquiredAt))}, heartbeat ${beat}s ago, ` +
        `home ${lease.home ?? '(not recorded)'}`,
      ...(otherHome ? { fix: `it keeps its keys and logs in ${lease.home}: use the same home (--home ${lease.home})` } : {}),
    });
  } else {
    add(
      scheduled > 0
        ? {
            name: 'scheduler',
            status: 'warn',
            message:
              'nothing runs the schedules' +
              (lease
                ? ` (the last holder, ${lease.role} pid ${lease.pid}, stopped its heartbeat at ${formatTime(new Date(lease.heartbeatAt))})`
                : ''),
            fix: 'systemctl start pobsync (or run pobsync daemon)',
          }
        : { name: 'scheduler', status: 'ok', message: 'not running (no schedule is set, nothing needs it)' },
    );
  }

  // The servers of the catalogue: each one's heartbeat (another server's runs are its own to recover)
  // Up or down by the database's clock, the one heartbeats are written by.
  const servers = await listServers(app);
  if (servers.length > 1) {
    for (const server of servers.filter((one) => one.state === 'down' && !one.self)) {
      add({
        name: `server ${server.name}`,
        status: 'warn',
        message: `down: ${server.heartbeatAt ? `no heartbeat since ${formatTime(new Date(server.heartbeatAt))}` : 'it never ran a daemon'}`,
        fix: `start pobsync's daemon on ${server.name}; its hosts are backed up only there`,
      });
    }
  }

  // Runs whose process is gone
  const self = serverName();
  const stuck = (await runningRuns(em)).filter(
    (run) => (!run.server || run.server === self) && liveness({ pid: run.pid, node: run.node, pidStart: run.pid_start }) === 'dead',
  );
  add(
    stuck.length === 0
      ? { name: 'runs', status: 'ok', message: 'no run is stuck in "running"' }
      : {
          name: 'runs',
          status: 'warn',
          message:
            `${stuck.map((run) => `run #${run.id} of ${run.host}`).join(', ')} ${stuck.length === 1 ? 'is' : 'are'} still ` +
            `"running", but ${stuck.length === 1 ? 'its process is' : 'their processes are'} gone`,
          fix: `a running daemon marks them interrupted by itself; or: ${stuck.map((run) => `pobsync cancel ${run.id}`).join('; ')}`,
        },
  );

  // Snapshots: the catalogue against the disk
  if (backupRoot && isMarkedBackupRoot(backupRoot)) checks.push(...(await snapshotChecks(app, backupRoot, hosts)));

  // What the service may write
  const unitFile = options.unitFile ?? SERVICE_UNIT_FILE;
  if (existsSync(unitFile))
    add(
      unitCheck(unitFile, [
        app.paths.home,
        ...(backupRoot ? [backupRoot] : []),
        ...(settings.metricsTextfile ? [dirname(settings.metricsTextfile)] : []),
      ]),
    );
  if (settings.metricsTextfile) add(await metricsCheck(settings.metricsTextfile, now));

  const exitCode = checks.some((check) => check.status === 'fail') ? 2 : checks.some((check) => check.status === 'warn') ? 1 : 0;
  return { home: app.paths.home, catalogue: app.catalogue.path, server: serverName(), checks, exitCode };
}

/** Owned by us, 0700, with room to spare. */
function directoryCheck(name: string, path: string, state: PathState | undefined): DoctorCheck {
  if (!state) return { name, status: 'fail', message: `${path} does not exist`, fix: `mkdir -m 700 ${path}` };
  if (!state.isDirectory) return { name, status: 'fail', message: `${path} is not a directory` };
  const uid = process.getuid?.() ?? 0;
  const space = state.space;
  const freeShare = space.totalBytes > 0 ? space.freeBytes / space.totalBytes : 1;
  const inodeShare = space.totalInodes > 0 ? space.freeInodes / space.totalInodes : 1;
  const room =
    `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)} (${Math.floor(freeShare * 100)}%)` +
    (space.totalInodes > 0 ? `, ${Math.floor(inodeShare * 100)}% of inodes free` : '');
  if (Math.min(freeShare, inodeShare) < 0.02) {
    return {
      name,
      status: 'fail',
      message: `${path}: nearly full: ${room}`,
      fix: 'free some space (pobsync retention HOST --apply) or grow the filesystem',
    };
  }
  if (state.uid !== uid) {
    return {
      name,
      status: 'warn',
      message: `${path} belongs to uid ${state.uid}, not to this user (uid ${uid}); ${room}`,
      fix: `chown ${uid} ${path}`,
    };
  }
  if ((state.mode & 0o077) !== 0) {
    return {
      name,
      status: 'warn',
      message: `${path} is mode ${state.mode.toString(8).padStart(4, '0')}: others may read what is in it; ${room}`,
      fix: `chmod 700 ${path}`,
    };
  }
  if (Math.min(freeShare, inodeShare) < 0.1) {
    return {
      name,
      status: 'warn',
      message: `${path}: getting full: ${room}`,
      fix: 'free some space (pobsync retention HOST --apply) or grow the filesystem',
    };
  }
  return { name, status: 'ok', message: `${path}: owner-only (0700), ${room}` };
}

async function serverKeyCheck(app: App, needed: boolean): Promise<DoctorCheck> {
  const files = keyFiles(app.paths.keys);
  const state = await pathState(files.keyFile);
  if (!state && !needed) return { name: 'server key', status: 'ok', message: 'none yet (no host is backed up over ssh)' };
  if (!state) {
    return {
      name: 'server key',
      status: 'warn',
      message: `no server key yet (${files.keyFile})`,
      fix: 'pobsync key (creates it and prints the line for the hosts)',
    };
  }
  if ((state.mode & 0o077) !== 0) {
    return {
      name: 'server key',
      status: 'fail',
      message: `${files.keyFile} is mode ${state.mode.toString(8).padStart(4, '0')}: others can read the key (and ssh refuses it)`,
      fix: `chmod 600 ${files.keyFile}`,
    };
  }
  return { name: 'server key', status: 'ok', message: `${files.keyFile}: owner-only` };
}

/** One host: ssh with the pinned key, rsync at the other end, each source there and readable. */
async function hostCheck(app: App, host: Host, timeoutMs: number): Promise<DoctorCheck> {
  const name = `host ${host.name}`;
  const local = host.address === LOCAL_ADDRESS;
  const files = keyFiles(app.paths.keys);
  if (!local && (await pinnedKeys(files.knownHostsFile, host.name)).length === 0) {
    return {
      name,
      status: 'fail',
      message: `the host key of ${host.name} is not pinned`,
      fix: `pobsync trust-host ${host.name} (compare the fingerprint with the host's own)`,
    };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'pobsync-doctor-'));
  const args = probeArgs({
    sources: host.sources,
    destination: scratch,
    remote: local ? undefined : { target: host, files },
    restricted: host.access === 'restricted',
  });
  const result = await runCommand('rsync', args, { timeoutMs }).finally(() => rm(scratch, { recursive: true, force: true }));
  const where = local ? 'this server' : `${host.user}@${host.address} port ${host.port}`;
  if (result.code === 0) {
    return {
      name,
      status: 'ok',
      message: `${where}: rsync answers, ${formatCount(host.sources.length, 'source')} readable (${host.sources.join(' ')})`,
    };
  }
  if (result.code === null) {
    return {
      name,
      status: 'fail',
      message: `${where} did not answer within ${Math.round(timeoutMs / 1000)}s`,
      fix: `check that ${host.address} is up and reachable`,
    };
  }
  const errors = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const explained = explainSshFailure(errors.join('\n'), host.name);
  if (explained) return { name, status: 'fail', message: explained };
  const missing = [...new Set(errors.map((line) => missingSource(line, host.sources)).filter((source) => source !== undefined))];
  if (missing.length > 0) {
    return {
      name,
      status: 'fail',
      message: `source ${missing.join(', ')} does not exist on ${host.name}`,
      fix: `check the host (a filesystem not mounted?), or its sources: pobsync configure-host ${host.name} --source ...`,
    };
  }
  if (errors.some((line) => /rsync: (command )?not found|rsync: No such file or directory/.test(line))) {
    return { name, status: 'fail', message: `rsync is not installed on ${host.name}`, fix: `install it there: apt-get install rsync` };
  }
  const unreadable = errors.filter((line) => /Permission denied/.test(line));
  if (unreadable.length > 0) {
    return {
      name,
      status: 'fail',
      message: `${host.user} cannot read a source on ${host.name}: ${unreadable[0]}`,
      fix: 'back it up as root (with a restricted key: pobsync key --restricted), or give that user read access',
    };
  }
  const detail = errors.filter((line) => !line.startsWith('rsync error:')).at(-1) ?? errors.at(-1) ?? `rsync exited ${result.code}`;
  return { name, status: 'fail', message: `${where}: ${detail}` };
}

/** Records whose tree is gone, and trees the catalogue does not know, per host. */
async function snapshotChecks(app: App, backupRoot: string, hosts: Host[]): Promise<DoctorCheck[]> {
  const em = app.catalogue.em();
  const checks: DoctorCheck[] = [];
  let total = 0;
  for (const host of hosts) {
    const records = await em.find(SnapshotRecordSchema, { host: host.id, deletingAt: null, ...heldHere() }, { fields: ['name', 'path'] });
    total += records.length;
    const missing = records.filter((record) => !existsSync(record.path)).map((record) => record.name);
    const recorded = new Set(records.map((record) => record.name));
    const { snapshots } = await scanHostDir(backupRoot, host.name, recorded).catch(() => ({ snapshots: [] }));
    const unrecorded = snapshots.map((snapshot) => snapshot.name);
    if (missing.length > 0) {
      checks.push({
        name: `snapshots ${host.name}`,
        status: 'fail',
        message:
          `${formatCount(missing.length, 'snapshot')} in the catalogue ${missing.length === 1 ? 'is' : 'are'} missing on disk: ` +
          listed(missing),
        fix: `restore the directories, or forget them: ${missing
          .slice(0, 3)
          .map((name) => `pobsync snapshot delete ${host.name} ${name} --yes`)
          .join('; ')}`,
      });
    }
    if (unrecorded.length > 0) {
      checks.push({
        name: `snapshots ${host.name}`,
        status: 'warn',
        message:
          `${formatCount(unrecorded.length, 'snapshot')} on disk ${unrecorded.length === 1 ? 'is' : 'are'} not in the catalogue: ` +
          listed(unrecorded),
        fix: `pobsync discover-snapshots --host ${host.name}`,
      });
    }
  }
  if (checks.length === 0)
    checks.push({ name: 'snapshots', status: 'ok', message: `${formatCount(total, 'snapshot')}: catalogue and disk agree` });
  return checks;
}

function listed(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(' ')} and ${names.length - 5} more` : names.join(' ');
}

/** The service's ReadWritePaths= must cover where it writes: under ProtectSystem=strict nothing else is writable. */
function unitCheck(unitFile: string, needed: string[]): DoctorCheck {
  const text = readFileSync(unitFile, 'utf8');
  const writable = [...text.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((match) =>
    match[1]!
      .trim()
      .split(/\s+/)
      .map((path) => path.replace(/^-/, '')),
  );
  const uncovered = needed.filter((path) => !writable.some((allowed) => isWithin(path, allowed)));
  if (uncovered.length > 0) {
    return {
      name: 'service unit',
      status: 'fail',
      message: `${unitFile} does not let the service write ${uncovered.join(' ')} (ReadWritePaths=${writable.join(' ')})`,
      fix: `scripts/update-systemd --backup-root ${uncovered[0]} (or add the path to ReadWritePaths=, then systemctl daemon-reload)`,
    };
  }
  return { name: 'service unit', status: 'ok', message: `${unitFile} lets the service write ${needed.join(' ')}` };
}

async function metricsCheck(path: string, now: Date): Promise<DoctorCheck> {
  const dir = await pathState(dirname(path));
  if (!dir?.isDirectory) {
    return {
      name: 'metrics textfile',
      status: 'warn',
      message: `${dirname(path)} does not exist: ${path} cannot be written`,
      fix: `mkdir -p ${dirname(path)}`,
    };
  }
  const file = await stat(path).catch(() => undefined);
  const age = file ? Math.round((now.getTime() - file.mtimeMs) / 1000) : undefined;
  return {
    name: 'metrics textfile',
    status: 'ok',
    message: file ? `${path}, written ${age}s ago` : `${path} (not written yet: the daemon writes it after its first minute)`,
  };
}

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}
