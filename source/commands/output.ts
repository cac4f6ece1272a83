/** Printing for commands: JSON documents, tables, questions on a terminal. */
import { createInterface } from 'node:readline/promises';
import { HostBusyError, OperationError, UserError } from '../domain/errors.js';
import { writeCompactJson } from '../domain/format.js';

/**
 * One JSON document: indented for a person on a terminal, compact for a program reading a pipe,
 * written as it is made (a plan of 100,000 snapshots is tens of megabytes).
 */
export function printJson(value: unknown): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  writeCompactJson(value, (text) => process.stdout.write(text));
  process.stdout.write('\n');
}

/** What a ChunkWriter hands a buffer of text to. */
export interface ChunkSink {
  /** false: behind, wait for 'drain' before more */
  write(chunk: Uint8Array, done: (error?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * A document of tens of megabytes, written as it is made: the maker puts bytes into `buffer` at
 * `at` (after `reserve`), and between its parts calls `pause`, which hands a full buffer on and,
 * while the reader is behind (a slow pipe), waits for it instead of queueing the whole document in
 * memory. A buffer comes back for reuse once it is written: the sink may still hold it until then.
 */
export class ChunkWriter {
  buffer: Buffer;
  at = 0;
  private readonly free: Buffer[] = [];
  private behind = false;

  constructor(
    private readonly sink: ChunkSink = process.stdout,
    private readonly size = 1 << 20,
  ) {
    this.buffer = this.take(size);
  }

  /** Room for `bytes` more in `buffer` at `at`. */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.handOn();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(bytes);
  }

  /** Bytes encoded before. */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.reserve(text.length * 3);
    this.at += this.buffer.write(text, this.at);
  }

  /** Time to pause: the buffer is nearly full. */
  get full(): boolean {
    return this.at >= this.size - (this.size >> 3);
  }

  /** Between parts of the document: hands a nearly full buffer on, and waits while the sink is behind. */
  async pause(): Promise<void> {
    if (!this.full) return;
    this.handOn();
    // Lets written buffers come back, and a 'drain' arrive.
    if (this.behind) await new Promise<void>((resolve) => this.sink.once('drain', resolve));
    else await new Promise<void>((resolve) => setImmediate(resolve));
    this.behind = false;
  }

  /** Hands the rest on; resolves once the sink has taken all of it. */
  async end(): Promise<void> {
    const chunk = this.buffer.subarray(0, this.at);
    this.at = 0;
    await new Promise<void>((resolve, reject) => this.sink.write(chunk, (error) => (error ? reject(error) : resolve())));
  }

  private handOn(): void {
    if (this.at === 0) return;
    const full = this.buffer;
    if (!this.sink.write(full.subarray(0, this.at), () => this.free.push(full))) this.behind = true;
    this.buffer = this.take(this.size);
    this.at = 0;
  }

  private take(size: number): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(size);
  }
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function warn(text: string): void {
  process.stderr.write(`pobsync: ${text}\n`);
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

/**
 * A yes/no question on a terminal; `--yes` answers it. Without a terminal and without --yes
 * the command refuses instead of guessing.
 */
export async function confirm(question: string, options: { yes: boolean | undefined; what: string }): Promise<boolean> {
  if (options.yes) return true;
  if (!isInteractive()) throw new UserError(`${options.what} needs confirmation: run it on a terminal, or add --yes`);
  return /^y(es)?$/i.test(await ask(`${question} [y/N] `));
}

/** A dangerous action asks to type a word (the host name), as Shopify's CLI does. */
export async function confirmByTyping(
  word: string,
  question: string,
  options: { yes: boolean | undefined; what: string },
): Promise<boolean> {
  if (options.yes) return true;
  if (!isInteractive()) throw new UserError(`${options.what} needs confirmation: run it on a terminal, or add --yes`);
  return (await ask(`${question}\nType ${word} to confirm, or press Enter to cancel: `)) === word;
}

/** An error as one line on stderr; returns the exit code (a stack trace only with --debug). */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof UserError || error instanceof OperationError || error instanceof HostBusyError) {
    process.stderr.write(`pobsync: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pobsync: ${message.split('\n')[0]}${debug ? '' : ' (--debug shows more)'}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
