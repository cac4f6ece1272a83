/**
 * A search of a run log, as less has it: `/` types the text, Enter finds it from the view, n/N
 * the next and previous; and the other keys the Runs tab's log and the full-screen log share.
 */
import type { RunView } from '../services/runs/run-view.js';
import { errorText } from './components/chrome.js';
import type { AppEnv } from './env.js';
import type { Live } from './hooks/use-live.js';
import type { Binding, KeySection } from './keys/binding.js';
import { SIDEWAYS } from './log-rows.js';

export interface LogSearch {
  text: string;
  /** the text is being typed: it has the keyboard */
  typing: boolean;
  /** the line of the last match (in the file, or in the lines the view holds) */
  at?: number;
}

/** What the keys of a search being typed work on: in the Runs tab's log and in the full-screen log. */
export interface SearchContext {
  search: Live<LogSearch | undefined>;
  /** finds the search text from the view on (or the next or previous match) and brings it into view */
  find(from: 'view' | 'next' | 'previous'): void;
}

export const isTyping = (c: SearchContext) => c.search.value?.typing === true;
export const hasSearch = (c: SearchContext) => !isTyping(c) && (c.search.value?.text ?? '') !== '';

/** The search prompt in a log's header. */
export const searchPrompt = (search: LogSearch | undefined) =>
  search?.typing ? `/${search.text}▏  ` : search?.text ? `/${search.text} (n/N)  ` : '';

export const SEARCH_TYPING_KEYS: KeySection<SearchContext> = {
  title: 'Typing a log search',
  bindings: [
    {
      keys: ['Enter'],
      label: 'find',
      description: 'find it from the view on',
      when: isTyping,
      handler: (c) => {
        c.search.set((search) => (search?.text ? { text: search.text, typing: false } : undefined));
        if (c.search.value) c.find('view');
      },
    },
    { keys: ['Esc'], label: 'cancel', description: 'no search', when: isTyping, handler: (c) => c.search.set(undefined) },
    {
      keys: ['Backspace'],
      description: 'delete the last character',
      when: isTyping,
      handler: (c) => c.search.set((search) => ({ text: (search?.text ?? '').slice(0, -1), typing: true })),
    },
    {
      keys: ['Ctrl-u', 'Ctrl-w'],
      description: 'delete it all',
      when: isTyping,
      handler: (c) => c.search.set({ text: '', typing: true }),
    },
  ],
};

/** Typed text goes into the search while it is being typed. */
export const searchField = (search: Live<LogSearch | undefined>) => ({
  label: 'search',
  insert: (typed: string) => search.set((current) => ({ text: `${current?.text ?? ''}${typed}`, typing: true })),
});

/** Where a search starts, and how its match is found and shown, for `findMatch`. */
export interface FindRequest {
  app: AppEnv;
  run: RunView;
  search: Live<LogSearch | undefined>;
  from: 'view' | 'next' | 'previous';
  /** the line at the top of the view */
  position: number;
  /** the first line at or after `start` (at or before it, `backward`) that holds `text`, going round */
  lookup(text: string, start: number, backward: boolean): number | undefined | Promise<number | undefined>;
  /** brings the matching line into view */
  moveTo(line: number): void;
}

/**
 * Finds the search text from the view on, or the next or previous match, and says when there is
 * none or the search went round. A lookup in the lines at hand answers at once, so the second
 * `n` of "nn" goes on from the first one's match.
 */
export function findMatch({ app, run, search, from, position, lookup, moveTo }: FindRequest): void {
  const { text, at } = search.value ?? { text: '' };
  if (!text) return;
  const backward = from === 'previous';
  const start = from === 'view' || at === undefined ? position - (backward ? 1 : 0) : at + (backward ? -1 : 1);
  const found = (line: number | undefined) => {
    if (line === undefined) return app.say({ kind: 'warn', text: `no match for "${text}" in the log of run #${run.id}` });
    if (backward ? line > start : line < start) app.say({ kind: 'info', text: `search went round the log of run #${run.id}` });
    search.set((current) => current && { ...current, at: line });
    moveTo(line);
  };
  const result = lookup(text, start, backward);
  if (result instanceof Promise) result.then(found).catch((error: unknown) => app.say({ kind: 'error', text: errorText(error) }));
  else found(result);
}

/** What the keys both run logs share work on. */
export interface LogViewContext extends SearchContext {
  wrap: Live<boolean>;
  /** columns cut lines are scrolled sideways */
  left: Live<number>;
  /** wraps long lines, or cuts them, keeping the line at the top of the view */
  toggleWrap(): void;
}

/** The keys of a log view, the Runs tab's or the full-screen one, while `shown` holds: wrap, sideways, search. */
export function logViewKeys<C extends LogViewContext>(shown: (c: C) => boolean): Binding<C>[] {
  const idle = (c: C) => shown(c) && !isTyping(c);
  const searched = (c: C) => shown(c) && hasSearch(c);
  return [
    {
      keys: ['w'],
      label: (c) => (c.wrap.value ? 'cut lines' : 'wrap lines'),
      description: 'wrap long lines, or cut them at the edge (←/→ scroll them)',
      when: idle,
      handler: (c) => c.toggleWrap(),
    },
    {
      keys: ['Left'],
      footerKeys: '←/→',
      label: 'sideways',
      description: 'scroll cut lines left',
      when: (c) => idle(c) && !c.wrap.value,
      handler: (c) => c.left.set((left) => Math.max(0, left - SIDEWAYS)),
    },
    {
      keys: ['Right'],
      description: 'scroll cut lines right',
      when: (c) => idle(c) && !c.wrap.value,
      handler: (c) => c.left.set((left) => left + SIDEWAYS),
    },
    {
      keys: ['/'],
      label: 'search',
      description: 'search the log, in any case',
      when: idle,
      handler: (c) => c.search.set({ text: '', typing: true }),
    },
    { keys: ['n'], label: 'next', description: 'next match', when: searched, handler: (c) => c.find('next') },
    { keys: ['N'], description: 'previous match', when: searched, handler: (c) => c.find('previous') },
  ];
}
