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

/** What a run moved: rsync's final figures, or while it runs its last progress reading; what a restore restored. */
function figures({ stats, progress, status, durationSeconds, restore, host }: RunView): [string, string][] {
  const rows: [string, string][] = [];
  if (stats) {
    const speed = durationSeconds ? stats.transferredSize / durationSeconds : undefined;
    rows.push(
      [
        'files',
        `${formatCount(stats.files, 'file')}, ${formatCount(stats.transferredFiles, 'file')} transferred, ` +
          `${stats.createdFiles} created, ${stats.deletedFiles} deleted`,
      ],
      [
        'bytes',
        `${formatBytes(stats.totalSize)} in all, ${formatBytes(stats.transferredSize)} transferred ` +
          `(${formatBytes(stats.literalData)} sent as data, ${formatBytes(stats.matchedData)} matched)`,
      ],
      ['network', `${formatBytes(stats.bytesSent)} sent, ${formatBytes(stats.bytesReceived)} received`],
    );
    if (speed !== undefined) rows.push(['speed', `${formatBytes(speed)}/s transferred on average`]);
  } else if (progress && status === 'running') {
    const checked = progress.totalFiles - progress.toCheck;
    rows.push([
      'progress',
      `${progress.percent}%${progress.scanComplete ? '' : ' (still scanning)'}, ${formatBytes(progress.bytes)}, ` +
        `${formatBytes(progress.rate)}/s, ${formatCount(progress.transferredFiles, 'file')} transferred, ` +
        `${checked} of ${formatCount(progress.totalFiles, 'file')} checked`,
    ]);
  }
  if (restore) {
    const target = restore.target.kind === 'host' ? `the host ${host}` : restore.target.path;
    rows.push([
      'restore',
      `${restore.paths.join(' ')} from ${restore.snapshot} to ${target}` +
        (restore.command ? ` into "${restore.command}"` : '') +
        (restore.delete ? ', deleting files not in the snapshot' : '') +
        (restore.safetySnapshot ? `; safety snapshot ${restore.safetySnapshot}` : ''),
    ]);
  }
  return rows;
}

export const RUN_DETAIL: DialogSpec<RunDetailDialog> = {
  keys: RUN_DETAIL_KEYS,
  view: ({ dialog: { run }, env }, width) => {
    const time = (iso: string | null) => (iso ? formatInZone(new Date(iso), env.timeZone) : '-');
    const rows: [string, string][] = [
      ['kind', `${run.kind}${(run.attempt ?? 1) > 1 ? `, attempt ${run.attempt}` : ''}`],
      ['queued', time(run.queuedAt)],
      ['started', time(run.startedAt)],
      ['finished', time(run.finishedAt)],
      ['took', formatDuration(run.durationSeconds)],
      ...figures(run),
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
