/**
 * Rendering and typing for ink-testing-library views, the way a person types: one input at a
 * time, the next only after React has rendered what the last one changed and run its effects.
 * useInput attaches the handler that knows the new state in an effect, so a key sent before that
 * meets the previous render's handler. act() waits for exactly that however busy the machine is,
 * where a fixed sleep only usually does.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { render } from 'ink-testing-library';
import { act, type ReactElement } from 'react';

export type View = ReturnType<typeof render>;

/** What the terminal sends for these keys. */
export const ESC = '\u001B';
export const ENTER = '\r';
export const TAB = '\t';
export const UP = '\u001B[A';
export const DOWN = '\u001B[B';
export const RIGHT = '\u001B[C';
export const HOME = '\u001B[H';
export const END = '\u001B[F';
export const PGUP = '\u001B[5~';
export const PGDN = '\u001B[6~';
export const BACKSPACE = '\u007F';
export const CTRL_A = '\u0001';
export const CTRL_E = '\u0005';
export const CTRL_U = '\u0015';
export const CTRL_W = '\u0017';

/** A frame as one line of words: box borders and line wraps do not split a message. */
export const flat = (frame: string | undefined) => (frame ?? '').replace(/[║│╔╗╚╝═]/g, ' ').replace(/\s+/g, ' ');

/** Renders and lets the view attach its input handlers. */
export async function renderView(tree: ReactElement): Promise<View> {
  let view: View | undefined;
  await inAct(async () => {
    view = render(tree);
  });
  return view!;
}

export async function press(view: View, ...inputs: string[]): Promise<void> {
  for (const input of inputs) {
    // Work the panes scheduled on their own (a poll's render, its effects) runs first: React's
    // scheduler posts it with setImmediate, and these turns come after what it posted.
    await nextTurn();
    await nextTurn();
    await inAct(async () => {
      view.stdin.write(input);
    });
  }
}

async function inAct(work: () => Promise<void>): Promise<void> {
  const scope = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  scope.IS_REACT_ACT_ENVIRONMENT = true;
  try {
    await act(work);
  } finally {
    // Between keys the panes poll and update on their own, which is not a mistake in the test.
    scope.IS_REACT_ACT_ENVIRONMENT = false;
  }
}
