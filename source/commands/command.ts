/**
 * What a subcommand is: its help, its flags (parsed by flags.ts), and a run function that turns
 * flags into one service call and prints the result as text or, with --json, one JSON document.
 */
import type { App, Paths, ReadApp } from '../services/app.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  isMultiple?: boolean;
  shortFlag?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S['isMultiple'] extends true
    ? string[]
    : string | undefined;

export type Flags<F extends FlagSpecs> = { [K in keyof F]: FlagValue<F[K]> } & CommonFlags;

/** Flags every command takes. */
export const COMMON_FLAGS = {
  home: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', shortFlag: 'h' },
} as const satisfies FlagSpecs;

export interface CommonFlags {
  home: string | undefined;
  debug: boolean | undefined;
}

export interface CommandInput<F extends FlagSpecs> {
  /** positional arguments after the command name */
  args: string[];
  flags: Flags<F>;
  /** true when the flag appeared on the command line (a list flag given replaces the stored list) */
  given(flag: keyof F & string): boolean;
  /** refuses (exit 2) when more than one of these flags was given: they contradict each other */
  exclusive(...flags: (keyof F & string)[]): void;
  /** the opened home and catalogue, opened on first use and closed after the command */
  app(): Promise<App>;
  /**
   * The home opened for reading only (a listing): on a current SQLite catalogue without the ORM,
   * which costs most of a start-up; the App itself once app() has opened it.
   */
  reader(): Promise<ReadApp>;
  /** where the home's files are, for a command that needs no catalogue (opening one costs most of a start-up) */
  paths(): Paths;
}

export interface Command<F extends FlagSpecs = FlagSpecs> {
  /** the text `pobsync <command> --help` prints */
  help: string;
  flags: F;
  /** how many positional arguments it takes at most (default none): more is a usage error */
  positionals?: number;
  /** returns the exit code; nothing means 0 */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that returns nothing exits 0
  run(input: CommandInput<F>): Promise<number | void>;
}

export function defineCommand<F extends FlagSpecs>(command: Command<F>): Command<F> {
  return command;
}
