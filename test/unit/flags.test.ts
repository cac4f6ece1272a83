import { describe, expect, it } from 'vitest';
import type { FlagSpecs } from '../../source/commands/command.js';
import { parseFlags } from '../../source/commands/flags.js';

const specs = {
  json: { type: 'boolean' },
  safetySnapshot: { type: 'boolean' },
  follow: { type: 'boolean', shortFlag: 'f' },
  output: { type: 'string', shortFlag: 'o' },
  host: { type: 'string' },
  rsyncArg: { type: 'string', isMultiple: true },
} as const satisfies FlagSpecs;

const parse = (...argv: string[]) => parseFlags('test', specs, argv);

describe('parseFlags', () => {
  it('leaves a flag not given undefined, and a repeatable one empty', () => {
    expect(parse().flags).toEqual({
      json: undefined,
      safetySnapshot: undefined,
      follow: undefined,
      output: undefined,
      host: undefined,
      rsyncArg: [],
    });
  });

  it('reads kebab-case options into camelCase names, booleans negated with --no-', () => {
    const { flags, given } = parse('--json', '--no-safety-snapshot', '--host', 'web1');
    expect(flags).toMatchObject({ json: true, safetySnapshot: false, host: 'web1' });
    expect([...given].sort()).toEqual(['host', 'json', 'safetySnapshot']);
  });

  it('gives a string option the next word whatever it looks like, and collects repeated ones', () => {
    const { flags, positionals } = parse('web1', '--rsync-arg', '--bwlimit=5m', '--rsync-arg=-v', '--host', '-x', 'two');
    expect(flags).toMatchObject({ rsyncArg: ['--bwlimit=5m', '-v'], host: '-x' });
    expect(positionals).toEqual(['web1', 'two']);
  });

  it('reads short options, alone, grouped or with their value attached', () => {
    expect(parse('-f', '-o', 'out.yaml').flags).toMatchObject({ follow: true, output: 'out.yaml' });
    expect(parse('-fo', 'out.yaml').flags).toMatchObject({ follow: true, output: 'out.yaml' });
    expect(parse('-oout.yaml').flags).toMatchObject({ output: 'out.yaml' });
  });

  it('keeps words after -- and negative numbers as positionals', () => {
    expect(parse('-5', '--', '--json', '-f').positionals).toEqual(['-5', '--json', '-f']);
    expect(parse('--', '--json').flags.json).toBeUndefined();
  });

  it('refuses unknown options, a negated string, and a single option given twice, in one line', () => {
    expect(() => parse('--jsn')).toThrow(/^unknown option --jsn for "pobsync test": "pobsync test --help" lists its options$/);
    expect(() => parse('--no-host')).toThrow(/^unknown option --no-host /);
    expect(() => parse('-x')).toThrow(/^unknown option -x /);
    // A value option with no word after it is refused, not read as "" (which unsets a setting).
    expect(() => parse('web1', '--host')).toThrow(/^--host needs a value: "pobsync test --help" shows it/);
    expect(() => parse('-fo')).toThrow(/^-o needs a value/);
    expect(parse('--host=').flags.host).toBe('');
    expect(() => parse('--host', 'a', '--host=b')).toThrow(/^--host is given twice: "pobsync test" takes one$/);
    expect(() => parse('--json=yes')).toThrow(/--json takes no value/);
    expect(() => parse('--no-json=false')).toThrow(/^--no-json takes no value: give --json or --no-json$/);
  });
});
