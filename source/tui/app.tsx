/**
 * The terminal UI: hosts on the left, the selected host's runs, snapshots, retention and
 * settings on the right, in tabs. The App lays the panes out, routes every key to the focused
 * pane (or the open dialog) and shows dialogs over the panes; the panes own their state, their
 * keys and their actions, which go through the Backend (the services) to the status line.
 */
import { Box, Text, useApp } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { Backend, Overview } from './backend.js';
import { errorText, Footer, Header, MIN_SIZE, StatusLine, TooSmall } from './components/chrome.js';
import type { Dialog } from './dialogs/dialog.js';
import { helpPage } from './dialogs/help.js';
import { DialogView, dialogContext, dialogLayer, dialogWidth } from './dialogs/index.js';
import type { AppEnv } from './env.js';
import { useFirstRun } from './first-run.js';
import { type Focus, GLOBAL_KEYS, INTERRUPT_KEYS } from './global-keys.js';
import { useLive } from './hooks/use-live.js';
import { usePoll } from './hooks/use-poll.js';
import { type TerminalSize, useTerminalSize } from './hooks/use-terminal-size.js';
import { helpSections } from './keymap.js';
import { bind, footerEntries, type Layer } from './keys/binding.js';
import { useKeys } from './keys/use-keys.js';
import { eventMessage, expiryOf, KEPT_MESSAGES, type LastRuns, type Message, runEndMessages, shownMessage } from './messages.js';
import { useArchivesPane } from './panes/archives.js';
import { useHostPane } from './panes/host.js';
import { useHostsPane } from './panes/hosts.js';
import { type PaneEnv, type Panes, POLL_MS, TABS, type Tab } from './panes/pane.js';
import { useRetentionPane } from './panes/retention.js';
import { useRunsPane } from './panes/runs.js';
import { useSnapshotsPane } from './panes/snapshots.js';
import { tone } from './theme.js';

/**
 * How often the App's clock ticks while nothing on screen counts seconds: every render redraws
 * the whole screen, so an idle one renders once a minute (an age under a minute may lag by that).
 */
const IDLE_TICK_MS = 60_000;

/** The global keys that work over a pane's view on the whole terminal (with Ctrl-C, which quits). */
const ALWAYS = new Set(['?', '!']);

export function App(props: { backend: Backend; size?: TerminalSize; initialOverview?: Overview }) {
  const { backend } = props;
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(props.size);
  const [now, setNow] = useState(() => new Date());
  const [changes, refresh] = useReducer((count: number) => count + 1, 0);
  const [message, setMessage] = useState<Message>();
  const said = useRef<Message[]>([]);
  /** runs this process's worker told of as events: the overview does not tell them again */
  const announced = useRef(new Set<number>());
  const say = (next: Message) => {
    const stamped = { ...next, at: next.at ?? Date.now() };
    said.current = [stamped, ...said.current].slice(0, KEPT_MESSAGES);
    setMessage(stamped);
  };
  const focus = useLive<Focus>('hosts');
  const tab = useLive<Tab>('runs');
  const dialog = useLive<Dialog | undefined>(undefined);
  const panes = useRef<Panes>(undefined);

  // What the scheduler and worker of this process do shows in the status line.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `say` only sets state and a ref
  useEffect(
    () =>
      backend.onEvent((event) => {
        if (event.runId !== undefined) announced.current.add(event.runId);
        say(eventMessage(event, Date.now()));
      }),
    [backend],
  );

  const overview = usePoll(() => backend.overview(), POLL_MS, [backend, changes], {
    initial: props.initialOverview,
    version: backend.version,
  });
  // The App's clock ticks every second only while what it shows counts seconds (a run is under
  // way); otherwise a frame a second would cost CPU for nothing. A message on the status line
  // goes when its time is up: one frame then, not one a second until then.
  const totals = overview.data?.status.totals;
  const ticking = (totals?.running ?? 0) + (totals?.queued ?? 0) > 0;
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), ticking ? 1000 : IDLE_TICK_MS);
    return () => clearInterval(timer);
  }, [ticking]);
  const expiresAt = expiryOf(shownMessage(message, now));
  useEffect(() => {
    if (expiresAt === undefined) return;
    // A little after: a timer may fire a millisecond early, and the message would stay.
    const timer = setTimeout(() => setNow(new Date()), Math.max(0, expiresAt - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [expiresAt]);
  // Runs another process ran (a daemon's) end without an event here: a failure is told all the same.
  const lastRuns = useRef<LastRuns>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `say` only sets state and a ref
  useEffect(() => {
    const data = overview.data;
    if (!data) return;
    const { seen, ended } = runEndMessages(lastRuns.current, data.status.hosts, Date.now());
    lastRuns.current = seen;
    for (const { runId, message } of ended) if (!announced.current.has(runId)) say(message);
  }, [overview.data]);
  const app: AppEnv = {
    backend,
    now,
    timeZone: overview.data?.status.settings.timeZone ?? 'UTC',
    changes,
    act(busy, action) {
      say({ kind: 'busy', text: busy });
      action()
        .then((text) => say({ kind: 'info', text }))
        .catch((error: unknown) => say({ kind: 'error', text: errorText(error) }))
        .finally(refresh);
    },
    say,
    refresh,
    open: (next) => dialog.set(next),
    close: () => dialog.set(undefined),
    exit,
    panes: () => panes.current!,
  };

  const bodyHeight = Math.max(6, rows - 1 - 2 - 2);
  const hostsWidth = Math.max(22, Math.min(32, Math.floor(columns / 4)));
  const detailWidth = columns - hostsWidth;
  const hosts = useHostsPane(overview.data?.status.hosts ?? [], {
    width: hostsWidth,
    height: bodyHeight,
    now,
    onOpen: () => focus.set('detail'),
    servers: overview.data?.status.servers?.length ?? 1,
  });
  const host = hosts.host();
  const detail = (id: Tab): PaneEnv => ({
    app,
    host,
    width: detailWidth - 2,
    height: bodyHeight - 3,
    shown: tab.value === id,
    screen: { width: columns, height: rows - 1 - 2 },
  });
  const current: Panes = {
    hosts,
    runs: useRunsPane(detail('runs')),
    snapshots: useSnapshotsPane(detail('snapshots')),
    retention: useRetentionPane(detail('retention')),
    host: useHostPane(detail('host')),
    archives: useArchivesPane(detail('archives')),
  };
  panes.current = current;
  useFirstRun({ app, overview: overview.data, dialog, hosts, focus, tab });

  const globalContext = {
    app,
    focus,
    tab,
    dialog,
    hosts,
    runningHere: () => overview.data?.runningHere ?? [],
    help: () =>
      dialog.set({ kind: 'help', sections: helpSections(focus.value === 'hosts' ? 'hosts' : tab.value), page: helpPage(bodyHeight) }),
    messages: () => dialog.set({ kind: 'messages', messages: said.current }),
  };
  const global = bind(GLOBAL_KEYS, globalContext);
  const interrupt = bind(INTERRUPT_KEYS, globalContext);
  /** Who takes a key now: the open dialog, a text field, or the focused pane and then the global keys. */
  const route = (): Layer => {
    const open = dialogContext(dialog, app);
    if (open) {
      const layer = dialogLayer(open);
      return { ...layer, commands: [...layer.commands, ...interrupt] };
    }
    const layer = (focus.value === 'hosts' ? current.hosts : current[tab.value]).layer();
    if (layer.text) return { ...layer, commands: [...layer.commands, ...interrupt] };
    // On the whole terminal, a pane's view takes every key but help, the messages and quitting.
    return {
      commands: [
        ...layer.commands,
        // q is the view's own (back): the quit binding stays out, or the footer would offer "q quit".
        ...(fullScreen() ? [...global.filter((command) => command.keys.every((key) => ALWAYS.has(key))), ...interrupt] : global),
      ],
    };
  };
  const fullScreen = () => (focus.value === 'detail' ? current[tab.value].screen?.() : undefined);
  useKeys(route);

  if (columns < MIN_SIZE.columns || rows < MIN_SIZE.rows) return <TooSmall columns={columns} rows={rows} />;
  const open = dialogContext(dialog, app);
  const screen = open ? undefined : fullScreen();
  if (screen) {
    return (
      <Box flexDirection="column" width={columns} height={rows - 1}>
        {screen}
        <StatusLine message={shownMessage(message, now)} width={columns} />
        <Footer keys={footerEntries(route())} width={columns} />
      </Box>
    );
  }
  const typing = route().text !== undefined;
  const detailActive = focus.value === 'detail' && !open && !typing;
  const error = overview.error ?? current[tab.value].error;
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Header overview={overview.data} width={columns} now={now} />
      {/* Hidden, not unmounted, while a dialog is open: nothing the panes draw loses its state. */}
      <Box flexDirection="row" height={bodyHeight} display={open ? 'none' : 'flex'}>
        {hosts.view(focus.value === 'hosts' && !open)}
        <Box
          flexDirection="column"
          width={detailWidth}
          height={bodyHeight}
          borderStyle={detailActive ? 'double' : 'single'}
          borderColor={detailActive ? tone('accent') : undefined}
        >
          <Text wrap="truncate">
            {/* Tight enough that five tabs and the host's name fit in 80 columns. */}
            {TABS.map(({ id, title }, index) => (
              <Text key={id}>
                {index > 0 ? ' ' : ''}
                <Text inverse={tab.value === id} bold={tab.value === id}>
                  {`${index + 1} ${title}`}
                </Text>
              </Text>
            ))}
            <Text color={tone('muted')}>{host ? `  ${host}` : ''}</Text>
          </Text>
          {host ? (
            current[tab.value].view(detailActive)
          ) : (
            <Text color={tone('muted')}>
              {(overview.data?.status.hosts.length ?? 0) === 0 ? 'No hosts yet: press n to add one.' : 'No host selected.'}
            </Text>
          )}
        </Box>
      </Box>
      {open ? <DialogView context={open} width={dialogWidth(open, columns)} height={bodyHeight} /> : null}
      <Box flexGrow={1} />
      <StatusLine message={shownMessage(message, now) ?? (error ? { kind: 'error', text: error } : undefined)} width={columns} />
      <Footer keys={footerEntries(route())} width={columns} />
    </Box>
  );
}
