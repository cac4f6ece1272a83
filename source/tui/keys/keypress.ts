/**
 * One key, as the bindings see it. Ink hands `useInput` a whole read from the terminal: its input
 * parser cuts escape sequences (arrows, PgUp, Esc) into events of their own, but a run of plain
 * characters stays one event ("jjj" when keys arrive together, a pasted path, "web2\r" from a
 * script). `splitInput` turns every event into the keys it holds, in order.
 */
import type { Key } from 'ink';

export interface Keypress {
  /** 'j', 'G', '?', ' ', or a named key: 'Enter', 'Esc', 'Tab', 'Shift-Tab', 'Up', 'PgDn', 'Backspace', 'Ctrl-c' ... */
  name: string;
  /** the character this key types into a text field; '' for keys that type nothing */
  text: string;
}

const NAMED: [keyof Key, string][] = [
  ['upArrow', 'Up'],
  ['downArrow', 'Down'],
  ['leftArrow', 'Left'],
  ['rightArrow', 'Right'],
  ['pageUp', 'PgUp'],
  ['pageDown', 'PgDn'],
  ['home', 'Home'],
  ['end', 'End'],
  ['return', 'Enter'],
  ['escape', 'Esc'],
  ['backspace', 'Backspace'],
  // Terminals send DEL (0x7f) for the Backspace key; Ink calls it delete.
  ['delete', 'Backspace'],
];

/** A plain character as a key: control characters are the keys they stand for and type nothing. */
function characterKey(character: string): Keypress {
  if (character === '\r' || character === '\n') return { name: 'Enter', text: '' };
  if (character === '\t') return { name: 'Tab', text: '' };
  if (character === '\b' || character === '\x7f') return { name: 'Backspace', text: '' };
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20) return { name: `Ctrl-${String.fromCharCode(code + 0x60)}`, text: '' };
  if (code >= 0x80 && code < 0xa0) return { name: '', text: '' };
  return { name: character, text: character };
}

/** Every key in one of Ink's input events, in the order they were typed. */
export function splitInput(input: string, key: Key): Keypress[] {
  if (key.tab) return [{ name: key.shift ? 'Shift-Tab' : 'Tab', text: '' }];
  for (const [flag, name] of NAMED) if (key[flag]) return [{ name, text: '' }];
  if (key.ctrl) return [{ name: `Ctrl-${input}`, text: '' }];
  // Esc and a letter in one read come as Alt+letter; nothing is bound to Alt, so it was Esc, then the letter.
  if (key.meta && input.length === 1) return [{ name: 'Esc', text: '' }, characterKey(input)];
  return [...input].map(characterKey);
}

const SHOWN: Record<string, string> = { Up: '↑', Down: '↓', Left: '←', Right: '→', ' ': 'Space' };

/** How a key name reads on screen and in the README. */
export function showKey(name: string): string {
  return SHOWN[name] ?? name;
}
