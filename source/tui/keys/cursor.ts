/**
 * The cursor keys of every list, written once (lazygit's ListController): j/k and the arrows,
 * PgUp/PgDn, g/G and Home/End. A list gives a `Cursor` (how many rows, which one, how to move);
 * the run log is one too, a list of lines whose last position follows the log.
 */
import { useLive } from '../hooks/use-live.js';
import type { Binding } from './binding.js';

export interface Cursor {
  /** the footer's word for j/k here: 'select', 'host', 'scroll' */
  label: string;
  /** the footer's word for G, where G does more than go to the bottom */
  endLabel?: string;
  count(): number;
  position(): number;
  /** rows PgUp/PgDn move */
  page(): number;
  /** moves to `index`, kept inside the list */
  moveTo(index: number): void;
  /** moves `rows` screen rows down (up, negative), where a position is not a row: a log whose lines wrap */
  by?(rows: number): void;
}

/** `rows` down (or up) from where the cursor is. */
const step = (cursor: Cursor, rows: number) => (cursor.by ? cursor.by(rows) : cursor.moveTo(cursor.position() + rows));

export const CURSOR_KEYS: Binding<Cursor>[] = [
  {
    keys: ['j', 'Down'],
    label: (cursor) => cursor.label,
    footerKeys: 'j/k',
    description: 'down',
    handler: (cursor) => step(cursor, 1),
  },
  { keys: ['k', 'Up'], description: 'up', handler: (cursor) => step(cursor, -1) },
  { keys: ['PgDn'], description: 'a page down', handler: (cursor) => step(cursor, cursor.page()) },
  { keys: ['PgUp'], description: 'a page up', handler: (cursor) => step(cursor, -cursor.page()) },
  { keys: ['g', 'Home'], description: 'top', handler: (cursor) => cursor.moveTo(0) },
  {
    keys: ['G', 'End'],
    label: (cursor) => cursor.endLabel ?? '',
    footerKeys: 'G',
    description: 'bottom (in a run log: the end, following it)',
    handler: (cursor) => cursor.moveTo(cursor.count() - 1),
  },
];

export const clamp = (index: number, count: number) => Math.max(0, Math.min(count - 1, index));

export interface ListCursor<T> extends Cursor {
  selected(): T | undefined;
  /** selects the row with this key (a host name, a run id) */
  select(key: string | number): void;
}

/**
 * A cursor over `items` that stays on the same item (by `keyOf`) while the list reloads. Until
 * a key moves it, it is on `initial` (the first row unless said otherwise); a new `scope` (the
 * selected host) starts it there again. `items` may be a function, for a list that a key of the
 * same read changes (the hosts, filtered as the filter is typed).
 */
export function useListCursor<T>(
  items: readonly T[] | (() => readonly T[]),
  options: {
    keyOf: (item: T) => string | number;
    label: string;
    page: number;
    scope?: unknown;
    initial?: (items: readonly T[]) => number;
  },
): ListCursor<T> {
  const chosen = useLive<string | number | undefined>(undefined, options.scope);
  const { keyOf } = options;
  const list = typeof items === 'function' ? items : () => items;
  const position = () => {
    const all = list();
    const at = chosen.value === undefined ? -1 : all.findIndex((item) => keyOf(item) === chosen.value);
    return at >= 0 ? at : clamp(options.initial?.(all) ?? 0, all.length);
  };
  return {
    label: options.label,
    count: () => list().length,
    position,
    page: () => Math.max(1, options.page),
    moveTo: (index) => {
      const all = list();
      const item = all[clamp(index, all.length)];
      if (item !== undefined) chosen.set(keyOf(item));
    },
    selected: () => list()[position()],
    select: (key) => chosen.set(key),
  };
}
