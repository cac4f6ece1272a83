/** A search of a run log, as less has it: `/` types the text, Enter finds it from the view, n/N the next and previous. */
import type { Live } from './hooks/use-live.js';
import type { KeySection } from './keys/binding.js';

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
