import { useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { dispatch, type Layer } from './binding.js';
import { splitInput } from './keypress.js';

/**
 * The one `useInput` of the TUI: every read from the terminal is split into its keys and each
 * key goes to the layer `route` names when that key's turn comes. Nothing else reads the
 * keyboard, so no pane can drop the second key of "jj" or let a paste run into the wrong place.
 */
export function useKeys(route: () => Layer): void {
  const latest = useRef(route);
  latest.current = route;
  const onInput = useCallback<Parameters<typeof useInput>[0]>((input, key) => dispatch(splitInput(input, key), () => latest.current()), []);
  useInput(onInput);
}
