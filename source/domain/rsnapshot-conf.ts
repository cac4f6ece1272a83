/**
 * rsnapshot's configuration, read as rsnapshot reads it (rsnapshot(1)): tab-separated fields,
 * `#` comments, continuation lines that start with a space or tab; and translated into pobsync
 * hosts. Pure: the caller reads the files (the config, include_conf, exclude_file, scripts) and
 * passes their text in. Whatever has no pobsync equivalent is reported with its place, never
 * dropped silently.
 *
 * Backup points become hosts: an ssh point (`[user@]host:/path/`) belongs to the host of that
 * user, address and port; a local point (`/path/`) to a local host named after the first
 * component of its destination (`localhost/` -> localhost). A host is named after the first
 * component of its points' destination when that is its own, else after its address.
 */
import { posix } from 'node:path';
import { UserError } from './errors.js';
import type { DumpCommand } from './types.js';
import {
  describe,
  LOCAL_ADDRESS,
  validateAbsolutePath,
  validateAddress,
  validateDumpName,
  validateExcludes,
  validateHostName,
  validatePort,
  validateRsyncArgs,
  validateUser,
} from './validation.js';

/** One directive: its fields, and where it is (`/etc/rsnapshot.conf:12`). */
export interface ConfLine {
  where: string;
  fields: string[];
}

/** Something the translation could not carry over, and why. */
export interface RsnapshotIssue {
  where: string;
  text: string;
  reason: string;
}

/**
 * Splits a configuration file into directives. Continuation lines (starting with a space or a
 * tab) are joined to the line before with a tab, as rsnapshot does.
 */
export function splitRsnapshotConf(text: string, file: string): { lines: ConfLine[]; issues: RsnapshotIssue[] } {
  const lines: ConfLine[] = [];
  const issues: RsnapshotIssue[] = [];
  const joined: { number: number; text: string }[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^[ \t]/.test(line) && line.trim() !== '' && joined.length > 0) {
      joined.at(-1)!.text += `\t${line.trim()}`;
    } else {
      joined.push({ number: index + 1, text: line });
    }
  });
  for (const { number, text: line } of joined) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const where = `${file}:${number}`;
    const fields = line.split(/\t+/).filter((field, index) => index === 0 || field !== '');
    if (fields.length < 2) {
      issues.push({ where, text: line, reason: 'its fields are not separated by tabs (rsnapshot refuses it too)' });
      continue;
    }
    lines.push({ where, fields });
  }
  return { lines, issues };
}

/** rsnapshot directives that only concern rsnapshot itself: nothing to translate. */
const RSNAPSHOT_ONLY = new Set([
  'config_version',
  'no_create_root',
  'cmd_rsync',
  'cmd_ssh',
  'cmd_cp',
  'cmd_rm',
  'cmd_logger',
  'cmd_du',
  'cmd_rsnapshot_diff',
  'verbose',
  'loglevel',
  'logfile',
  'lockfile',
  'stop_on_stale_lockfile',
  'du_args',
  'link_dest',
  'use_lazy_deletes',
  'sync_first',
  'rsync_numtries',
  'linux_lvm_cmd_lvcreate',
  'linux_lvm_cmd_lvremove',
  'linux_lvm_cmd_mount',
  'linux_lvm_cmd_umount',
  'linux_lvm_snapshotsize',
  'linux_lvm_snapshotname',
  'linux_lvm_vgpath',
  'linux_lvm_mountpath',
]);

/** rsync's defaults in rsnapshot when the config does not set them. */
export const RSNAPSHOT_DEFAULT_LONG_ARGS = ['--delete', '--numeric-ids', '--relative', '--delete-excluded'];
export const RSNAPSHOT_DEFAULT_SHORT_ARGS = '-a';

/** Long options pobsync always gives rsync itself: nothing to carry over. */
const POBSYNC_LONG_OPTIONS = new Set([
  '--delete',
  '--numeric-ids',
  '--relative',
  '--delete-excluded',
  '--archive',
  '--recursive',
  '--links',
  '--perms',
  '--times',
  '--group',
  '--owner',
  '--devices',
  '--specials',
  '--hard-links',
  '--acls',
  '--xattrs',
  '--partial',
  '--protect-args',
  '--secluded-args',
  '--itemize-changes',
  '--verbose',
  '--quiet',
  '--stats',
  '--progress',
  '--human-readable',
]);

/** Letters of -a and the others pobsync sets (-aHAX, --relative), and verbosity. */
const POBSYNC_SHORT_OPTIONS = new Set([...'arlptgoDHAXRvqhP']);

export interface RsnapshotPoint {
  /** the source path on its host, as pobsync writes sources (`/etc`) */
  source: string;
  /** rsnapshot's destination below each tree, without the trailing slash (`localhost`, `web1/etc`) */
  dest: string;
  /** --relative: the source's full path sits below dest (`localhost/etc/...`); else its contents are dest */
  relative: boolean;
  where: string;
}

export interface RsnapshotHost {
  name: string;
  address: string;
  user: string;
  port: number;
  sources: string[];
  excludes: string[];
  rsyncArgs: string[];
  dumps: DumpCommand[];
  points: RsnapshotPoint[];
  /** where its first backup line is, for messages */
  where: string;
}

export interface RsnapshotInterval {
  name: string;
  count: number;
  where: string;
}

export interface RsnapshotTranslation {
  snapshotRoot: string | null;
  /** `retain` (or `interval`) levels, most frequent first */
  intervals: RsnapshotInterval[];
  hosts: RsnapshotHost[];
  /** destinations of backup scripts: left in rsnapshot's trees */
  scriptDests: string[];
  untranslated: RsnapshotIssue[];
  /** assumptions made, which an admin should read (a user pobsync chose, options applied host-wide) */
  notes: string[];
}

/** Files the translation needs to read: exclude files (also --exclude-from), and the scripts of backup_script lines. */
export function filesToRead(lines: readonly ConfLine[]): string[] {
  const files = new Set<string>();
  const scan = (tokens: readonly string[]) =>
    tokens.forEach((token, index) => {
      if (token.startsWith('--exclude-from=')) files.add(unquote(token.slice('--exclude-from='.length)));
      else if (token === '--exclude-from' && tokens[index + 1] !== undefined) files.add(tokens[index + 1]!);
    });
  for (const { fields } of lines) {
    const [directive, value = ''] = fields;
    if (directive === 'exclude_file') files.add(value);
    if (directive === 'backup_script') files.add(value.trim().split(/\s+/)[0]!);
    if (directive === 'rsync_long_args') scan(splitArgs(fields.slice(1).join(' ')));
    if (directive === 'backup' && fields[3]) {
      for (const option of fields[3].split(',')) {
        const split = option.indexOf('=');
        const key = option.slice(0, split).trim();
        const optionValue = option.slice(split + 1).trim();
        if (split < 0) continue;
        if (key === 'exclude_file') files.add(optionValue);
        if (key === 'rsync_long_args' || key === '+rsync_long_args') scan(splitArgs(optionValue));
      }
    }
  }
  return [...files];
}

/** What rsync args amount to for pobsync: excludes, extra args, and what has no place. */
interface ArgsTranslation {
  excludes: string[];
  rsyncArgs: string[];
  relative: boolean;
  issues: RsnapshotIssue[];
}

interface Context {
  files: ReadonlyMap<string, string | null>;
  issues: RsnapshotIssue[];
  notes: string[];
}

/**
 * The hosts and intervals of an rsnapshot configuration (include_conf already expanded by the
 * caller). `files` holds the text of the files filesToRead names (null: could not be read).
 */
export function translateRsnapshot(lines: readonly ConfLine[], files: ReadonlyMap<string, string | null>): RsnapshotTranslation {
  const context: Context = { files, issues: [], notes: [] };
  const issue = (line: ConfLine, reason: string) => context.issues.push({ where: line.where, text: line.fields.join('\t'), reason });
  let snapshotRoot: string | null = null;
  const intervals: RsnapshotInterval[] = [];
  let longArgs: { tokens: string[]; line: ConfLine | null } = { tokens: RSNAPSHOT_DEFAULT_LONG_ARGS, line: null };
  let shortArgs: { value: string; line: ConfLine | null } = { value: RSNAPSHOT_DEFAULT_SHORT_ARGS, line: null };
  let sshArgs: { tokens: string[]; line: ConfLine | null } = { tokens: [], line: null };
  let oneFs = false;
  const globalExcludes: string[] = [];
  const backups: ConfLine[] = [];
  const scripts: ConfLine[] = [];

  // rsnapshot reads the whole file before it runs: global settings apply to every backup point,
  // whether they come before or after it.
  for (const line of lines) {
    const [directive, ...values] = line.fields as [string, ...string[]];
    const value = values[0] ?? '';
    switch (directive) {
      case 'snapshot_root':
        snapshotRoot = value.length > 1 ? value.replace(/\/+$/, '') : value;
        break;
      case 'retain':
      case 'interval': {
        const count = Number(values[1]);
        if (!/^[A-Za-z0-9_-]+$/.test(value) || !Number.isInteger(count) || count < 1) issue(line, 'not a level name and a count');
        else intervals.push({ name: value, count, where: line.where });
        break;
      }
      case 'rsync_long_args':
        longArgs = { tokens: splitArgs(values.join(' ')), line };
        break;
      case 'rsync_short_args':
        shortArgs = { value: value.trim(), line };
        break;
      case 'ssh_args':
        sshArgs = { tokens: splitArgs(values.join(' ')), line };
        break;
      case 'one_fs':
        oneFs = value.trim() === '1';
        break;
      case 'exclude':
        globalExcludes.push(...checkedExcludes([value], line, context));
        break;
      case 'exclude_file':
        globalExcludes.push(...excludeFile(value, line, context));
        break;
      case 'include':
      case 'include_file':
        issue(line, 'pobsync has no include rules, only excludes: list what to back up as sources instead');
        break;
      case 'backup':
        backups.push(line);
        break;
      case 'backup_script':
        scripts.push(line);
        break;
      case 'backup_exec':
        issue(line, 'pobsync runs no commands of its own around a backup: run it from cron, or as a dump on a host');
        break;
      case 'cmd_preexec':
      case 'cmd_postexec':
        issue(line, 'pobsync has no pre- or post-backup commands: a dump command on the host runs before its files are pulled');
        break;
      case 'include_conf':
        issue(line, 'include_conf is expanded before translation: this one could not be');
        break;
      default:
        if (!RSNAPSHOT_ONLY.has(directive)) issue(line, `unknown directive ${describe(directive)}`);
    }
  }

  const groups = new Map<string, Group>();
  const defaults = translateArgs(longArgs.tokens, shortArgs.value, longArgs.line ?? shortArgs.line, context);
  let globalSsh: { port: number } | undefined;
  for (const line of backups) {
    const [, rawSource = '', rawDest = '', options] = line.fields;
    const dest = checkDest(rawDest, line, context);
    const source = parseSource(rawSource, line, context);
    if (dest === undefined || source === undefined) continue;
    const pointOptions = parseOptions(options, line, context);
    const base =
      pointOptions.longArgs !== undefined || pointOptions.shortArgs !== undefined
        ? translateArgs(pointOptions.longArgs ?? longArgs.tokens, pointOptions.shortArgs ?? shortArgs.value, line, context)
        : defaults;
    const extra = translateArgs(pointOptions.moreLongArgs, pointOptions.moreShortArgs, line, context, base.relative);
    const args = {
      excludes: [...base.excludes, ...extra.excludes],
      rsyncArgs: [...base.rsyncArgs, ...extra.rsyncArgs],
      relative: extra.relative,
    };
    const excludes = [...globalExcludes, ...args.excludes, ...pointOptions.excludes];
    const rsyncArgs = [...args.rsyncArgs];
    if (pointOptions.oneFs ?? oneFs) rsyncArgs.push('--one-file-system');

    let address = LOCAL_ADDRESS;
    let user = 'root';
    let port = 22;
    if (source.remote) {
      // The global ssh_args are translated (and their issues reported) once, not once per point.
      globalSsh ??= translateSshArgs(sshArgs.tokens, sshArgs.line ?? line, context);
      const ssh = pointOptions.sshArgs ? translateSshArgs(pointOptions.sshArgs, line, context) : globalSsh;
      try {
        address = validateAddress(source.remote.address);
        user = source.remote.user === undefined ? 'root' : validateUser(source.remote.user);
        port = ssh.port;
      } catch (error) {
        issue(line, reasonOf(error));
        continue;
      }
      if (source.remote.user === undefined) {
        context.notes.push(`${line.where}: no user given for ${source.remote.address}; pobsync logs in as root (rsnapshot let ssh choose)`);
      }
    }
    const key = source.remote ? `${user}@${address}:${port}` : `local:${dest.split('/')[0]!.toLowerCase()}`;
    let group = groups.get(key);
    if (!group) {
      group = { address, user, port, points: [], excludes: [], rsyncArgs: [], lines: [] };
      groups.set(key, group);
    }
    if (options) group.pointOptions = true;
    group.points.push({ source: source.path, dest, relative: args.relative, where: line.where });
    group.lines.push(line);
    for (const exclude of excludes) if (!group.excludes.includes(exclude)) group.excludes.push(exclude);
    for (const arg of rsyncArgs) if (!group.rsyncArgs.includes(arg)) group.rsyncArgs.push(arg);
  }

  const hosts = nameHosts([...groups.values()], context);
  const scriptDests = scripts.map((line) => translateScript(line, hosts, context)).filter((dest): dest is string => dest !== undefined);
  for (const group of groups.values()) {
    const host = hosts.find((candidate) => candidate.points === group.points);
    if (host && group.pointOptions && new Set(group.points.map((point) => point.source)).size > 1) {
      context.notes.push(`host ${host.name}: options of single backup points (excludes, rsync args) apply to all its sources in pobsync`);
    }
  }
  return { snapshotRoot, intervals, hosts, scriptDests, untranslated: context.issues, notes: context.notes };
}

/** The backup points of one machine (a user, address and port; or a local destination). */
interface Group {
  address: string;
  user: string;
  port: number;
  points: RsnapshotPoint[];
  excludes: string[];
  rsyncArgs: string[];
  lines: ConfLine[];
  /** some of its backup lines have options of their own */
  pointOptions?: boolean;
}

function nameHosts(groups: Group[], context: Context): RsnapshotHost[] {
  const firstComponent = (group: Group) => {
    const components = new Set(group.points.map((point) => point.dest.split('/')[0]!.toLowerCase()));
    return components.size === 1 ? [...components][0]! : undefined;
  };
  const claims = new Map<string, number>();
  for (const group of groups) {
    const name = firstComponent(group);
    if (name !== undefined) claims.set(name, (claims.get(name) ?? 0) + 1);
  }
  const hosts: RsnapshotHost[] = [];
  // A local host has no address to fall back on: a destination it shares with a remote one is its name.
  const local = (group: Group) => group.address === LOCAL_ADDRESS;
  const localClaims = new Set(groups.filter(local).map(firstComponent));
  for (const group of [...groups.filter(local), ...groups.filter((group) => !local(group))]) {
    const own = firstComponent(group);
    const ownIsFree = own !== undefined && (local(group) || (claims.get(own) === 1 && !localClaims.has(own)));
    const candidates = [ownIsFree ? own : undefined, local(group) ? undefined : group.address.toLowerCase()];
    const name = candidates.find(
      (candidate) => candidate !== undefined && isHostName(candidate) && !hosts.some((host) => host.name === candidate),
    );
    const first = group.lines[0]!;
    if (name === undefined) {
      for (const line of group.lines) {
        context.issues.push({
          where: line.where,
          text: line.fields.join('\t'),
          reason:
            `no pobsync host name for it: its destination ${describe(group.points[0]!.dest)} and its address are taken or ` +
            'not host names',
        });
      }
      continue;
    }
    const sources = [...new Set(group.points.map((point) => point.source))];
    hosts.push({
      name,
      address: group.address,
      user: group.user,
      port: group.port,
      sources,
      excludes: group.excludes,
      rsyncArgs: group.rsyncArgs,
      dumps: [],
      points: group.points,
      where: first.where,
    });
  }
  return hosts;
}

function isHostName(name: string): boolean {
  try {
    validateHostName(name);
    return true;
  } catch {
    return false;
  }
}

function checkDest(raw: string, line: ConfLine, context: Context): string | undefined {
  const dest = raw.trim().replace(/\/+$/, '');
  if (dest === '' || dest.startsWith('/') || dest.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    context.issues.push({
      where: line.where,
      text: line.fields.join('\t'),
      reason: `destination ${describe(raw)} is not a relative path like localhost/`,
    });
    return undefined;
  }
  return dest;
}

function parseSource(
  raw: string,
  line: ConfLine,
  context: Context,
): { path: string; remote?: { user: string | undefined; address: string } } | undefined {
  const fail = (reason: string) => {
    context.issues.push({ where: line.where, text: line.fields.join('\t'), reason });
    return undefined;
  };
  if (raw.startsWith('rsync://') || /^[^/]*::/.test(raw))
    return fail('pobsync pulls over ssh, not from rsync daemons: back the host up over ssh');
  if (raw.startsWith('lvm://'))
    return fail('pobsync does not take LVM snapshots: back up the mounted filesystem, or snapshot it in a dump command');
  const path = (text: string) => {
    const trimmed = text.length > 1 ? text.replace(/\/+$/, '') : text;
    try {
      return validateAbsolutePath('source', trimmed);
    } catch (error) {
      fail(reasonOf(error));
      return undefined;
    }
  };
  if (raw.startsWith('/')) {
    const local = path(raw);
    return local === undefined ? undefined : { path: local };
  }
  const match = /^(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+):(.*)$/.exec(raw);
  if (!match) return fail(`source ${describe(raw)} is neither a local path nor [user@]host:/path`);
  const [, user, host, remotePath = ''] = match;
  if (!remotePath.startsWith('/')) return fail(`source ${describe(raw)} is relative to the user's home: give the absolute path`);
  const remote = path(remotePath);
  return remote === undefined ? undefined : { path: remote, remote: { user, address: host!.replace(/^\[(.*)\]$/, '$1') } };
}

interface PointOptions {
  longArgs?: string[];
  moreLongArgs: string[];
  shortArgs?: string;
  moreShortArgs: string;
  sshArgs?: string[];
  oneFs?: boolean;
  excludes: string[];
}

function parseOptions(raw: string | undefined, line: ConfLine, context: Context): PointOptions {
  const options: PointOptions = { moreLongArgs: [], moreShortArgs: '', excludes: [] };
  if (!raw) return options;
  for (const option of raw.split(',')) {
    const split = option.indexOf('=');
    const key = (split < 0 ? option : option.slice(0, split)).trim();
    const value = split < 0 ? '' : option.slice(split + 1).trim();
    const issue = (reason: string) => context.issues.push({ where: line.where, text: option.trim(), reason });
    switch (key) {
      case 'one_fs':
        options.oneFs = value === '1';
        break;
      case 'rsync_long_args':
        options.longArgs = splitArgs(value);
        break;
      case '+rsync_long_args':
        options.moreLongArgs.push(...splitArgs(value));
        break;
      case 'rsync_short_args':
        options.shortArgs = value;
        break;
      case '+rsync_short_args':
        options.moreShortArgs += value;
        break;
      case 'ssh_args':
        options.sshArgs = splitArgs(value);
        break;
      case 'exclude':
        options.excludes.push(...checkedExcludes([value], line, context));
        break;
      case 'exclude_file':
        options.excludes.push(...excludeFile(value, line, context));
        break;
      case 'include':
      case 'include_file':
        issue('pobsync has no include rules, only excludes');
        break;
      default:
        issue(`backup point option ${describe(key)} has no pobsync equivalent`);
    }
  }
  return options;
}

function translateArgs(
  longTokens: readonly string[],
  short: string,
  line: ConfLine | null,
  context: Context,
  relative = false,
): ArgsTranslation {
  const result: ArgsTranslation = { excludes: [], rsyncArgs: [], relative, issues: [] };
  const issue = (text: string, reason: string) => context.issues.push({ where: line?.where ?? '(rsnapshot defaults)', text, reason });
  let index = 0;
  const next = () => {
    index += 1;
    return longTokens[index];
  };
  for (; index < longTokens.length; index += 1) {
    const token = longTokens[index]!;
    const [name, ...rest] = token.split('=');
    const value = rest.length > 0 ? unquote(rest.join('=')) : undefined;
    if (token === '--relative') result.relative = true;
    else if (token === '--no-relative') result.relative = false;
    else if (POBSYNC_LONG_OPTIONS.has(token)) continue;
    else if (name === '--exclude') {
      const pattern = value ?? next();
      if (pattern !== undefined) result.excludes.push(...checkedExcludes([unquote(pattern)], line, context));
    } else if (name === '--exclude-from') {
      const file = value ?? next();
      if (file !== undefined) result.excludes.push(...excludeFile(unquote(file), line, context));
    } else if (name === '--include' || name === '--include-from' || name === '--filter') {
      issue(token, 'pobsync has no include or filter rules, only excludes');
    } else {
      try {
        result.rsyncArgs.push(...validateRsyncArgs([token]));
      } catch (error) {
        issue(token, reasonOf(error));
      }
    }
  }
  for (const letter of short.replace(/^-/, '')) {
    if (letter === 'R') result.relative = true;
    else if (POBSYNC_SHORT_OPTIONS.has(letter)) continue;
    else if (letter === 'x') result.rsyncArgs.push('--one-file-system');
    else {
      try {
        result.rsyncArgs.push(...validateRsyncArgs([`-${letter}`]));
      } catch (error) {
        issue(`-${letter}`, reasonOf(error));
      }
    }
  }
  result.rsyncArgs = [...new Set(result.rsyncArgs)];
  return result;
}

function translateSshArgs(tokens: readonly string[], line: ConfLine, context: Context): { port: number } {
  let port = 22;
  let index = 0;
  const next = () => {
    index += 1;
    return tokens[index];
  };
  for (; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    let portText: string | undefined;
    if (token === '-p') portText = next() ?? '';
    else if (/^-p\d+$/.test(token)) portText = token.slice(2);
    else if (/^-oPort=/i.test(token)) portText = token.slice('-oPort='.length);
    else if (token === '-o' && /^Port=/i.test(tokens[index + 1] ?? '')) portText = next()!.slice('Port='.length);
    if (portText !== undefined) {
      try {
        port = validatePort(portText);
      } catch (error) {
        context.issues.push({ where: line.where, text: `ssh port ${portText}`, reason: reasonOf(error) });
      }
      continue;
    }
    const value = ['-i', '-o', '-F', '-l', '-J', '-c', '-m', '-b'].includes(token) ? ` ${next() ?? ''}` : '';
    context.issues.push({
      where: line.where,
      text: `ssh ${token}${value}`,
      reason: 'pobsync runs ssh with its own key, its own known_hosts and BatchMode: only the port carries over',
    });
  }
  return { port };
}

/**
 * A backup_script becomes a dump when its output is its data (it writes to standard output):
 * the dump runs on the host whose directory it writes into, which must be a local host, as
 * the script ran on this server. A script that writes files (rsnapshot's way) is reported.
 */
function translateScript(line: ConfLine, hosts: RsnapshotHost[], context: Context): string | undefined {
  const [, command = '', rawDest = ''] = line.fields;
  const issue = (reason: string) => context.issues.push({ where: line.where, text: line.fields.join('\t'), reason });
  const dest = checkDest(rawDest, line, context);
  if (dest === undefined) return undefined;
  const script = command.trim().split(/\s+/)[0]!;
  const output = scriptOutput(context.files.get(script) ?? null);
  if (output.kind !== 'stdout') {
    issue(
      output.kind === 'files'
        ? `the script writes files (${describe(output.evidence)}), and a pobsync dump is one command's standard output: ` +
            'add a dump with "pobsync configure-host HOST --dump NAME=COMMAND" whose command prints the data'
        : `${output.reason}: add a dump by hand with "pobsync configure-host HOST --dump NAME=COMMAND"`,
    );
    return dest;
  }
  const components = dest.split('/');
  const host = hosts.find((candidate) => candidate.points.some((point) => point.dest.split('/')[0] === components[0]));
  if (!host || host.address !== LOCAL_ADDRESS) {
    const why = host ? `host ${host.name} is not local` : `no local backup point writes to ${components[0]}/`;
    issue(
      `the script runs on this server, and ${why}: a pobsync dump runs on its host; add it to the host whose data it dumps, ` +
        'with a command that runs there',
    );
    return dest;
  }
  const name = components.length > 1 ? components.at(-1)! : posix.basename(script);
  try {
    validateDumpName(name);
  } catch (error) {
    issue(reasonOf(error));
    return dest;
  }
  if (host.dumps.some((dump) => dump.name === name)) issue(`host ${host.name} already has a dump named ${name}`);
  else host.dumps.push({ name, command: command.trim() });
  return dest;
}

/**
 * Whether a script's output is its data: `files` when it writes into a file itself (a `>`
 * redirection to a file, tee, cp, mv, dd of=, --file, --output, --result-file), else `stdout`.
 */
export function scriptOutput(
  text: string | null,
): { kind: 'stdout' } | { kind: 'files'; evidence: string } | { kind: 'unknown'; reason: string } {
  if (text === null) return { kind: 'unknown', reason: 'the script cannot be read' };
  if (text.includes('\0')) return { kind: 'unknown', reason: 'the script is not a text file' };
  const writesFile =
    /(^|[^0-9&<>-])&?>>?\s*(?!&|\/dev\/(null|stdout|stderr)\b)[^\s;|&)]|\b(tee|cp|mv)\s|\bdd\b[^\n]*\bof=|--(file|output|result-file)[=\s]/;
  for (const line of text.split('\n')) {
    const code = line.trim();
    if (code === '' || code.startsWith('#')) continue;
    if (writesFile.test(code)) return { kind: 'files', evidence: code };
  }
  return { kind: 'stdout' };
}

function excludeFile(path: string, line: ConfLine | null, context: Context): string[] {
  const text = context.files.get(path);
  if (text === undefined || text === null) {
    context.issues.push({ where: line?.where ?? '', text: path, reason: 'the exclude file cannot be read' });
    return [];
  }
  const patterns: string[] = [];
  for (const raw of text.split('\n')) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#') || entry.startsWith(';')) continue;
    if (entry.startsWith('+ ') || entry === '!') {
      context.issues.push({ where: path, text: entry, reason: 'pobsync has no include rules, only excludes' });
      continue;
    }
    patterns.push(entry.startsWith('- ') ? entry.slice(2) : entry);
  }
  return checkedExcludes(patterns, line, context);
}

function checkedExcludes(patterns: readonly string[], line: ConfLine | null, context: Context): string[] {
  return patterns.filter((pattern) => {
    try {
      validateExcludes([pattern]);
      return true;
    } catch (error) {
      context.issues.push({ where: line?.where ?? '', text: pattern, reason: reasonOf(error) });
      return false;
    }
  });
}

/** rsnapshot's argument splitting: spaces, with single or double quotes around a value. */
export function splitArgs(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) tokens.push(current);
  return tokens;
}

function unquote(text: string): string {
  return /^(["']).*\1$/.test(text) ? text.slice(1, -1) : text;
}

function reasonOf(error: unknown): string {
  if (error instanceof UserError) return error.message;
  throw error;
}

export interface ScheduleSuggestion {
  /** when the most frequent level ran: pobsync backs up then */
  cron: string;
  /** where the cron expression comes from */
  cronFrom: 'crontab' | 'guess';
  /** retention flags that keep what the levels kept: --keep-daily 7 ... */
  retentionFlags: string[];
  explanation: string;
}

/** Debian's example crontab for rsnapshot (/etc/cron.d/rsnapshot), by level: the usual timing. */
const USUAL_CRON = ['0 */4 * * *', '30 3 * * *', '0 3 * * 1', '30 2 1 * *'];

/**
 * The schedule and retention that do what rsnapshot's levels did: the first level's time (from
 * rsnapshot's crontab when it has a line for it, else Debian's example crontab) and one keep
 * rule per level, chosen by how often the level ran.
 */
export function suggestSchedule(intervals: readonly RsnapshotInterval[], crontab: ReadonlyMap<string, string>): ScheduleSuggestion | null {
  const first = intervals[0];
  if (!first) return null;
  const timing = intervals.map((interval, index) => ({ interval, cron: crontab.get(interval.name) ?? USUAL_CRON[index] }));
  const flags: string[] = [];
  const counts = new Map<string, number>();
  for (const { interval, cron } of timing) {
    const rule = cron === undefined ? 'keep-last' : keepRuleOf(cron);
    counts.set(rule, (counts.get(rule) ?? 0) + interval.count);
  }
  for (const [rule, count] of counts) flags.push(`--${rule}`, String(count));
  const cron = timing[0]!.cron ?? USUAL_CRON[0]!;
  return {
    cron,
    cronFrom: crontab.has(first.name) ? 'crontab' : 'guess',
    retentionFlags: flags,
    explanation:
      `rsnapshot kept ${intervals.map((interval) => `${interval.count} ${interval.name}`).join(', ')}; ` +
      `${first.name} ran ${crontab.has(first.name) ? 'at' : 'presumably at'} "${cron}"`,
  };
}

/** The keep rule for snapshots taken on a cron expression: hourly, daily, weekly, monthly or yearly. */
function keepRuleOf(cron: string): string {
  const [, hour = '*', day = '*', month = '*', weekday = '*'] = cron.trim().split(/\s+/);
  if (/[*/,-]/.test(hour)) return 'keep-hourly';
  if (month !== '*') return 'keep-yearly';
  if (day !== '*') return 'keep-monthly';
  if (weekday !== '*') return 'keep-weekly';
  return 'keep-daily';
}

/**
 * Cron lines that run rsnapshot with this configuration (`-c FILE`, or none for the default
 * /etc/rsnapshot.conf): level name -> its cron expression. Commented lines do not count.
 */
export function rsnapshotCrontab(text: string, configFile: string, defaultConfig = '/etc/rsnapshot.conf'): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[0]!.startsWith('#') || /^[A-Za-z_]+=/.test(fields[0]!)) continue;
    // A system crontab has a user before the command; a user's crontab has not.
    const command = fields.slice(5);
    const at = command.findIndex((word) => /(^|\/)rsnapshot$/.test(word));
    if (at < 0) continue;
    const args = command.slice(at + 1);
    const config = args.includes('-c') ? args[args.indexOf('-c') + 1] : defaultConfig;
    const level = args.filter((word, index) => !word.startsWith('-') && args[index - 1] !== '-c').at(-1);
    if (config === configFile && level) found.set(level, fields.slice(0, 5).join(' '));
  }
  return found;
}
