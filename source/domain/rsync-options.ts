/**
 * The extra rsync options an admin may give a host (`--rsync-arg`), by name, with the form of
 * their value. An allowlist, not a denylist: rsync has over a hundred options, and a single one
 * can turn a snapshot pull into something else. `--inplace` and `--append` write into the inode
 * every earlier snapshot shares; `--remove-sent-files` deletes the host's files; `--ignore-missing-args`
 * turns a missing source into a "complete" snapshot; `--size-only` links a changed file of the same
 * size to its old content; `-K` follows a symlink out of the snapshot. Everything not listed here
 * is refused, naming the option.
 *
 * The same check runs for CLI flags, TUI forms and configuration files, and again before each
 * backup, so an option stored before this list existed cannot slip through.
 */
import { UserError } from './errors.js';

/** What follows "=": nothing, or a value of one of these forms. */
type ValueForm =
  | 'none'
  | 'rate'
  | 'size'
  | 'seconds'
  | 'level'
  | 'compress-choice'
  | 'server-file'
  | 'filter'
  | 'pattern'
  | 'command'
  | 'list';

interface AllowedOption {
  names: readonly string[];
  value: ValueForm;
  /** what it is for, in the refusal message and the README */
  purpose: string;
}

export const ALLOWED_RSYNC_OPTIONS: readonly AllowedOption[] = [
  { names: ['--bwlimit'], value: 'rate', purpose: 'limit the bandwidth (--bwlimit=20m)' },
  { names: ['--compress', '-z'], value: 'none', purpose: 'compress on the wire' },
  { names: ['--compress-level'], value: 'level', purpose: 'how hard to compress (0-9)' },
  { names: ['--compress-choice', '--zc'], value: 'compress-choice', purpose: 'which compression (zstd, lz4, zlibx, zlib, none)' },
  { names: ['--skip-compress'], value: 'list', purpose: 'suffixes not to compress' },
  { names: ['--exclude'], value: 'pattern', purpose: 'leave out what matches' },
  { names: ['--include'], value: 'pattern', purpose: 'keep what matches, before an exclude' },
  { names: ['--exclude-from'], value: 'server-file', purpose: 'excludes from a file on this server' },
  { names: ['--include-from'], value: 'server-file', purpose: 'includes from a file on this server' },
  { names: ['--filter'], value: 'filter', purpose: 'a filter rule, or merge rules from a file on this server' },
  { names: ['--one-file-system', '-x'], value: 'none', purpose: 'do not cross filesystem boundaries' },
  { names: ['--sparse', '-S'], value: 'none', purpose: 'store holes as holes (pobsync sets it already)' },
  { names: ['--fake-super'], value: 'none', purpose: 'keep owners and modes in xattrs' },
  { names: ['--rsync-path'], value: 'command', purpose: 'the rsync to run on the host (--rsync-path="sudo rsync")' },
  { names: ['--timeout'], value: 'seconds', purpose: 'give up after this long without data' },
  { names: ['--contimeout'], value: 'seconds', purpose: 'give up connecting after this long' },
  { names: ['--checksum', '-c'], value: 'none', purpose: 'compare files by checksum, not size and time' },
  { names: ['--ignore-times', '-I'], value: 'none', purpose: 'copy every file again, linking none (a full copy)' },
  { names: ['--whole-file', '-W'], value: 'none', purpose: 'send whole files, no delta' },
  { names: ['--no-whole-file'], value: 'none', purpose: 'always use the delta algorithm' },
  { names: ['--max-size'], value: 'size', purpose: 'leave out files larger than this' },
  { names: ['--min-size'], value: 'size', purpose: 'leave out files smaller than this' },
  { names: ['--modify-window'], value: 'seconds', purpose: 'times this close count as equal' },
  { names: ['--no-acls', '--no-A'], value: 'none', purpose: 'a host without ACL support' },
  { names: ['--no-xattrs', '--no-X'], value: 'none', purpose: 'a host without xattr support' },
  { names: ['--copy-links', '-L'], value: 'none', purpose: "store what the host's symlinks point to" },
  { names: ['--copy-unsafe-links'], value: 'none', purpose: "store what the host's symlinks out of the tree point to" },
  { names: ['--safe-links'], value: 'none', purpose: 'leave out symlinks that point out of the tree' },
  { names: ['--ipv4', '-4'], value: 'none', purpose: 'connect over IPv4' },
  { names: ['--ipv6', '-6'], value: 'none', purpose: 'connect over IPv6' },
];

const BY_NAME = new Map(ALLOWED_RSYNC_OPTIONS.flatMap((option) => option.names.map((name) => [name, option] as const)));

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\x00-\x1f\x7f]/;
const VALUE_CHECKS: Record<Exclude<ValueForm, 'none'>, { test: (value: string) => boolean; expected: string }> = {
  rate: { test: (value) => /^\d+(\.\d+)?[bkmgtpBKMGTP]?$/.test(value), expected: 'a rate like 500k or 20m' },
  size: { test: (value) => /^\d+(\.\d+)?[bkmgtpBKMGTP]?$/.test(value), expected: 'a size like 500k or 2g' },
  seconds: { test: (value) => /^\d{1,6}$/.test(value), expected: 'a whole number of seconds' },
  level: { test: (value) => /^\d$/.test(value), expected: 'a level from 0 to 9' },
  'compress-choice': { test: (value) => /^(zstd|lz4|zlibx|zlib|none)$/.test(value), expected: 'zstd, lz4, zlibx, zlib or none' },
  'server-file': { test: isServerFile, expected: 'an absolute path of a file on this server' },
  filter: { test: isFilterRule, expected: 'a rule like "- *.tmp", "+ /etc/**" or "merge /etc/pobsync/web1.rules"' },
  pattern: { test: (value) => value.trim() !== '', expected: 'a non-empty pattern' },
  command: { test: (value) => value.trim() !== '', expected: 'a command, like "sudo rsync"' },
  list: { test: (value) => /^[\w./*-]+$/.test(value), expected: 'a list of suffixes separated by /' },
};

function isServerFile(value: string): boolean {
  return value.startsWith('/') && !value.split('/').includes('..');
}

/**
 * Filter rules that only select files: include, exclude, hide, show, and merge files. Not `clear`
 * (`!`), which would drop the excludes pobsync adds itself (a local host's backup root), nor
 * protect and risk, which steer deletions inside the tree pobsync writes.
 */
function isFilterRule(value: string): boolean {
  const match = /^(-|\+|exclude|include|hide|show|H|S|merge|\.|dir-merge|:)(,?[/!Csrpx+\-enw]*)? (.+)$/.exec(value);
  if (!match) return false;
  const [, rule, , argument] = match;
  if (rule === 'merge' || rule === '.') return isServerFile(argument!);
  return true;
}

/** The allowed options, as the refusal message and the README list them. */
export function describeAllowedRsyncOptions(): string {
  return ALLOWED_RSYNC_OPTIONS.map((option) => option.names[0] + (option.value === 'none' ? '' : '=...')).join(', ');
}

/**
 * Each extra rsync argument must be one allowed option, with its value attached after "="
 * (`--bwlimit=5m`), or a cluster of allowed short options without values (`-zx`). A bare word
 * would become an extra source or destination.
 */
export function validateRsyncArgs(values: readonly string[]): string[] {
  for (const value of values) checkRsyncArg(value);
  return [...values];
}

function checkRsyncArg(value: string): void {
  const shown = JSON.stringify(String(value));
  if (typeof value !== 'string' || CONTROL.test(value)) {
    throw new UserError(`rsync argument ${shown} is not allowed: it contains a control character`);
  }
  if (/^-[A-Za-z0-9]+$/.test(value)) {
    for (const letter of value.slice(1)) {
      const option = BY_NAME.get(`-${letter}`);
      if (!option) throw refusal(`-${letter}`, shown);
    }
    return;
  }
  const match = /^(--[A-Za-z0-9][A-Za-z0-9-]*)(=(.*))?$/s.exec(value);
  if (!match) {
    throw new UserError(
      `rsync argument ${shown} is not allowed: give one option per --rsync-arg, with its value after "=" (like --bwlimit=5m)`,
    );
  }
  const [, name, equals, given] = match;
  const option = BY_NAME.get(name!);
  if (!option) throw refusal(name!, shown);
  if (option.value === 'none') {
    if (equals) throw new UserError(`rsync argument ${shown} is not allowed: ${name} takes no value`);
    return;
  }
  const check = VALUE_CHECKS[option.value];
  if (!equals || !check.test(given!)) {
    throw new UserError(`rsync argument ${shown} is not allowed: ${name} takes ${check.expected}, after "=" (${name}=...)`);
  }
}

function refusal(name: string, shown: string): UserError {
  return new UserError(
    `rsync argument ${shown} is not allowed: ${name} is not one of the options known to be safe for a snapshot ` +
      `(pobsync sets the rest itself); allowed: ${describeAllowedRsyncOptions()}`,
  );
}

/**
 * The options of a list that shape the transfer, not what is copied: a replication (which copies a
 * whole snapshot as it is) takes these of the server's default rsync options, so a `--bwlimit` set
 * for the backups holds for the off-site copies too, and no exclude or filter ever thins a replica.
 */
const TRANSPORT_OPTIONS: ReadonlySet<string> = new Set([
  '--bwlimit',
  '--compress',
  '-z',
  '--compress-level',
  '--compress-choice',
  '--zc',
  '--skip-compress',
  '--timeout',
  '--contimeout',
  '--ipv4',
  '-4',
  '--ipv6',
  '-6',
]);

export function transportArgs(values: readonly string[]): string[] {
  return validateRsyncArgs(values).filter((value) => TRANSPORT_OPTIONS.has(value.split('=')[0]!));
}
