/**
 * Reading rsync's output: lines (progress2 redraws with "\r", everything else ends in "\n"),
 * progress2 readings and the stats2 summary block.
 */
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
