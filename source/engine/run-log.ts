/**
 * Run logs: every line of rsync and ssh output, plus pobsync's own notes, in
 * `$POBSYNC_HOME/logs/<run-id>.log`. The file is the stream: the TUI and `log --follow` tail it,
 * whichever process runs the backup.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
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

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/**
 * Reads a log from `offset` on, a chunk at a time: the caller decides how often to look again.
 * Returns the new text (complete lines only) and where to continue.
 */
export async function readLogFrom(path: string, offset: number, maxBytes = 1 << 20): Promise<{ text: string; offset: number }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return { text: '', offset };
  }
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
    const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (lastNewline === -1) {
      // No line end yet: wait for it, unless one line alone fills the buffer.
      return bytesRead < maxBytes ? { text: '', offset } : { text: buffer.toString('utf8'), offset: offset + bytesRead };
    }
    return { text: buffer.subarray(0, lastNewline + 1).toString('utf8'), offset: offset + lastNewline + 1 };
  } finally {
    await file.close();
  }
}
