/**
 * Input checks shared by every boundary (CLI flags, TUI forms). Each returns the normalized
 * value or throws a UserError that names the field and says what is allowed.
 */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { UserError } from './errors.js';
import { type DumpCommand, HOST_ACCESS, type HostAccess } from './types.js';

const HOST_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** A plain file name: no slash, not hidden, not an option, nothing a shell or rsync reads specially. */
const DUMP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;
/** Characters that make a path mean more than itself to rsync or a shell glob. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const GLOB_OR_CONTROL = /[*?[\]\x00-\x1f\x7f]/;
/** What would split one value into two lines (or end a C string) on its way to rsync or a shell. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for
const LINE_BREAK_OR_NUL = /[\r\n\x00]/;

/** The address that means "this server": rsync copies locally, without ssh. */
export const LOCAL_ADDRESS = 'local';

export function validateHostName(value: string | undefined): string {
  // `pobsync backup` with the host forgotten: say that, not that "" is a bad name.
  if (value === undefined || value === '') throw new UserError('a host name is needed here: "pobsync hosts" lists them');
  if (!HOST_NAME.test(value)) {
    throw new UserError(
      `host name ${describe(value)} is not allowed: use 1-63 lowercase letters, digits, dots and dashes, starting with a letter or digit`,
    );
  }
  return value;
}

const SERVER_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/** A pobsync server's name, as POBSYNC_SERVER_NAME or `--server` gives it. */
export function validateServerName(value: string | undefined, field = 'server name'): string {
  if (value === undefined || !SERVER_NAME.test(value)) {
    throw new UserError(
      `${field} ${describe(value)} is not allowed: use 1-63 lowercase letters, digits, dots and dashes, starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * The server name a machine takes when none is configured: its hostname's first label, lowercase,
 * made a valid server name (a character a name cannot have, like "_", becomes "-"); "localhost"
 * when nothing of it is left. Validated as a configured name is, so the catalogue never holds a
 * name that `--server` would refuse.
 */
export function serverNameFromHostname(hostname: string): string {
  const label = (hostname.toLowerCase().split('.')[0] ?? '')
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return validateServerName(label === '' ? 'localhost' : label, 'server name from the hostname');
}

export function validateAddress(value: string | undefined): string {
  const address = value?.trim() ?? '';
  if (address === LOCAL_ADDRESS) return address;
  if (address.startsWith('-') || address === '' || !(isIP(address) !== 0 || DNS_NAME.test(address))) {
    throw new UserError(`address ${describe(value)} is not allowed: use a hostname, an IPv4 or IPv6 address, or "local" for this server`);
  }
  return address;
}

export function validateUser(value: string | undefined): string {
  if (value === undefined || !UNIX_USER.test(value)) {
    throw new UserError(
      `user ${describe(value)} is not allowed: use a Unix user name (lowercase letters, digits, _ and -, starting with a letter or _)`,
    );
  }
  return value;
}

export function validatePort(value: number | string | undefined): number {
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`port ${describe(value)} is not allowed: use a whole number from 1 to 65535`);
  }
  return port;
}

/**
 * An absolute, normalized path without "..": what the admin typed is exactly what is copied,
 * so two spellings of one directory can never become two trees in a snapshot.
 */
export function validateAbsolutePath(field: string, value: string | undefined): string {
  const path = value ?? '';
  const problem =
    path === ''
      ? 'it is empty'
      : !path.startsWith('/')
        ? 'it is not absolute'
        : path.split('/').includes('..')
          ? 'it contains ".."'
          : GLOB_OR_CONTROL.test(path)
            ? 'it contains a wildcard or control character'
            : path !== '/' && (posix.normalize(path) !== path || path.endsWith('/'))
              ? `it is not normalized (write ${posix.normalize(path).replace(/(.)\/$/, '$1')})`
              : undefined;
  if (problem) {
    throw new UserError(`${field} ${describe(value)} is not allowed: ${problem}; use an absolute path like /etc`);
  }
  return path;
}

export function validateSources(values: readonly string[]): string[] {
  if (values.length === 0) {
    throw new UserError('sources are missing: give at least one with --source /path');
  }
  const sources = values.map((value) => validateAbsolutePath('source', value));
  return [...new Set(sources)];
}

export function validateBackupRoot(value: string | undefined): string {
  const root = validateAbsolutePath('backup root', value);
  if (root === '/') {
    throw new UserError('backup root "/" is not allowed: use a directory of its own, like /srv/backups');
  }
  return root;
}

export function validateExcludes(values: readonly string[]): string[] {
  for (const value of values) {
    if (value.trim() === '' || LINE_BREAK_OR_NUL.test(value)) {
      throw new UserError(`exclude ${describe(value)} is not allowed: use a non-empty rsync pattern on one line`);
    }
  }
  return [...values];
}

export { validateRsyncArgs } from './rsync-options.js';

export function validateDumpName(value: string | undefined, field = 'dump name'): string {
  if (value === undefined || !DUMP_NAME.test(value)) {
    throw new UserError(
      `${field} ${describe(value)} is not allowed: a dump name is a plain file name of letters, digits, dots, dashes, underscores ` +
        `and +, like app.sql.gz`,
    );
  }
  return value;
}

/**
 * `--dump NAME=COMMAND`, as given: the name before the first "=", the command after it, kept
 * exactly as written (it goes to the host's shell as one argument).
 */
export function validateDumps(values: readonly string[]): DumpCommand[] {
  const dumps: DumpCommand[] = [];
  for (const value of values) {
    const split = value.indexOf('=');
    if (split <= 0) {
      throw new UserError(`dump ${describe(value)} is not allowed: give it as NAME=COMMAND, like app.sql.gz='pg_dump -Fc app'`);
    }
    const name = validateDumpName(value.slice(0, split));
    const command = value.slice(split + 1);
    if (command.trim() === '' || LINE_BREAK_OR_NUL.test(command)) {
      throw new UserError(
        `dump command ${describe(command)} of ${name} is not allowed: give a non-empty command on one line, like pg_dump -Fc app`,
      );
    }
    if (dumps.some((dump) => dump.name === name)) {
      throw new UserError(`dump name ${describe(name)} is given twice: each dump needs a name of its own`);
    }
    dumps.push({ name, command });
  }
  return dumps;
}

export function validateAccess(value: string | undefined): HostAccess {
  if (!HOST_ACCESS.includes(value as HostAccess)) {
    throw new UserError(
      `access ${describe(value)} is not allowed: use full (pobsync's key may run commands) or restricted (it may only run rrsync -ro)`,
    );
  }
  return value as HostAccess;
}

/**
 * What a host may be asked to do with the access pobsync's key has there: a restricted key runs
 * only a read-only rsync, so it can take no dump (a command) and no restore (a write).
 */
export function checkAccess(host: { name: string; address: string; access: HostAccess; dumps: readonly DumpCommand[] }): void {
  if (host.access !== 'restricted') return;
  if (host.address === LOCAL_ADDRESS) {
    throw new UserError(`access restricted is not allowed for ${host.name}: a local host is copied without ssh, so no key is involved`);
  }
  if (host.dumps.length > 0) {
    throw new UserError(
      `access restricted is not allowed for ${host.name} with dumps: a dump is a command, and a restricted key runs only ` +
        'rrsync; drop the dumps (--clear-dumps) or give the key full access',
    );
  }
}

/**
 * The `from="..."` of an authorized_keys line: addresses, CIDR blocks or host name patterns
 * (with * and ?), comma-separated, each may be negated with !. No quote, no space, no option.
 */
export function validateFromPattern(value: string | undefined): string {
  if (value === undefined || !/^!?[A-Za-z0-9.:*?/_-]+(,!?[A-Za-z0-9.:*?/_-]+)*$/.test(value) || value.startsWith('-')) {
    throw new UserError(
      `from ${describe(value)} is not allowed: give the addresses pobsync connects from, ` +
        'like 192.0.2.10 or 10.0.0.0/24,backup1.example.com',
    );
  }
  return value;
}

/**
 * `--dump-restore NAME=COMMAND`: the command that loads dump NAME back, reading it on its stdin
 * (`pg_restore --clean -d app`). NAME must be one of `dumps`; an empty COMMAND removes it.
 * Returns the dumps with their restore commands set.
 */
export function validateDumpRestores(values: readonly string[], dumps: readonly DumpCommand[]): DumpCommand[] {
  const result = dumps.map((dump) => ({ ...dump }));
  const given = new Set<string>();
  for (const value of values) {
    const split = value.indexOf('=');
    if (split <= 0) {
      throw new UserError(
        `dump restore ${describe(value)} is not allowed: give it as NAME=COMMAND, like app.sql.gz='pg_restore --clean -d app'`,
      );
    }
    const name = validateDumpName(value.slice(0, split));
    const command = value.slice(split + 1);
    const dump = result.find((candidate) => candidate.name === name);
    if (!dump) {
      throw new UserError(
        `dump restore for ${describe(name)} is not allowed: the host has no dump of that name` +
          `${result.length > 0 ? ` (its dumps: ${result.map((candidate) => candidate.name).join(', ')})` : ''}; add it with --dump`,
      );
    }
    if (given.has(name)) throw new UserError(`dump restore for ${describe(name)} is given twice: give one command per dump`);
    given.add(name);
    if (LINE_BREAK_OR_NUL.test(command)) {
      throw new UserError(`dump restore command ${describe(command)} of ${name} is not allowed: give the command on one line`);
    }
    if (command.trim() === '') delete dump.restore;
    else dump.restore = command;
  }
  return result;
}

/** `--sample PERCENT`: how much of a snapshot verify reads again, 1 to 100 (a whole number or a decimal). */
export function validateSamplePercent(value: string | number | undefined): number {
  const number = typeof value === 'string' && /^\d+(\.\d+)?%?$/.test(value) ? Number(value.replace(/%$/, '')) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0 || number > 100) {
    throw new UserError(`sample ${describe(value)} is not allowed: use a percentage above 0 and up to 100, like 10`);
  }
  return number;
}

export function validateTimeZone(value: string | undefined): string {
  try {
    if (!value) throw new RangeError();
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new UserError(`time zone ${describe(value)} is not allowed: use an IANA name like Europe/Berlin or UTC`);
  }
}

export function validatePositiveInteger(field: string, value: number | string | undefined, max = 1000): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > max) {
    throw new UserError(`${field} ${describe(value)} is not allowed: use a whole number from 1 to ${max}`);
  }
  return number;
}

/** Run ids are what `runs` prints: positive integers. */
export function validateRunId(value: string | undefined): number {
  if (value === undefined || !/^[1-9]\d{0,15}$/.test(value)) {
    throw new UserError(`run id ${describe(value)} is not allowed: use the number that "pobsync runs" shows`);
  }
  return Number(value);
}

/** How a value is quoted in messages: visible even when empty, never multi-line. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return '(missing)';
  return JSON.stringify(String(value));
}
