/**
 * A pane: state in live cells and hooks (it lives in the App, so a dialog over it loses nothing),
 * the keys it takes while focused, and how it draws. The App lays panes out and routes keys.
 *
 * A new tab: a module here with `useThingPane(env: PaneEnv): Pane` (state in `useLive` cells and
 * `useListCursor`, its keys as `THING_KEYS: KeySection<ThingContext>[]`, a view), a line in TABS
 * and in `Panes`, its hook called in app.tsx, its keys in keymap.ts; then `npm run docs:keys`.
 */
import type { ReactNode } from 'react';
import type { AppEnv } from '../env.js';
import { type Polled, usePoll } from '../hooks/use-poll.js';
import type { Layer } from '../keys/binding.js';
import type { HostsPane } from './hosts.js';
import type { RetentionPane } from './retention.js';
import type { SnapshotsPane } from './snapshots.js';

export interface Pane {
  /** where keys go while the pane has the focus */
  layer(): Layer;
  /** draws it; `active`: it has the focus */
  view(active: boolean): ReactNode;
  /** the last load failed with this */
  error?: string | undefined;
  /** what it draws on the whole terminal instead of the panes (the full-screen log), while it does */
  screen?(): ReactNode | undefined;
}

/** What a pane of the detail area is given: the app, the selected host, its box. */
export interface PaneEnv {
  app: AppEnv;
  host: string | undefined;
  width: number;
  height: number;
  /** its tab is on screen: only then does it poll */
  shown: boolean;
  /** the terminal's area above the status line, for a view on the whole terminal; the pane's box without one */
  screen?: { width: number; height: number };
}

export type Tab = 'runs' | 'snapshots' | 'retention' | 'host' | 'archives';

/** Every pane: the hosts on the left, and the tabs. */
export type PaneId = 'hosts' | Tab;

/** The detail area's tabs, in the order of their number keys. */
export const TABS: { id: Tab; title: string }[] = [
  { id: 'runs', title: 'Runs' },
  { id: 'snapshots', title: 'Snapshots' },
  { id: 'retention', title: 'Retention' },
  { id: 'host', title: 'Host' },
  { id: 'archives', title: 'Archives' },
];

export type Panes = { hosts: HostsPane; retention: RetentionPane; snapshots: SnapshotsPane } & Record<
  Exclude<Tab, 'retention' | 'snapshots'>,
  Pane
>;

export const POLL_MS = 1000;

/**
 * Loads what a detail pane shows about its host, every `intervalMs` while its tab is on screen
 * and the catalogue changed, again at once after an action; nothing while hidden or without a
 * host. A hidden tab keeps what it loaded last: back on screen, it shows that at once (a key
 * switching tabs waits for no query) and loads again behind it.
 */
export function usePanePoll<T>(
  env: PaneEnv,
  load: (host: string) => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[] = [],
): Polled<T | undefined> {
  const { host, shown } = env;
  const { backend } = env.app;
  const polled = usePoll(
    async () => (host ? { host, value: await load(host) } : undefined),
    intervalMs,
    [backend, host, env.app.changes, ...deps],
    {
      enabled: shown && host !== undefined,
      version: backend.version,
    },
  );
  // What was loaded for the host selected before is not this host's: until its own loads, nothing.
  return { ...polled, data: polled.data && polled.data.host === host ? polled.data.value : undefined };
}
