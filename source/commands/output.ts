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
