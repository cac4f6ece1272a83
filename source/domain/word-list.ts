/**
 * A list of words in one line of text, as a form field or a listing shows it: separated by white
 * space, a word that holds white space or a quote in double quotes. A source path with a space in
 * it is one path: split on every space, "/srv/odd dir" became "/srv/odd" and "dir", and a host
 * edited without a change was saved backing up something else.
 *
 * Backslashes stay as typed except where they escape a quote or white space: rsync patterns use
 * them (`\*` matches a star), and a pattern must reach rsync as it was written.
 */
import { UserError } from './errors.js';

// A word ending in a backslash too: unquoted, it would make the space after it part of the word.
const NEEDS_QUOTES = /[\s"']|^$|\\$/;

/** One line that splitWords reads back as `list`. */
export function joinWords(list: readonly string[]): string {
  return list.map((word) => (NEEDS_QUOTES.test(word) ? `"${word.replace(/[\\"]/g, (char) => `\\${char}`)}"` : word)).join(' ');
}

/**
 * The words of `text`: white space separates them; "double quotes" keep one word whole (inside
 * them \" and \\ are a quote and a backslash), 'single quotes' too (nothing escaped inside), and
 * outside quotes a backslash before white space or a quote makes it part of the word.
 */
export function splitWords(text: string): string[] {
  const list: string[] = [];
  let word: string | undefined;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      if (word !== undefined) list.push(word);
      word = undefined;
    } else if (char === '"' || char === "'") {
      const end = closingQuote(text, at);
      const inside = text.slice(at + 1, end);
      word = (word ?? '') + (char === '"' ? inside.replace(/\\([\\"])/g, '$1') : inside);
      at = end;
    } else if (char === '\\' && at + 1 < text.length && /[\s"']/.test(text[at + 1]!)) {
      word = (word ?? '') + text[at + 1];
      at += 1;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) list.push(word);
  return list;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open]!;
  for (let at = open + 1; at < text.length; at += 1) {
    if (quote === '"' && text[at] === '\\') at += 1;
    else if (text[at] === quote) return at;
  }
  throw new UserError(`a ${quote === '"' ? 'double' : 'single'} quote is not closed: ${text.slice(open)}`);
}
