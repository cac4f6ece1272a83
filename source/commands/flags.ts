/**
 * Reads a command's flags from its words, as getopt does: a string option always takes the next
 * word as its value (admins write `--rsync-arg --bwlimit=5m` and `--exclude -tmp`), a boolean may
 * be negated with --no-NAME, a repeatable option collects its values in order, and anything the
 * command does not declare is refused in one line. A parser of its own: meow and its dependencies
 * cost every command tens of milliseconds of start-up for the little of them pobsync used.
 */
import { UserError } from '../domain/errors.js';
import type { FlagSpecs } from './command.js';

export interface ParsedFlags {
  /** each flag given by its declared (camelCase) name: a string, a boolean or, repeatable, a list */
  flags: Record<string, string | boolean | string[] | undefined>;
  /** the words that are not options, in order (every word after `--` is one) */
  positionals: string[];
  /** the declared names of the flags that appeared, negated or not */
  given: Set<string>;
}

export const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export function parseFlags(command: string, specs: FlagSpecs, argv: string[]): ParsedFlags {
  const byLong = new Map(Object.keys(specs).map((key) => [kebab(key), key]));
  const byShort = new Map(Object.entries(specs).flatMap(([key, spec]) => (spec.shortFlag ? [[spec.shortFlag, key] as const] : [])));
  const flags: ParsedFlags['flags'] = {};
  for (const [key, spec] of Object.entries(specs)) flags[key] = spec.isMultiple ? [] : undefined;
  const positionals: string[] = [];
  const given = new Set<string>();
  let index = 0;
  const unknown = (option: string) =>
    new UserError(`unknown option ${option} for "pobsync ${command}": "pobsync ${command} --help" lists its options`);
  // The next word, whatever it looks like; none at all is refused (an empty value would unset a setting unasked).
  const nextWord = (option: string): string => {
    if (index + 1 >= argv.length) {
      throw new UserError(`${option} needs a value: "pobsync ${command} --help" shows it (give "" to unset a setting)`);
    }
    index += 1;
    return argv[index]!;
  };

  const set = (key: string, option: string, value: string | boolean) => {
    const spec = specs[key]!;
    if (spec.type === 'string' && !spec.isMultiple && given.has(key)) {
      throw new UserError(`${option} is given twice: "pobsync ${command}" takes one`);
    }
    given.add(key);
    if (spec.isMultiple) (flags[key] as string[]).push(String(value));
    else flags[key] = value;
  };

  for (; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const name = equals === -1 ? token.slice(2) : token.slice(2, equals);
      const inline = equals === -1 ? undefined : token.slice(equals + 1);
      const key = byLong.get(name);
      const negated = key === undefined && name.startsWith('no-') ? byLong.get(name.slice(3)) : undefined;
      if (negated !== undefined && specs[negated]!.type === 'boolean') {
        if (inline !== undefined) throw new UserError(`--${name} takes no value: give --${name.slice(3)} or --${name}`);
        set(negated, `--${name}`, false);
      } else if (key === undefined) {
        throw unknown(`--${name}`);
      } else if (specs[key]!.type === 'boolean') {
        set(key, `--${name}`, inline === undefined ? true : booleanValue(`--${name}`, inline));
      } else if (inline !== undefined) {
        set(key, `--${name}`, inline);
      } else {
        set(key, `--${name}`, nextWord(`--${name}`));
      }
    } else if (/^-[^\d-]/.test(token)) {
      // A group of short options (-fv); a string one takes the rest of the group, or the next word.
      for (let at = 1; at < token.length; at += 1) {
        const letter = token[at]!;
        const key = byShort.get(letter);
        if (key === undefined) throw unknown(`-${letter}`);
        if (specs[key]!.type === 'boolean') {
          set(key, `-${letter}`, true);
          continue;
        }
        const rest = token.slice(at + 1);
        if (rest !== '') {
          set(key, `-${letter}`, rest.startsWith('=') ? rest.slice(1) : rest);
        } else {
          set(key, `-${letter}`, nextWord(`-${letter}`));
        }
        break;
      }
    } else {
      positionals.push(token);
    }
  }
  return { flags, positionals, given };
}

function booleanValue(option: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UserError(`${option} takes no value: give ${option} or --no-${option.slice(2)}`);
}
