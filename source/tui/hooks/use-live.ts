import { useReducer, useRef, useState } from 'react';

/**
 * State that a key handler can read right after another handler changed it. Several keys can
 * arrive in one read and run one after another before React renders again; `useState` would
 * give each of them the value of the last render (three `j` would move one row). A live cell's
 * `value` is always the newest, and `set` renders again.
 */
export interface Live<T> {
  readonly value: T;
  set(next: T | ((current: T) => T)): void;
}

/**
 * A live cell. With a `scope` (the selected host), the cell starts again from `initial` whenever
 * the scope changes, as a component with that `key` would. T must not be a function.
 */
export function useLive<T>(initial: T, scope?: unknown): Live<T> {
  const [, render] = useReducer((count: number) => count + 1, 0);
  const state = useRef({ value: initial, scope });
  if (!Object.is(state.current.scope, scope)) state.current = { value: initial, scope };
  const [cell] = useState<Live<T>>(() => ({
    get value() {
      return state.current.value;
    },
    set(next) {
      const value = typeof next === 'function' ? (next as (current: T) => T)(state.current.value) : next;
      if (Object.is(value, state.current.value)) return;
      state.current.value = value;
      render();
    },
  }));
  return cell;
}
