import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { formatBytes, formatCount, formatDuration, formatTime } from '../../domain/format.js';
import type { RunView } from '../../services/runs/runs.js';
import type { Backend } from '../backend.js';
import { ProgressBar } from '../components/progress-bar.js';
import { fit, Table } from '../components/table.js';
import { useLogTail } from '../hooks/use-log-tail.js';
import { runTone, tone } from '../theme.js';

export const RUNS_KEYS: [string, string][] = [
  ['j/k', 'select'],
  ['Enter', 'log'],
  ['c', 'cancel run'],
  ['f', 'follow'],
];
export const LOG_KEYS: [string, string][] = [
  ['j/k PgUp/PgDn', 'scroll'],
  ['G', 'end+follow'],
  ['f', 'follow'],
  ['c', 'cancel'],
  ['Esc', 'runs'],
];

const isActive = (run: RunView | undefined) => run?.status === 'running' || run?.status === 'queued';

/**
 * Recent runs of the host, and below them the log of the selected one (the running one, at
 * first), live: the tail of rsync's output and a progress bar. Enter moves into the log.
 */
export function RunsPane(props: {
  runs: RunView[];
  backend: Backend;
  active: boolean;
  width: number;
  height: number;
  onCancel: (run: RunView) => void;
  onModeChange?: (mode: 'list' | 'log') => void;
}) {
  const { runs, width, height } = props;
  const [selectedId, setSelectedId] = useState<number>();
  const [mode, setMode] = useState<'list' | 'log'>('list');
  const [follow, setFollow] = useState(true);
  const [fromEnd, setFromEnd] = useState(0);
  const [anchor, setAnchor] = useState(0);

  // Until the admin picks one, the selection is the running run, else the newest.
  const fallback = runs.find((run) => run.status === 'running') ?? runs[0];
  const selectedIndex = Math.max(
    0,
    runs.findIndex((run) => run.id === (selectedId ?? fallback?.id)),
  );
  const selected = runs[selectedIndex];
  const buffer = useLogTail(props.backend, selected?.logPath, isActive(selected));

  // biome-ignore lint/correctness/useExhaustiveDependencies: tell the parent when the mode changes, not when its callback does
  useEffect(() => props.onModeChange?.(mode), [mode]);

  const tableHeight = Math.max(2, Math.min(runs.length + 1, Math.max(4, Math.floor(height / 3))));
  const showProgress = selected?.status === 'running' && buffer.progress !== undefined;
  const logHeight = Math.max(1, height - tableHeight - 1 - (showProgress ? 1 : 0));
  // Scrolled back, the view stays on the same lines while new ones arrive below.
  const offset = follow ? 0 : Math.min(Math.max(0, buffer.size - logHeight), fromEnd + (buffer.total - anchor));

  const scroll = (lines: number) => {
    const next = Math.max(0, Math.min(buffer.size - logHeight, offset + lines));
    setFromEnd(next);
    setAnchor(buffer.total);
    setFollow(false);
  };

  useInput(
    (input, key) => {
      if (input === 'c' && selected && isActive(selected)) props.onCancel(selected);
      else if (input === 'f') {
        setFollow(!follow);
        setFromEnd(0);
      } else if (mode === 'list') {
        const move = (index: number) => setSelectedId(runs[Math.max(0, Math.min(runs.length - 1, index))]?.id);
        if (key.downArrow || input === 'j') move(selectedIndex + 1);
        else if (key.upArrow || input === 'k') move(selectedIndex - 1);
        else if (input === 'g') move(0);
        else if (input === 'G') move(runs.length - 1);
        else if (key.return && selected) setMode('log');
      } else {
        if (key.escape) setMode('list');
        else if (key.upArrow || input === 'k') scroll(1);
        else if (key.downArrow || input === 'j') scroll(-1);
        else if (key.pageUp) scroll(logHeight - 1);
        else if (key.pageDown) scroll(-(logHeight - 1));
        else if (input === 'g') scroll(buffer.size);
        else if (input === 'G') {
          setFollow(true);
          setFromEnd(0);
        }
      }
    },
    { isActive: props.active },
  );

  const lines = buffer.slice(offset, logHeight);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Table
        width={width}
        height={tableHeight}
        active={props.active && mode === 'list'}
        selected={selectedIndex}
        empty="no runs yet: b queues a backup"
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
      {showProgress ? <ProgressBar progress={buffer.progress!} width={width} /> : null}
      <Text bold={props.active && mode === 'log'} inverse={props.active && mode === 'log'} wrap="truncate">
        {fit(
          selected
            ? `log of run #${selected.id} ${selected.status}` +
                (follow ? ' (following)' : offset > 0 ? ` (${formatCount(offset, 'line')} back)` : '') +
                (mode === 'list' && props.active ? '  Enter: into the log' : '')
            : 'no run selected',
          width,
        )}
      </Text>
      <Box flexDirection="column" height={logHeight}>
        {lines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a log line is its row on screen; the same text may appear twice
          <Text key={index} wrap="truncate" color={line.startsWith('[pobsync') ? tone('accent') : undefined}>
            {line}
          </Text>
        ))}
      </Box>
    </Box>
  );
}
