import { Text } from 'ink';
import { formatBytes, formatDuration } from '../../domain/format.js';
import type { RsyncProgress } from '../../domain/types.js';
import { tone } from '../theme.js';

/** rsync's progress2 as a bar: percent, bytes, rate, elapsed, files. */
export function ProgressBar({ progress, width }: { progress: RsyncProgress; width: number }) {
  const files =
    progress.totalFiles > 0
      ? `${progress.totalFiles - progress.toCheck}/${progress.totalFiles}${progress.scanComplete ? '' : '+'} files`
      : '';
  const label =
    ` ${String(progress.percent).padStart(3)}%  ${formatBytes(progress.bytes)}  ${formatBytes(progress.rate)}/s  ` +
    `${formatDuration(progress.elapsedSeconds)}  ${files}`;
  const barWidth = Math.max(10, Math.min(40, width - label.length - 2));
  const filled = Math.round((barWidth * Math.min(100, progress.percent)) / 100);
  return (
    <Text wrap="truncate">
      <Text color={tone('busy')}>{'█'.repeat(filled)}</Text>
      <Text color={tone('muted')}>{'░'.repeat(barWidth - filled)}</Text>
      {label}
    </Text>
  );
}
