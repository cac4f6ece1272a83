import { Box, Text } from 'ink';
import { useRef } from 'react';
import { formatBytes, formatCount, formatDuration, formatTime } from '../../domain/format.js';
import { isActiveRun, lineMatches, type RunView } from '../../services/runs/run-view.js';
import { LogRows } from '../components/log-rows.js';
import { ProgressBar } from '../components/progress-bar.js';
import { fit, Table } from '../components/table.js';
import type { AppEnv } from '../env.js';
import { type Live, useLive } from '../hooks/use-live.js';
import { type LogFile, useLogFile } from '../hooks/use-log-file.js';
import { useLogTail } from '../hooks/use-log-tail.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, type Cursor, clamp, type ListCursor, useListCursor } from '../keys/cursor.js';
import type { LogBuffer } from '../log-buffer.js';
import { lineRows, type RowLayout, type RowPosition, rowCursor, type ScreenRow, screenRows } from '../log-rows.js';
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
import { runTone } from '../theme.js';
import { type LogScreen, useLogScreen } from './log-screen.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';

/** The confirmed answer of "Cancel run #7?". */
export interface CancelRunAnswer {
  do: 'cancel-run';
  run: RunView;
}

export function cancelRun(env: AppEnv, { run }: CancelRunAnswer): void {
  env.act(`cancelling run #${run.id}`, async () => `run #${run.id}: ${await env.backend.cancelRun(run.id)}`);
}

/**
 * Following the log, or stopped: then the view keeps a copy of the lines it had (a ring that
 * moves on at 20,000 lines a second would carry them away) and scrolls in that copy.
 */
type Scroll =
  | { follow: true }
  | {
      follow: false;
      lines: readonly string[];
      /** lines back from the end of `lines` */
      fromEnd: number;
      /** how many lines the log had when it stopped */
      total: number;
    };

const FOLLOW: Scroll = { follow: true };

interface RunsContext extends LogViewContext {
  app: AppEnv;
  screen: LogScreen;
  runs: ListCursor<RunView>;
  mode: Live<'list' | 'log'>;
  scroll: Live<Scroll>;
  /** where the view starts while lines wrap; undefined: the end */
  wrapTop: Live<RowPosition | undefined>;
  log: LogBuffer;
}

const inLog = (c: RunsContext) => c.mode.value === 'log';
const searching = isTyping;

export const RUNS_KEYS: KeySection<RunsContext>[] = [
  {
    title: 'Runs',
    bindings: [
      {
        keys: ['Enter'],
        label: 'log',
        description: "into the selected run's log",
        when: (c) => !inLog(c) && c.runs.selected() !== undefined,
        handler: (c) => c.mode.set('log'),
      },
      {
        keys: ['L'],
        label: 'full screen',
        description: "the selected run's log on the whole terminal: all of it from line 1, followed while it runs",
        when: (c) => !searching(c) && c.runs.selected() !== undefined,
        handler: (c) => {
          // The selection follows the running run until a key picks one: pinned here, or a run
          // starting while the log is open would take the view over.
          c.runs.select(c.runs.selected()!.id);
          c.screen.open();
        },
      },
      {
        keys: ['i'],
        label: 'details',
        description: 'the selected run whole: its error, times and figures, where its log is',
        when: (c) => c.runs.selected() !== undefined,
        handler: (c) => c.app.open({ kind: 'run-detail', run: c.runs.selected()! }),
      },
      {
        keys: ['c'],
        label: 'cancel run',
        description: 'cancel the selected run if it is running or queued (asks first)',
        when: (c) => isActiveRun(c.runs.selected()),
        handler: (c) => {
          const run = c.runs.selected()!;
          c.app.open({
            kind: 'confirm',
            message: `Cancel run #${run.id} of ${run.host} (${run.status})? Its unfinished tree stays for the next run.`,
            answer: { do: 'cancel-run', run },
          });
        },
      },
      {
        keys: ['f'],
        label: 'follow',
        description: 'follow the log, or stop following it',
        handler: (c) => {
          c.wrapTop.set(undefined);
          c.scroll.set(c.scroll.value.follow ? { follow: false, lines: c.log.copy(), fromEnd: 0, total: c.log.total } : FOLLOW);
        },
      },
    ],
  },
  {
    title: 'Run log',
    bindings: [
      {
        keys: ['Esc'],
        label: 'runs',
        description: 'back to the runs',
        when: (c) => inLog(c) && !searching(c),
        handler: (c) => c.mode.set('list'),
      },
      ...logViewKeys(inLog),
    ],
  },
  SEARCH_TYPING_KEYS,
];

/** The first index at or after `from` (or at or before it, `backward`) whose line holds `text`, going round. */
function findIn(lines: readonly string[], text: string, from: number, backward: boolean): number | undefined {
  const count = lines.length;
  for (let step = 0; step < count; step += 1) {
    const index = (((backward ? from - step : from + step) % count) + count) % count;
    if (lineMatches(lines[index]!, text)) return index;
  }
  return undefined;
}

/** Recent runs of the host, polled; see `useRuns`. */
export function useRunsPane(env: PaneEnv): Pane {
  const runs = usePanePoll(env, (host) => env.app.backend.runs(host), POLL_MS);
  return { ...useRuns(env, runs.data), error: runs.error };
}

/**
 * Recent runs of the host, and below them the log of the selected one (the running one, at
 * first), live: the tail of rsync's output and a progress bar. Enter moves into the log, where
 * the cursor keys scroll; scrolled back, the view stays on its lines while new ones arrive.
 */
export function useRuns(env: PaneEnv, loaded: RunView[] | undefined): Pane {
  const { width, height } = env;
  const runs = loaded ?? [];
  const mode = useLive<'list' | 'log'>('list', env.host);
  const tableHeight = Math.max(2, Math.min(runs.length + 1, Math.max(4, Math.floor(height / 3))));
  // Until the admin picks one, the selection is the running run; once it ends, still that run
  // (not a newer skipped or cancelled one); with none watched yet, the newest.
  const watched = useRef<{ host: string | undefined; id: number | undefined }>({ host: env.host, id: undefined });
  if (watched.current.host !== env.host) watched.current = { host: env.host, id: undefined };
  const runningNow = runs.find((run) => run.status === 'running');
  if (runningNow) watched.current.id = runningNow.id;
  const list = useListCursor(runs, {
    keyOf: (run) => run.id,
    label: 'select',
    page: tableHeight - 1,
    scope: env.host,
    initial: (all) => {
      const running = all.findIndex((run) => run.status === 'running');
      return Math.max(0, running >= 0 ? running : all.findIndex((run) => run.id === watched.current.id));
    },
  });
  const selected = list.selected();
  // Where the log view is belongs to the run it shows.
  const scroll = useLive<Scroll>(FOLLOW, `${env.host}:${selected?.id}`);
  const fileTop = useLive<number | undefined>(undefined, `${env.host}:${selected?.id}`);
  const wrapTop = useLive<RowPosition | undefined>(undefined, `${env.host}:${selected?.id}`);
  const wrap = useLive(false);
  const left = useLive(0, `${env.host}:${selected?.id}`);
  const buffer = useLogTail(env.app.backend, selected?.logPath, isActiveRun(selected));
  const showProgress = selected?.status === 'running' && buffer.progress !== undefined;
  const logHeight = Math.max(1, height - tableHeight - 1 - (showProgress ? 1 : 0));
  // A finished run's log longer than its tail is read from the file, all of it reachable.
  const fromFile = mode.value === 'log' && selected !== undefined && !isActiveRun(selected) && buffer.startCut;
  const file = useLogFile(env.app.backend, selected?.logPath, fromFile, wrap.value ? wrapTop.value?.line : fileTop.value, logHeight);
  const byLines = file.lines !== undefined ? fileCursor(file.lines, logHeight, fileTop) : logCursor(buffer, logHeight, scroll);
  const layout: RowLayout = { width, wrap: wrap.value, left: left.value };
  const source = logSource(file, buffer, scroll.value, logHeight);
  const byRows = rowCursor({
    ...source,
    height: logHeight,
    layout,
    top: () => wrapTop.value,
    setTop: (top) => {
      if (file.lines === undefined && top === undefined) scroll.set(FOLLOW);
      else if (file.lines === undefined && scroll.value.follow) {
        scroll.set({ follow: false, lines: buffer.copy(), fromEnd: 0, total: buffer.total });
      }
      wrapTop.set(top);
    },
    endLabel: file.lines !== undefined ? 'end' : 'end+follow',
  });
  const log = wrap.value ? byRows : byLines;
  const toggleWrap = () => {
    if (wrap.value) {
      const top = wrapTop.value;
      if (top && file.lines !== undefined) fileTop.set(Math.min(top.line, Math.max(0, file.lines - logHeight)));
      const current = scroll.value;
      if (top && !current.follow) scroll.set({ ...current, fromEnd: Math.max(0, current.lines.length - logHeight - top.line) });
    } else {
      const following = file.lines !== undefined ? fileTop.value === undefined : scroll.value.follow;
      wrapTop.set(following ? undefined : { line: byLines.position(), row: 0 });
    }
    wrap.set((on) => !on);
    left.set(0);
  };
  const search = useLive<LogSearch | undefined>(undefined, `${env.host}:${selected?.id}`);
  const find = (from: 'view' | 'next' | 'previous') => {
    if (!selected) return;
    const { logPath } = selected;
    const { index } = file;
    findMatch({
      app: env.app,
      run: selected,
      search,
      from,
      position: log.position(),
      // A finished run's log read from its file is searched in the file; the tail, in the lines the view holds.
      lookup:
        file.lines !== undefined && index && logPath
          ? (text, start, backward) => env.app.backend.findInLog(logPath, index, text, start, backward)
          : (text, start, backward) => {
              const current = scroll.value;
              return findIn(current.follow ? buffer.copy() : current.lines, text, start, backward);
            },
      moveTo: (line) => log.moveTo(line),
    });
  };
  const screen = useLogScreen(env, selected);
  const context: RunsContext = {
    app: env.app,
    screen,
    runs: list,
    mode,
    scroll,
    wrapTop,
    wrap,
    left,
    toggleWrap,
    log: buffer,
    search,
    find,
  };
  const pane: Pane = {
    screen: () => (screen.shown() ? screen.view() : undefined),
    layer: () =>
      screen.shown()
        ? screen.layer()
        : {
            commands: [
              ...bind(CURSOR_KEYS, list, () => !inLog(context)),
              ...bind(CURSOR_KEYS, log, () => inLog(context) && !searching(context)),
              ...bind(bindingsOf(RUNS_KEYS), context),
            ],
            ...(searching(context) ? { text: searchField(search) } : {}),
          },
    view: (active) => {
      const rows = wrap.value ? screenRows(byRows.place(), logHeight, source.lines, source.lineAt, layout) : undefined;
      return (
        <RunsView
          runs={runs}
          loading={loaded === undefined}
          selected={list.position()}
          mode={mode.value}
          search={mode.value === 'log' ? search.value : undefined}
          scroll={scroll.value}
          offset={rows ? Math.max(0, source.lines - 1 - (rows.at(-1)?.line ?? 0)) : log.count() - 1 - log.position()}
          buffer={buffer}
          file={file.lines !== undefined ? file : undefined}
          startCut={file.lines === undefined && buffer.startCut && log.position() === 0}
          rows={rows}
          lineAt={source.lineAt}
          layout={layout}
          showProgress={showProgress}
          active={active}
          width={width}
          height={height}
          tableHeight={tableHeight}
          logHeight={logHeight}
        />
      );
    },
  };
  return pane;
}

/** The lines a log view shows from: the file's (read around the view), the frozen copy's, or the tail's last page. */
function logSource(file: LogFile, buffer: LogBuffer, scroll: Scroll, height: number) {
  if (file.lines !== undefined) return { lines: file.lines, lineAt: file.lineAt };
  if (!scroll.follow) return { lines: scroll.lines.length, lineAt: (line: number) => scroll.lines[line] };
  const tail = buffer.slice(0, height);
  const first = buffer.size - tail.length;
  return { lines: buffer.size, lineAt: (line: number) => tail[line - first] };
}

/**
 * A log as a list of lines, `height` of them in view: its last position is the end. `top` is the
 * line at the top of the view, undefined at the end; the sizes are read when a key asks, as
 * lines arrive between two keys of one read.
 */
function lineCursor(log: {
  size(): number;
  height: number;
  endLabel: string;
  top(last: number): number | undefined;
  setTop(top: number | undefined, last: number): void;
}): Cursor {
  const last = () => Math.max(0, log.size() - log.height);
  return {
    label: 'scroll',
    endLabel: log.endLabel,
    count: () => last() + 1,
    position: () => Math.min(last(), log.top(last()) ?? last()),
    page: () => Math.max(1, log.height - 1),
    moveTo: (index) => {
      const at = clamp(index, last() + 1);
      log.setTop(at === last() ? undefined : at, last());
    },
  };
}

/** A finished run's log file: its top line is kept. */
const fileCursor = (lines: number, height: number, top: Live<number | undefined>) =>
  lineCursor({ size: () => lines, height, endLabel: 'end', top: () => top.value, setTop: (at) => top.set(at) });

/** The tail of the log: at its end it follows what arrives; elsewhere it keeps its place counted from the end of a copy. */
const logCursor = (buffer: LogBuffer, height: number, scroll: Live<Scroll>) =>
  lineCursor({
    size: () => (scroll.value.follow ? buffer.size : scroll.value.lines.length),
    height,
    endLabel: 'end+follow',
    top: (last) => (scroll.value.follow ? undefined : last - Math.min(last, scroll.value.fromEnd)),
    setTop: (at, last) => {
      if (at === undefined) return scroll.set(FOLLOW);
      const current = scroll.value;
      const fromEnd = last - at;
      scroll.set(current.follow ? { follow: false, lines: buffer.copy(), fromEnd, total: buffer.total } : { ...current, fromEnd });
    },
  });

function RunsView(props: {
  runs: RunView[];
  /** the runs are not in yet: say so, not that there are none */
  loading: boolean;
  selected: number;
  mode: 'list' | 'log';
  search: LogSearch | undefined;
  scroll: Scroll;
  /** lines back from the end */
  offset: number;
  buffer: LogBuffer;
  /** the log read from its file (a finished run's, longer than its tail) */
  file: LogFile | undefined;
  /** the view is at the top of what the tail holds, and the log began before it */
  startCut: boolean;
  showProgress: boolean;
  active: boolean;
  width: number;
  height: number;
  tableHeight: number;
  logHeight: number;
  /** the rows of wrapped lines; cut lines are drawn from the lines of the view */
  rows: ScreenRow[] | undefined;
  lineAt: (line: number) => string | undefined;
  layout: RowLayout;
}) {
  const { runs, width, mode, offset, active } = props;
  const selected = runs[props.selected];
  const { scroll, buffer, logHeight, file } = props;
  const lines = file
    ? file.shown
    : scroll.follow
      ? buffer.slice(offset, logHeight)
      : scroll.lines.slice(Math.max(0, scroll.lines.length - offset - logHeight), scroll.lines.length - offset);
  const arrived = scroll.follow ? 0 : buffer.total - scroll.total;
  const news = arrived > 0 ? `; ${formatCount(arrived, 'new line')}, G follows` : '';
  const earlier = props.startCut && selected ? `; earlier lines: pobsync log ${selected.id}, or L` : '';
  const [first, last] = props.rows
    ? [props.rows[0]?.line ?? 0, (props.rows.at(-1)?.line ?? 0) + 1]
    : [file?.start ?? 0, (file?.start ?? 0) + lines.length];
  const where = file
    ? ` (lines ${first + 1}-${last} of ${file.lines})`
    : scroll.follow
      ? ` (following${earlier})`
      : ` (${offset > 0 ? `${formatCount(offset, 'line')} back` : 'stopped'}${news}${earlier})`;
  const search = props.search;
  const prompt = searchPrompt(search);
  return (
    <Box flexDirection="column" width={width} height={props.height}>
      <Table
        width={width}
        height={props.tableHeight}
        active={active && mode === 'list'}
        selected={props.selected}
        empty={props.loading ? 'loading…' : 'no runs yet: b queues a backup'}
        columns={[
          { title: 'RUN', width: 5 },
          { title: 'STATUS', width: 11 },
          { title: 'STARTED', width: 11 },
          { title: 'TOOK', width: 6, align: 'right' },
          { title: 'BYTES', width: 8, align: 'right' },
          { title: 'FILES / ERROR', min: 12 },
          { title: 'KIND', width: 9, optional: true },
        ]}
        rows={runs.map((run) => ({
          tone: runTone(run.status) === 'good' ? undefined : runTone(run.status),
          cells: [
            `#${run.id}`,
            run.status,
            formatTime(run.startedAt ? new Date(run.startedAt) : new Date(run.queuedAt)).slice(5, 16),
            formatDuration(run.durationSeconds),
            formatBytes(run.stats?.transferredSize ?? run.progress?.bytes),
            run.error ?? (run.stats ? formatCount(run.stats.files, 'file') : ''),
            run.kind,
          ],
        }))}
      />
      {props.showProgress ? <ProgressBar progress={props.buffer.progress!} width={width} /> : null}
      <Text bold={active && mode === 'log'} inverse={active && mode === 'log'} wrap="truncate">
        {fit(
          selected
            ? `${prompt}log of run #${selected.id} ${selected.status}${where}${mode === 'list' && active ? '  Enter: into the log' : ''}`
            : 'no run selected',
          width,
        )}
      </Text>
      <LogRows
        rows={props.rows ?? lines.map((line, index) => ({ line: index, text: lineRows(line, props.layout)[0]!, continued: false }))}
        height={props.logHeight}
        lineAt={props.rows ? props.lineAt : (index) => lines[index]}
        search={search?.text}
      />
    </Box>
  );
}
