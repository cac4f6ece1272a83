/** A file's versions across the host's snapshots, as `pobsync versions` finds them: where each appeared, and where it still is. */
import { Text } from 'ink';
import { escapeName, formatBytes, formatCount, formatMode, formatTime } from '../../domain/format.js';
import type { FileVersion, VersionsView } from '../../services/restore/browse.js';
import type { Binding } from '../keys/binding.js';
import { tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

export interface VersionsDialog {
  kind: 'versions';
  versions: VersionsView;
}

export const VERSIONS_KEYS: Binding<DialogContext<VersionsDialog>>[] = [
  { keys: ['Esc', 'Enter', 'q', 'v'], label: 'close', footerKeys: 'Esc', description: 'close the versions', handler: (c) => c.close() },
];

/** The snapshots holding a version: the first (where it appeared) and, for more, the last and how many. */
function heldBy(version: FileVersion): string {
  const [first] = version.snapshots;
  const last = version.snapshots.at(-1);
  const count = version.snapshots.length;
  return count === 1 ? `in ${first}` : `in ${formatCount(count, 'snapshot')}, ${first} to ${last}`;
}

export const VERSIONS: DialogSpec<VersionsDialog> = {
  keys: VERSIONS_KEYS,
  view: ({ dialog: { versions } }, width) => (
    <Frame title={`Versions of ${escapeName(versions.path)} on ${versions.host}, oldest first  (Esc closes)`} width={width}>
      {versions.versions.map((version) => (
        <Text key={version.version} wrap="wrap">
          <Text bold>{`#${version.version}`.padEnd(4)}</Text>
          {`${formatMode(version.type, version.mode)}  ${version.type === 'file' ? formatBytes(version.size) : '-'}  ` +
            `modified ${formatTime(new Date(version.mtime))}  ${heldBy(version)}`}
          {version.blake2b ? <Text color={tone('muted')}>{`  b2 ${version.blake2b.slice(0, 12)}`}</Text> : null}
        </Text>
      ))}
      {versions.absentFrom.length > 0 ? (
        <Text color={tone('muted')} wrap="wrap">
          {`not in ${formatCount(versions.absentFrom.length, 'snapshot')}: ${versions.absentFrom.join(', ')}`}
        </Text>
      ) : null}
    </Frame>
  ),
};
