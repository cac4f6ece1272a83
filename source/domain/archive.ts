/**
 * Archives: one `.tar.gz` of a snapshot, to keep or take to another server. What is in one (its
 * option set), the `manifest.json` it starts with, its file name, and which entries pobsync
 * accepts when it reads one back: everything an archive made by someone else could use to
 * write outside the directory it is loaded into is refused here, before a byte is written.
 */
import { posix } from 'node:path';
import { UserError } from './errors.js';
import type { SnapshotDump } from './types.js';
import { describe, validateDumpName } from './validation.js';

/** The areas of a snapshot an archive holds: its files (data/), its database dumps (dumps/), or both. */
export const OPTION_SETS = ['data', 'dumps', 'data+dumps'] as const;
export type OptionSet = (typeof OPTION_SETS)[number];
export type ArchiveArea = 'data' | 'dumps';

export function optionSetOf(options: { data?: boolean | undefined; dumps?: boolean | undefined }): OptionSet {
  if (options.data && !options.dumps) return 'data';
  if (options.dumps && !options.data) return 'dumps';
  return 'data+dumps';
}

export function validateOptionSet(value: string | undefined): OptionSet {
  if (!OPTION_SETS.includes(value as OptionSet)) {
    throw new UserError(`option set ${describe(value)} is not allowed: use data, dumps or data+dumps`);
  }
  return value as OptionSet;
}

export function areasOf(set: OptionSet): ArchiveArea[] {
  return set === 'data+dumps' ? ['data', 'dumps'] : [set];
}

/** An archive is current until a newer one of its host and option set deprecates it; purged once its file is deleted. */
export type ArchiveState = 'current' | 'deprecated' | 'purged';

export const ARCHIVE_MANIFEST = 'manifest.json';
/** The snapshot's content manifest, as far as the archive holds it: the second entry. */
export const ARCHIVE_CONTENT_MANIFEST = 'manifest.b2';
export const ARCHIVE_FORMAT = 1;

/** `manifest.json`, the first entry of every archive. */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  /** the pobsync version that wrote it */
  pobsync: string;
  host: string;
  snapshot: string;
  created: string;
  optionSet: OptionSet;
  sources: string[];
  dumps: SnapshotDump[];
  /** regular files in the archive, and their bytes */
  files: number;
  bytes: number;
  /** symlinks */
  links: number;
  /** the snapshot's meta.json */
  meta: Record<string, unknown>;
}

export function parseArchiveManifest(text: string): ArchiveManifest | undefined {
  try {
    const parsed = JSON.parse(text) as ArchiveManifest;
    const ok =
      parsed?.format === ARCHIVE_FORMAT &&
      typeof parsed.host === 'string' &&
      typeof parsed.snapshot === 'string' &&
      OPTION_SETS.includes(parsed.optionSet) &&
      Number.isSafeInteger(parsed.files) &&
      Number.isSafeInteger(parsed.bytes) &&
      Array.isArray(parsed.sources) &&
      Array.isArray(parsed.dumps) &&
      typeof parsed.meta === 'object' &&
      parsed.meta !== null;
    return ok ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `web1_2026-11-23T021500Z_data+dumps.tar.gz`, with `_2`, `_3` ... when that name is taken. */
export function archiveFileName(host: string, snapshot: string, set: OptionSet, sequence = 1): string {
  return `${host}_${snapshot}_${set}${sequence > 1 ? `_${sequence}` : ''}.tar.gz`;
}

/** The sidecar `b2sum -c` reads: `<hash>  <file name>`. */
export function checksumLine(hash: string, fileName: string): string {
  return `${hash}  ${fileName}\n`;
}

/** The hash a sidecar names for `fileName`, if it does. */
export function parseChecksumLine(text: string, fileName: string): string | undefined {
  const match = /^([0-9a-f]{128}) [ *](.+)$/m.exec(text);
  return match && match[2] === fileName ? match[1] : undefined;
}

/** What a tar entry is, as the reader reports it. */
export interface TarEntryHead {
  path: string;
  type: string;
  size: number;
  linkpath?: string | undefined;
}

/** What has been accepted so far, to judge the next entry against. */
export interface EntryCheckState {
  seen: Set<string>;
  files: Set<string>;
  symlinks: Set<string>;
  count: number;
}

export function newEntryCheckState(): EntryCheckState {
  return { seen: new Set(), files: new Set(), symlinks: new Set(), count: 0 };
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Why an archive entry is refused, or undefined when it is one pobsync writes: `manifest.json`
 * first, then only `manifest.b2`, `data/...` and `dumps/NAME`; relative, normalized names; no
 * devices, FIFOs or other special files; hard links only to a file earlier in the archive;
 * symlinks only under data/, never below another symlink, and a relative one never climbing out
 * of the directory it is loaded into. Absolute symlinks are the host's own links (data/ stands
 * for the host's root): they are kept as they are, and never followed.
 */
export function checkEntry(entry: TarEntryHead, state: EntryCheckState): string | undefined {
  const path = entry.type === 'Directory' ? entry.path.replace(/\/+$/, '') : entry.path;
  const problem = nameProblem(path);
  if (problem) return problem;
  if (state.count === 0 && path !== ARCHIVE_MANIFEST) return `the first entry is ${describe(path)}, not ${ARCHIVE_MANIFEST}`;
  state.count += 1;
  if (state.seen.has(path)) return 'it appears twice';
  const [top, ...rest] = path.split('/');
  const inData = top === 'data';
  if (!(inData || top === 'dumps' || ((path === ARCHIVE_MANIFEST || path === ARCHIVE_CONTENT_MANIFEST) && FILE_TYPES.has(entry.type)))) {
    return 'only manifest.json, manifest.b2, data/ and dumps/ belong in an archive';
  }
  if (top === 'dumps' && rest.length > 0) {
    if (rest.length > 1 || !FILE_TYPES.has(entry.type)) return 'dumps/ holds only plain files';
    try {
      validateDumpName(rest[0]);
    } catch {
      return 'it is not a dump name';
    }
  }
  if (top === 'dumps' && rest.length === 0 && entry.type !== 'Directory') return 'dumps must be a directory';
  if (top === 'data' && rest.length === 0 && entry.type !== 'Directory') return 'data must be a directory';
  for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
    if (state.symlinks.has(path.slice(0, end))) return `it lies below the symlink ${path.slice(0, end)}`;
    if (state.files.has(path.slice(0, end))) return `it lies below the file ${path.slice(0, end)}`;
  }
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      state.files.add(path);
      break;
    case 'Directory':
      break;
    case 'Link': {
      const target = entry.linkpath ?? '';
      if (nameProblem(target) || !state.files.has(target))
        return `it is a hard link to ${describe(target)}, not to a file earlier in the archive`;
      state.files.add(path);
      break;
    }
    case 'SymbolicLink': {
      if (!inData || rest.length === 0) return 'symlinks belong under data/ only';
      const target = entry.linkpath ?? '';
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for
      if (target === '' || /\x00/.test(target)) return 'it is a symlink without a target';
      if (!target.startsWith('/') && escapes(path, target))
        return `it is a symlink to ${describe(target)}, which leads out of the directory`;
      state.symlinks.add(path);
      break;
    }
    default:
      return `it is a ${describeType(entry.type)}, which pobsync never writes`;
  }
  state.seen.add(path);
  return undefined;
}

function nameProblem(path: string): string | undefined {
  if (path === '') return 'it has no name';
  if (path.startsWith('/')) return 'it is an absolute name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for
  if (/\x00|\\/.test(path)) return 'its name holds a NUL or a backslash';
  const parts = path.split('/');
  if (parts.includes('..')) return 'its name holds ".."';
  if (parts.some((part) => part === '' || part === '.')) return 'its name is not normalized';
  return undefined;
}

/** A relative symlink at `path` pointing at `target` leaves the top of the tree. */
function escapes(path: string, target: string): boolean {
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === '..' || resolved.startsWith('../');
}

function describeType(type: string): string {
  switch (type) {
    case 'CharacterDevice':
      return 'character device';
    case 'BlockDevice':
      return 'block device';
    case 'FIFO':
      return 'FIFO';
    default:
      return `${type} entry`;
  }
}
