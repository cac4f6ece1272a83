import { describe, expect, it } from 'vitest';
import type { FlagSpecs } from '../../source/commands/command.js';
import { parseArgv } from '../../source/commands/flags.js';
import { UserError } from '../../source/domain/errors.js';

const SPECS: FlagSpecs = {
  home: { type: 'string' },
  address: { type: 'string' },
  source: { type: 'string', isMultiple: true },
  rsyncArg: { type: 'string', isMultiple: true },
  dryRun: { type: 'boolean' },
  follow: { type: 'boolean', shortFlag: 'f' },
};
const parse = (...argv: string[]) => parseArgv('configure-host', SPECS, argv);

describe('command-line flags', () => {
  it('reads string, list and boolean flags by their camelCase names, and leaves absent ones undefined', () => {
    expect(parse('web1', '--address', 'h.example', '--source', '/etc', '--source=/srv', '--dry-run')).toEqual({
      flags: { address: 'h.example', source: ['/etc', '/srv'], rsyncArg: [], dryRun: true },
      args: ['web1'],
      given: new Set(['address', 'source', 'dryRun']),
    });
    expect(parse('web1').flags).toEqual({ source: [], rsyncArg: [] });
  });

  it('takes the next word as a string flag value whatever it looks like, as getopt does', () => {
    expect(parse('--rsync-arg', '--bwlimit=5m', '--address', '-tmp', '--source', '--').flags).toMatchObject({
      rsyncArg: ['--bwlimit=5m'],
      address: '-tmp',
      source: ['--'],
    });
    expect(parse('web1', '--address').flags.address).toBe('');
    expect(parse('web1', '--source=').flags.source).toEqual([]);
  });

  it('negates booleans with --no-, reads -f, and takes everything after -- as arguments', () => {
    expect(parse('--dry-run', '--no-dry-run').flags.dryRun).toBe(false);
    expect(parse('--dry-run=false').flags.dryRun).toBe(false);
    expect(parse('-f', '7').flags).toMatchObject({ follow: true });
    expect(parse('-f', '7').args).toEqual(['7']);
    expect(parse('web1', '--', '--source=/x', '-f').args).toEqual(['web1', '--source=/x', '-f']);
    expect(parse('-', '-5').args).toEqual(['-', '-5']);
  });

  it('refuses unknown options and a single-value option given twice, as usage errors', () => {
    expect(() => parse('--bogus')).toThrow(/^unknown option --bogus for "pobsync configure-host"/);
    expect(() => parse('--no-address')).toThrow(/^unknown option --no-address/);
    expect(() => parse('-x')).toThrow(/^unknown option -x/);
    expect(() => parse('--address', 'a', '--address', 'b')).toThrow(/^--address was given more than once: give it once$/);
    expect(() => parse('--address=a', '--address=b')).toThrow(UserError);
  });
});
