import { describe, expect, it } from 'vitest';
import { joinWords, splitWords } from '../../source/domain/word-list.js';

describe('a list of words in one line', () => {
  it('keeps a path with a space one word, in quotes, and reads it back', () => {
    expect(joinWords(['/srv/odd dir', '/etc'])).toBe('"/srv/odd dir" /etc');
    expect(splitWords('"/srv/odd dir" /etc')).toEqual(['/srv/odd dir', '/etc']);
    expect(splitWords("'/srv/odd dir'  /etc ")).toEqual(['/srv/odd dir', '/etc']);
    expect(splitWords('/srv/odd\\ dir /etc')).toEqual(['/srv/odd dir', '/etc']);
  });

  it("leaves rsync patterns' backslashes as typed", () => {
    expect(splitWords('\\*.tmp a\\b')).toEqual(['\\*.tmp', 'a\\b']);
    expect(joinWords(['\\*.tmp', 'a\\b'])).toBe('\\*.tmp a\\b');
  });

  it('reads back whatever it wrote: quotes, backslashes, empty words, tabs', () => {
    const lists = [['say "hi"', "it's", 'end\\', '', 'a\tb', '\\"', 'x y\\'], ['--bwlimit=5m', '--exclude=*.o'], []];
    for (const list of lists) expect(splitWords(joinWords(list))).toEqual(list);
    const alphabet = ['a', ' ', '"', "'", '\\', '\t', '/'];
    for (let seed = 1; seed < 500; seed += 1) {
      const list = Array.from({ length: seed % 4 }, (_, index) =>
        Array.from({ length: (seed * (index + 3)) % 7 }, (_, at) => alphabet[(seed * 31 + index * 7 + at * 13) % alphabet.length]).join(''),
      );
      expect(splitWords(joinWords(list))).toEqual(list);
    }
  });

  it('refuses a quote left open, in one line', () => {
    expect(() => splitWords('"/srv/odd dir /etc')).toThrow(/^a double quote is not closed: "\/srv\/odd dir \/etc$/);
    expect(() => splitWords("it's")).toThrow(/^a single quote is not closed/);
  });
});
