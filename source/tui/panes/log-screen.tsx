/**
 * A run's log on the whole terminal, read from its file on demand: line 1 of any log is a `g`
 * away, a running run's log is followed as it grows (its index catches up with what was
 * appended), long lines wrap (`w`: or are cut, and ←/→ scroll sideways), and `/`, `n`, `N`
 * search all of it. Esc or q goes back to the Runs tab as it was.
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { isActiveRun, type RunView } from '../../services/runs/run-view.js';
import { LogRows } from '../components/log-rows.js';
import { fit } from '../components/table.js';
import { type Live, useLive } from '../hooks/use-live.js';
import { useLogFile } from '../hooks/use-log-file.js';
import { bind, bindingsOf, type KeySection, type Layer } from '../keys/binding.js';
import { CURSOR_KEYS } from '../keys/cursor.js';
import { type RowLayout, type RowPosition, rowCursor, screenRows } from '../log-rows.js';
import {
  findMatch,
  isTyping,
  type LogSearch,
  type LogViewContext,
  logViewKeys,
  SEARCH_TYPING_KEYS,
  searchField,
  searchPrompt,
} from '../log-search.js';
import type { PaneEnv } from './pane.js';

interface LogScreenContext extends LogViewContext {
  open: Live<boolean>;
  /** where the view starts; undefined: at the end, following what a running run appends */
  top: Live<RowPosition | undefined>;
  /** the place of the end now */
  end(): RowPosition;
}

export const LOG_SCREEN_KEYS: KeySection<LogScreenContext>[] = [
  {
    title: 'Full-screen log',
    bindings: [
      {
        keys: ['Esc', 'q'],
        label: 'back',
        footerKeys: 'Esc/q',
        description: 'back to the Runs tab, as it was',
        when: (c) => !isTyping(c),
        handler: (c) => c.open.set(false),
      },
      {
        keys: ['f'],
        label: 'follow',
        description: 'follow the log, or freeze it where it is',
        when: (c) => !isTyping(c),
        handler: (c) => c.top.set((top) => (top === undefined ? c.end() : undefined)),
      },
      ...logViewKeys(() => true),
    ],
  },
];

export interface LogScreen {
  /** the full-screen log is open */
  shown(): boolean;
  open(): void;
  layer(): Layer;
  view(): ReactNode;
}

/** The full-screen log of `run`, opened from the Runs tab; its place, wrapping and search stay while it is closed. */
export function useLogScreen(env: PaneEnv, run: RunView | undefined): LogScreen {
  const { app } = env;
  const { width, height } = env.screen ?? env;
  const scope = `${env.host}:${run?.id}`;
  const open = useLive(false, env.host);
  const top = useLive<RowPosition | undefined>(undefined, scope);
  const wrap = useLive(true);
  const left = useLive(0, scope);
  const search = useLive<LogSearch | undefined>(undefined, scope);
  const rowsHeight = Math.max(1, height - 1);
  const live = isActiveRun(run);
  const file = useLogFile(app.backend, run?.logPath, open.value && Boolean(run?.logPath), top.value?.line, rowsHeight, live);
  const lines = file.lines ?? 0;
  const layout: RowLayout = { width, wrap: wrap.value, left: left.value };
  const cursor = rowCursor({
    lines,
    lineAt: file.lineAt,
    height: rowsHeight,
    layout,
    top: () => top.value,
    setTop: (next) => top.set(next),
    endLabel: live ? 'end+follow' : 'end',
  });
  const { place, end } = cursor;
  const find = (from: 'view' | 'next' | 'previous') => {
    const { index } = file;
    const logPath = run?.logPath;
    if (!run || !logPath || !index) return;
    findMatch({
      app,
      run,
      search,
      from,
      position: place().line,
      lookup: (text, start, backward) => app.backend.findInLog(logPath, index, text, start, backward),
      moveTo: (line) => cursor.moveTo(line),
    });
  };
  const toggleWrap = () => {
    wrap.set((on) => !on);
    left.set(0);
    top.set((at) => at && { line: at.line, row: 0 });
  };
  const context: LogScreenContext = { open, top, wrap, left, toggleWrap, search, find, end };
  return {
    shown: () => open.value && run !== undefined,
    open: () => open.set(true),
    layer: () => ({
      commands: [
        ...bind(CURSOR_KEYS, cursor, () => !isTyping(context)),
        ...bind([...bindingsOf(LOG_SCREEN_KEYS), ...SEARCH_TYPING_KEYS.bindings], context),
      ],
      ...(isTyping(context) ? { text: searchField(search) } : {}),
    }),
    view: () => (
      <LogScreenView
        run={run}
        file={file.index !== undefined}
        lines={lines}
        place={place()}
        layout={layout}
        lineAt={file.lineAt}
        following={top.value === undefined}
        live={live}
        wrap={wrap.value}
        search={search.value}
        width={width}
        height={height}
      />
    ),
  };
}

function LogScreenView(props: {
  run: RunView | undefined;
  /** the file is indexed */
  file: boolean;
  lines: number;
  place: RowPosition;
  layout: RowLayout;
  lineAt: (line: number) => string | undefined;
  following: boolean;
  live: boolean;
  wrap: boolean;
  search: LogSearch | undefined;
  width: number;
  height: number;
}) {
  const { run, lines, width } = props;
  // Drawn here, not where the element is made: the App asks whether a view is on the whole terminal for every key.
  const rows = screenRows(props.place, props.height - 1, lines, props.lineAt, props.layout);
  const first = rows[0]?.line ?? 0;
  const where = lines > 0 ? `line ${first + 1} of ${lines}` : props.file ? 'empty' : 'reading…';
  const state = props.live ? (props.following ? 'following' : 'frozen') : props.following ? 'end' : '';
  const header = run
    ? `${searchPrompt(props.search)}${run.host}  run #${run.id} ${run.status}  ${where}${state ? `  ${state}` : ''}  ` +
      `${props.wrap ? 'wrapped' : 'cut (←/→)'}`
    : 'no run selected';
  const none = !run?.logPath ? `run #${run?.id} has no log yet` : props.file && lines === 0 ? 'the log is empty' : undefined;
  return (
    <Box flexDirection="column" width={width} height={props.height}>
      <Text bold inverse wrap="truncate">
        {fit(header, width)}
      </Text>
      {none ? <Text>{none}</Text> : <LogRows rows={rows} height={props.height - 1} lineAt={props.lineAt} search={props.search?.text} />}
    </Box>
  );
}
