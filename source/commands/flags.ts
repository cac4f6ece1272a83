/**
 * Reading a command line against a command's flags, as getopt does: `--name value` and
 * `--name=value` for a string option (the next word is always its value, even `--bwlimit=5m` or
 * `-tmp`), `--flag` / `--no-flag` for a boolean, `-f` for a short one, and everything after `--`
 * as arguments. Every command runs this on start-up: it is a few dozen lines rather than meow and
 * the package readers and licence checkers meow loads with it.
 */
import { UserError } from '../domain/errors.js';
import type { FlagSpecs } from './command.js';

export interface ParsedArgv {
  /** flag values by their camelCase name: a string, a list (isMultiple), a boolean, or undefined when absent */
  flags: Record<string, string | string[] | boolean | undefined>;
  /** positional arguments, in order */
  args: string[];
  /** every flag name that appeared, in camelCase */
  given: Set<string>;
}

export const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Refuses unknown options, and a single-value option given twice (which of the two was meant?). */
export function parseArgv(command: string, specs: FlagSpecs, argv: readonly string[]): ParsedArgv {
  const byName = new Map(Object.keys(specs).map((name) => [kebab(name), name]));
  const byShort = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.shortFlag ? [[spec.shortFlag, name] as const] : [])));
  const flags: ParsedArgv['flags'] = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.isMultiple) flags[name] = [];
  const args: string[] = [];
  const given = new Set<string>();
  const unknown = (option: string) =>
    new UserError(`unknown option ${option} for "pobsync ${command}": "pobsync ${command} --help" lists its options`);

  const set = (name: string, value: string | boolean) => {
    const spec = specs[name]!;
    if (spec.type === 'boolean') {
      flags[name] = value === true || value === 'true' ? true : value === false || value === 'false' ? false : Boolean(value);
    } else if (spec.isMultiple) {
      // An empty value adds nothing, as before: `--source ''` is no source, not a source "".
      if (value !== '') (flags[name] as string[]).push(String(value));
    } else {
      if (given.has(name)) throw new UserError(`--${kebab(name)} was given more than once: give it once`);
      flags[name] = value === true ? '' : String(value);
    }
    given.add(name);
  };

  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--') {
      args.push(...argv.slice(index + 1));
      break;
    }
    if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const option = equals < 0 ? token.slice(2) : token.slice(2, equals);
      const name = byName.get(option);
      if (name !== undefined) {
        const spec = specs[name]!;
        if (equals >= 0) set(name, token.slice(equals + 1));
        else if (spec.type === 'string' && index + 1 < argv.length) set(name, argv[++index]!);
        else set(name, true);
        continue;
      }
      const negated = option.startsWith('no-') ? byName.get(option.slice(3)) : undefined;
      if (negated !== undefined && specs[negated]!.type === 'boolean' && equals < 0) {
        set(negated, false);
        continue;
      }
      throw unknown(`--${option}`);
    }
    if (/^-[^\d-]/.test(token)) {
      for (const letter of token.slice(1)) {
        const name = byShort.get(letter);
        if (name === undefined || specs[name]!.type !== 'boolean') throw unknown(`-${letter}`);
        set(name, true);
      }
      continue;
    }
    args.push(token);
  }
  return { flags, args, given };
}
