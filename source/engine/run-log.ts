/**
 * Run logs: every line of rsync and ssh output, plus pobsync's own notes, in
 * `$POBSYNC_HOME/logs/<run-id>.log`. The file is the stream: the TUI and `log --follow` tail it,
 * whichever process runs the backup.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, readSync, type WriteStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { formatTime } from '../domain/format.js';

export function runLogPath(logsDir: string, runId: number): string {
  const [prefix, suffix] = runLogPathParts(logsDir);
  return `${prefix}${runId}${suffix}`;
}

/** What goes before and after the run id, for SQL that sets the path as it assigns the id. */
export function runLogPathParts(logsDir: string): [string, string] {
  return [join(logsDir, '/'), '.log'];
}

export class RunLog {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', () => {
      // A full disk must not crash a backup over its log; rsync's exit code still decides.
    });
  }

  /** Output lines, written in one go per chunk of output. */
  lines(lines: readonly string[]): void {
    if (lines.length > 0) this.stream.write(`${lines.join('\n')}\n`);
  }

  /** pobsync's own lines stand out from rsync's with a prefix and a time. */
  note(message: string, time = new Date()): void {
    this.stream.write(`[pobsync ${formatTime(time)}] ${message}\n`);
  }

  /** Resolves once everything written so far is in the file (before a process appends to it too). */
  flushed(): Promise<void> {
    return new Promise((resolve) => this.stream.write('', () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** Where a chunk of a log ends: after its last line end ("\n", or the "\r" that ends rsync's progress lines). */
function completeLength(read: Buffer): number {
  return Math.max(read.lastIndexOf(0x0a), read.lastIndexOf(0x0d)) + 1;
}

/**
 * Reads a log from `offset` on, a chunk at a time: the caller decides how often to look again.
 * Returns the new text, up to the last line end, and where to continue; with `all`, the
 * unterminated rest too (the writer is done).
 */
export async function readLogFrom(
  path: string,
  offset: number,
  options: { maxBytes?: number; all?: boolean } = {},
): Promise<{ text: string; offset: number }> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch {
    return { text: '', offset };
  }
  try {
    // Only as much as there is to read: a viewer polls this a few times a second, mostly for nothing.
    const available = (await file.stat()).size - offset;
    const maxBytes = Math.min(options.maxBytes ?? 1 << 20, Math.max(available, 0));
    if (maxBytes === 0) return { text: '', offset };
    const buffer = Buffer.allocUnsafe(maxBytes);
    const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
    const read = buffer.subarray(0, bytesRead);
    const end = options.all || bytesRead === (options.maxBytes ?? 1 << 20) ? bytesRead : completeLength(read);
    // Nothing complete yet: wait for the line end (unless one line alone fills the buffer).
    if (end === 0) return { text: '', offset };
    return { text: read.subarray(0, end).toString('utf8'), offset: offset + end };
  } finally {
    await file.close();
  }
}

/**
 * Reads a run log from `offset`: complete lines and where to continue. `offset` -1 starts near
 * the end (the last `tailBytes`), for a viewer that only shows the latest lines.
 */
export async function readLogAt(path: string, offset: number, tailBytes = 64 * 1024): Promise<{ text: string; offset: number }> {
  if (offset >= 0) return readLogFrom(path, offset);
  const { size } = await stat(path).catch(() => ({ size: 0 }));
  const start = Math.max(0, size - tailBytes);
  const chunk = await readLogFrom(path, start, { maxBytes: Math.max(tailBytes, 1) });
  // Starting mid-file: drop the partial first line.
  const text = start > 0 ? chunk.text.slice(chunk.text.indexOf('\n') + 1) : chunk.text;
  return { text, offset: chunk.offset };
}

/**
 * Follows a log another process appends to (rsync writing its stdout into the run's log): one
 * descriptor and one buffer for the whole run, and one read per `read()` unless the buffer came
 * back full. Reading again until nothing is left would chase the writer line by line. The reads
 * are synchronous: a few kilobytes from the page cache a few times a second cost less than the
 * thread pool's round trip and the promises an asynchronous read takes, which a long backup pays
 * for every second it runs (issue #14).
 */
export class LogFollower {
  private readonly buffer: Buffer;
  private fd: number | undefined;

  constructor(
    readonly path: string,
    /** where the next read starts */
    public offset: number,
    bufferBytes = 256 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(bufferBytes);
  }

  /**
   * The complete lines written since the last read, up to one buffer full ('' when none); with
   * `all` (the writer has exited), everything up to the end of the file, line end or not.
   */
  read(options: { all?: boolean } = {}): string {
    this.fd ??= openSync(this.path, 'r');
    let text = '';
    for (;;) {
      const bytesRead = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
      const full = bytesRead === this.buffer.length;
      const read = this.buffer.subarray(0, bytesRead);
      // A buffer full without a line end is one huge line: take it whole rather than never.
      const end = options.all ? bytesRead : completeLength(read) || (full ? bytesRead : 0);
      text += read.toString('utf8', 0, end);
      this.offset += end;
      if (!full && !(options.all && bytesRead > 0)) return text;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Where the lines of a log start, so that any stretch of it can be read without reading it all. */
export interface LogIndex {
  /** how many lines it has (a last line without a line end counts) */
  lines: number;
  /** its size in bytes when it was indexed */
  size: number;
  /** the byte offset of line `k * LOG_INDEX_STEP`, for each k */
  marks: number[];
  /** its last line has no line end (yet: a running run's log) */
  open: boolean;
}

export const LOG_INDEX_STEP = 1000;
const LOG_CHUNK = 1 << 20;

/**
 * Reads the log once, a megabyte at a time, noting where every thousandth line starts. Given the
 * index of the same log read `before` (a running run's, which has grown since), it reads only
 * what was written after it.
 */
export async function indexLog(path: string, before?: LogIndex): Promise<LogIndex> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(LOG_CHUNK);
    const marks = before ? [...before.marks] : [0];
    let ends = before ? before.lines - (before.open ? 1 : 0) : 0;
    let position = before?.size ?? 0;
    let lastByte = before?.open ? 0 : 0x0a;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, LOG_CHUNK, position);
      if (bytesRead === 0) break;
      let at = buffer.indexOf(0x0a, 0);
      while (at >= 0 && at < bytesRead) {
        ends += 1;
        if (ends % LOG_INDEX_STEP === 0) marks.push(position + at + 1);
        at = buffer.indexOf(0x0a, at + 1);
      }
      lastByte = buffer[bytesRead - 1]!;
      position += bytesRead;
    }
    const open = position > 0 && lastByte !== 0x0a;
    return { lines: ends + (open ? 1 : 0), size: position, marks, open };
  } finally {
    await file.close();
  }
}

/**
 * Lines `first` to `first + count - 1` of an indexed log (0-based). A line that rsync rewrote
 * with carriage returns (progress) reads as its last state, as a terminal would show it.
 */
export async function readLogLines(path: string, index: LogIndex, first: number, count: number): Promise<string[]> {
  const from = Math.max(0, Math.min(first, index.lines));
  const to = Math.min(index.lines, from + Math.max(0, count));
  if (to <= from) return [];
  const mark = Math.min(Math.floor(from / LOG_INDEX_STEP), index.marks.length - 1);
  let line = mark * LOG_INDEX_STEP;
  const lines: string[] = [];
  for await (const text of shownLines(path, index.marks[mark]!, index.size)) {
    if (line >= from) lines.push(text);
    line += 1;
    if (line >= to) break;
  }
  return lines;
}

/** The lines of a log from byte `position` up to `size`, as a terminal shows them, read a megabyte at a time. */
async function* shownLines(path: string, position: number, size: number): AsyncGenerator<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(LOG_CHUNK);
    const decoder = new StringDecoder('utf8');
    let partial = '';
    while (position < size) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(LOG_CHUNK, size - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const parts = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      partial = parts.pop()!;
      for (const part of parts) yield shownLine(part);
    }
    partial += decoder.end();
    // A last line without a line end is a line too (the index counts it).
    if (partial) yield shownLine(partial);
  } finally {
    await file.close();
  }
}

/** What a terminal shows of a line written over with carriage returns: its last non-empty state. */
function shownLine(text: string): string {
  if (!text.includes('\r')) return text;
  return text.split('\r').findLast((part) => part.trim() !== '') ?? '';
}

/** A log line holds the search text, in either case. */
export const lineMatches = (line: string, text: string): boolean => line.toLowerCase().includes(text.toLowerCase());

/**
 * The next line (0-based) at or after `from` that holds `text`, or with `backward` the last at or
 * before it; past the end (or the start) it goes round. Reads the log once at most, a chunk at a
 * time, as the lines a terminal shows (see `shownLine`); undefined: no line holds it.
 */
export async function findInLog(path: string, index: LogIndex, text: string, from: number, backward = false): Promise<number | undefined> {
  if (!text) return undefined;
  let first: number | undefined;
  let last: number | undefined;
  let before: number | undefined;
  let line = 0;
  for await (const shown of shownLines(path, 0, index.size)) {
    const at = line++;
    if (!lineMatches(shown, text)) continue;
    if (!backward && at >= from) return at;
    first ??= at;
    last = at;
    if (backward && at <= from) before = at;
  }
  return backward ? (before ?? last) : first;
}
