/**
 * The key layer on its own: what Ink hands over in one read becomes every key in it, in order,
 * and each goes to the layer that has the keyboard when its turn comes.
 */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { bind, dispatch, type Layer } from '../../source/tui/keys/binding.js';
import { splitInput } from '../../source/tui/keys/keypress.js';

const NONE: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const names = (input: string, key: Partial<Key> = {}) => splitInput(input, { ...NONE, ...key }).map((press) => press.name);

describe('splitInput', () => {
  it('turns a run of characters into its keys, control characters into the keys they are', () => {
    expect(names('jjj')).toEqual(['j', 'j', 'j']);
    expect(names('web2\r')).toEqual(['w', 'e', 'b', '2', 'Enter']);
    expect(names('local\t\t/src')).toEqual(['l', 'o', 'c', 'a', 'l', 'Tab', 'Tab', '/', 's', 'r', 'c']);
    expect(names('\x7f\x7f\b')).toEqual(['Backspace', 'Backspace', 'Backspace']);
    expect(names('G')).toEqual(['G']);
    expect(splitInput('a b', NONE).map((press) => press.text)).toEqual(['a', ' ', 'b']);
  });

  it('takes the keys Ink has named as they are, and Alt+letter as Esc then the letter', () => {
    expect(names('', { downArrow: true })).toEqual(['Down']);
    expect(names('', { tab: true, shift: true })).toEqual(['Shift-Tab']);
    expect(names('', { escape: true, meta: true })).toEqual(['Esc']);
    expect(names('c', { ctrl: true })).toEqual(['Ctrl-c']);
    expect(names('', { delete: true })).toEqual(['Backspace']);
    expect(names('q', { meta: true })).toEqual(['Esc', 'q']);
  });
});

describe('dispatch', () => {
  it('routes each key to the layer of its turn, and typed text to a text field whole', () => {
    const log: string[] = [];
    let typing = false;
    const keys: Layer = {
      commands: bind(
        [
          { keys: ['/'], description: 'type', handler: () => (typing = true) },
          { keys: ['j'], description: 'down', handler: () => log.push('down') },
        ],
        undefined,
      ),
    };
    const field: Layer = {
      commands: bind([{ keys: ['Enter'], description: 'done', handler: () => (typing = false) }], undefined),
      text: { label: 'text', insert: (text) => log.push(`text ${text}`) },
    };
    dispatch(splitInput('jj/web1 x\rj', NONE), () => (typing ? field : keys));
    expect(log).toEqual(['down', 'down', 'text web1 x', 'down']);
  });
});
