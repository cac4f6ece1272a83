/** A run whole: its error wrapped, not cut to a table column, its times and figures, and where its log is. */
import { Text } from 'ink';
import { formatBytes, formatCount, formatDuration, formatInZone } from '../../domain/format.js';
import type { RunView } from '../../services/runs/runs.js';
import type { Binding } from '../keys/binding.js';
import { runTone, tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

export interface RunDetailDialog {
  kind: 'run-detail';
  run: RunView;
}

export const RUN_DETAIL_KEYS: Binding<DialogContext<RunDetailDialog>>[] = [
  { keys: ['Esc', 'Enter', 'q', 'i'], label: 'close', footerKeys: 'Esc', description: 'close the run details', handler: (c) => c.close() },
];

export const RUN_DETAIL: DialogSpec<RunDetailDialog> = {
  keys: RUN_DETAIL_KEYS,
  view: ({ dialog: { run }, env }, width) => {
    const time = (iso: string | null) => (iso ? formatInZone(new Date(iso), env.timeZone) : '-');
    const stats = run.stats;
    const rows: [string, string][] = [
      ['kind', `${run.kind}${(run.attempt ?? 1) > 1 ? `, attempt ${run.attempt}` : ''}`],
      ['queued', time(run.queuedAt)],
      ['started', time(run.startedAt)],
      ['finished', time(run.finishedAt)],
      ['took', formatDuration(run.durationSeconds)],
      ...(stats
        ? ([
            ['files', `${formatCount(stats.files, 'file')}, ${formatCount(stats.transferredFiles, 'file')} transferred`],
            ['bytes', `${formatBytes(stats.totalSize)} in all, ${formatBytes(stats.transferredSize)} transferred`],
          ] as [string, string][])
        : []),
      ['base', run.base ?? '-'],
      ['snapshot', run.snapshot ?? '-'],
      ['log', run.logPath ? `${run.logPath} (all of it: pobsync log ${run.id})` : '-'],
    ];
    return (
      <Frame title={`Run #${run.id} of ${run.host}: ${run.status}  (Esc closes)`} width={width}>
        {rows.map(([label, value]) => (
          <Text key={label} wrap="wrap">
            <Text color={tone('muted')}>{label.padEnd(10)}</Text>
            {value}
          </Text>
        ))}
        {run.error ? (
          <Text color={tone(runTone(run.status) === 'good' ? 'warn' : runTone(run.status))} wrap="wrap">
            error: {run.error}
          </Text>
        ) : null}
      </Frame>
    );
  },
};
