/**
 * Reading rsync's output: lines (progress2 redraws with "\r", everything else ends in "\n"),
 * progress2 readings and the stats2 summary block.
 */
import { textToByteString } from './manifest.js';
import type { RsyncProgress, RsyncStats } from './types.js';

/** Splits a stream of chunks into lines on "\n" or "\r"; keeps the unfinished tail for later. */
export class LineSplitter {
  private tail = '';

  /** Returns the complete lines in `chunk`, without their terminators. Empty lines are dropped. */
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split(/\r\n|\r|\n/);
    // A "\r\n" split across chunks yields an empty line, which is dropped like any other.
    this.tail = lines.pop() ?? '';
    return lines.filter((line) => line.length > 0);
  }

  /** The last unterminated line, once the stream has ended. */
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest.length > 0 ? [rest] : [];
  }
}

// "  1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=100/2000)"
const PROGRESS2 =
  /^\s*([\d,.]+)\s+(\d{1,3})%\s+([\d,.]+)([kMGTP]?B)\/s\s+(\d+):(\d{2}):(\d{2})(?:\s+\(xfr#(\d+), (ir|to)-chk=(\d+)\/(\d+)\))?\s*$/;

const RATE_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5 };

/** Parses one progress2 line, or returns undefined for any other line. */
export function parseProgressLine(line: string): RsyncProgress | undefined {
  const match = PROGRESS2.exec(line);
  if (!match) return undefined;
  const [, bytes, percent, rate, unit, hours, minutes, seconds, xfr, chk, toCheck, total] = match;
  return {
    bytes: parseNumber(bytes!),
    percent: Number(percent),
    rate: Math.round(parseNumber(rate!) * (RATE_UNITS[unit!] ?? 1)),
    elapsedSeconds: Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds),
    transferredFiles: xfr === undefined ? 0 : Number(xfr),
    toCheck: toCheck === undefined ? 0 : Number(toCheck),
    totalFiles: total === undefined ? 0 : Number(total),
    scanComplete: chk === 'to',
  };
}

const STATS_LINES: [RegExp, keyof RsyncStats][] = [
  [/^Number of files: ([\d,]+)/, 'files'],
  [/^Number of created files: ([\d,]+)/, 'createdFiles'],
  [/^Number of deleted files: ([\d,]+)/, 'deletedFiles'],
  [/^Number of regular files transferred: ([\d,]+)/, 'transferredFiles'],
  [/^Total file size: ([\d,]+) bytes/, 'totalSize'],
  [/^Total transferred file size: ([\d,]+) bytes/, 'transferredSize'],
  [/^Literal data: ([\d,]+) bytes/, 'literalData'],
  [/^Matched data: ([\d,]+) bytes/, 'matchedData'],
  [/^Total bytes sent: ([\d,]+)/, 'bytesSent'],
  [/^Total bytes received: ([\d,]+)/, 'bytesReceived'],
];

/** Collects the stats2 block from a stream of lines; `stats` is undefined until it appeared. */
export class StatsCollector {
  private readonly values: Partial<RsyncStats> = {};

  /** Returns true when the line belonged to the stats block. */
  push(line: string): boolean {
    if (line.length < 12 || (line[0] !== 'N' && line[0] !== 'T' && line[0] !== 'L' && line[0] !== 'M')) return false;
    for (const [pattern, key] of STATS_LINES) {
      const match = pattern.exec(line);
      if (match) {
        this.values[key] = parseNumber(match[1]!);
        return true;
      }
    }
    return false;
  }

  get stats(): RsyncStats | undefined {
    if (this.values.files === undefined) return undefined;
    return {
      files: 0,
      createdFiles: 0,
      deletedFiles: 0,
      transferredFiles: 0,
      totalSize: 0,
      transferredSize: 0,
      literalData: 0,
      matchedData: 0,
      bytesSent: 0,
      bytesReceived: 0,
      ...this.values,
    };
  }
}

function parseNumber(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/**
 * The configured source that rsync says does not exist (`link_stat "/srv/www" failed: No such
 * file or directory`), if this line says so: an unmounted filesystem on the host, or a typo.
 */
export function missingSource(line: string, sources: readonly string[]): string | undefined {
  const match = /^rsync: (?:\[\w+\] )?link_stat "(.+)" failed: No such file or directory/.exec(line);
  return match && sources.includes(match[1]!) ? match[1] : undefined;
}

/** An --itemize-changes line ("`>f+++++++++ etc/hostname`"), or a deletion rsync announces. */
export function isChangeLine(line: string): boolean {
  return /^[<>ch.*][fdLDS][.+?cstpoguax]/.test(line) || line.startsWith('*deleting');
}

export type ChangeAction = 'create' | 'update' | 'delete';

export interface ChangeSummary {
  create: number;
  update: number;
  delete: number;
}

/**
 * What one --itemize-changes line does to the receiver: `>f+++++++++` and `cd+++++++++`
 * create, `*deleting` deletes, anything else (`>f.st......`, `.d..t......`) updates.
 */
export function changeAction(line: string): ChangeAction | undefined {
  if (line.startsWith('*deleting')) return 'delete';
  if (!isChangeLine(line)) return undefined;
  return /^..\+{3,}/.test(line) ? 'create' : 'update';
}

/** The path an --itemize-changes line is about (without " -> target" or " => target"). */
export function changePath(line: string): string {
  // Both "YXcstpoguax " and "*deleting   " are 12 characters wide.
  const path = line.slice(12);
  if (line[1] === 'L') return path.replace(/ -> .*$/, '');
  if (line[0] === 'h') return path.replace(/ => .*$/, '');
  return path;
}

export function summarizeChanges(lines: readonly string[]): ChangeSummary {
  const summary: ChangeSummary = { create: 0, update: 0, delete: 0 };
  for (const line of lines) {
    const action = changeAction(line);
    if (action) summary[action] += 1;
  }
  return summary;
}

/** What an --itemize-changes line is about: its type (`f`, `d`, `L`, `D`, `S`) and its path. */
export interface ItemizedPath {
  type: 'f' | 'd' | 'L' | 'D' | 'S';
  /** the path below the destination as a byte string (see domain/manifest.ts), without a trailing "/" */
  path: string;
}

/**
 * rsync writes a byte it will not print as `\#ooo` (octal), and a `\#` that starts such a
 * sequence in a name as `\#134#`: decoded left to right, every name comes back byte for byte.
 */
function unescapeRsync(text: string): string {
  const bytes = textToByteString(text);
  return bytes.includes('\\#')
    ? bytes.replace(/\\#([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
    : bytes;
}

/**
 * The type and path of an --itemize-changes line (`>f.st...... etc/hosts`, `cL+++++++++ a -> b`,
 * `hf+++++++++ b => a`); undefined for any other line, 'ambiguous' when the path cannot be told
 * from the symlink target or hard-link name that follows it (a name that contains " -> ").
 */
export function itemizedPath(line: string): ItemizedPath | 'ambiguous' | undefined {
  if (line.length < 13 || line[11] !== ' ' || !isChangeLine(line) || line.startsWith('*')) return undefined;
  const type = line[1] as ItemizedPath['type'];
  let path = line.slice(12);
  const separator = type === 'L' ? ' -> ' : line[0] === 'h' ? ' => ' : undefined;
  if (separator) {
    const at = path.indexOf(separator);
    if (at < 0 || path.indexOf(separator, at + 1) >= 0) return 'ambiguous';
    path = path.slice(0, at);
  }
  if (type === 'd' && path.endsWith('/')) path = path.slice(0, -1);
  return { type, path: unescapeRsync(path) };
}

/** The regular files and symlinks in rsync's file list, from the stats2 line "Number of files: 21 (reg: 12, dir: 7, link: 1)". */
export function listedFiles(line: string): { regular: number; links: number } | undefined {
  if (!line.startsWith('Number of files: ')) return undefined;
  const count = (name: string) => {
    const match = new RegExp(`[(,] ?${name}: ([\\d,]+)`).exec(line);
    return match ? parseNumber(match[1]!) : 0;
  };
  return { regular: count('reg'), links: count('link') };
}

/**
 * What a backup's rsync changed in a fresh tree hard-linked against its base (`--link-dest`),
 * from its itemized output: every path it created or changed, by key below the snapshot
 * (`data/etc/hosts`). A path rsync linked to the base's is not listed; a deletion is not listed
 * either (a fresh tree has nothing to delete), but the directory it was in changed its time and
 * is. `usable` says whether the list is whole: a line it could not read, too many changes, or no
 * file count, and it is not.
 */
export class ItemizedChanges {
  readonly changes = new Map<string, ItemizedPath['type']>();
  /** regular files and symlinks rsync's file list held */
  listed: { regular: number; links: number } | undefined;
  private broken = false;

  constructor(
    /** where the destination is below the snapshot */
    private readonly top: string,
    private readonly limit = 100_000,
  ) {}

  push(lines: readonly string[]): void {
    if (this.broken) return;
    for (const line of lines) {
      const first = line.charCodeAt(0);
      // progress2 readings start with padding or a digit
      if (first === 32 || (first >= 48 && first <= 57)) continue;
      if (first === 78) {
        this.listed = listedFiles(line) ?? this.listed;
        continue;
      }
      if (line.startsWith('*deleting')) {
        this.broken = true;
        return;
      }
      const item = itemizedPath(line);
      if (item === undefined) continue;
      if (item === 'ambiguous' || this.changes.size >= this.limit) {
        this.broken = true;
        return;
      }
      const path = item.path.replace(/^(?:\.?\/)+/, '');
      this.changes.set(path === '' || path === '.' ? this.top : `${this.top}/${path}`, item.type);
    }
  }

  get usable(): boolean {
    return !this.broken && this.listed !== undefined;
  }
}
