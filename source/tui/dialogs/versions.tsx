/**
 * A file's versions across the host's snapshots, as `pobsync versions` finds them: where each
 * appeared, and where it still is. A cursor picks one (the list scrolls when it does not fit), and
 * Enter opens the snapshot browser where that version appeared, on the file.
 */
import { Text } from 'ink';
import { escapeName, formatBytes, formatCount, formatMode, formatTime } from '../../domain/format.js';
import type { FileVersion, VersionsView } from '../../services/restore/browse.js';
import { type Binding, via } from '../keys/binding.js';
import { CURSOR_KEYS, type Cursor, clamp } from '../keys/cursor.js';
import { tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

export interface VersionsDialog {
  kind: 'versions';
  versions: VersionsView;
  /** the version under the cursor (an index into versions.versions) */
  cursor?: number;
  /** versions PgUp/PgDn move (about as many as show) */
  page?: number;
}

/** How many versions show at once in a dialog `height` rows tall: its frame and title take three, the absent line and scroll line two. */
export const versionsPage = (height: number) => Math.max(3, height - 5);

const parentOf = (path: string) => path.replace(/\/[^/]*$/, '') || '/';
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Opens the browser in the snapshot where the version under the cursor appeared, on the file. */
function browse(c: DialogContext<VersionsDialog>): void {
  const { versions, cursor } = c.dialog;
  const version = versions.versions[cursor ?? 0];
  c.close();
  if (!version) return;
  c.env.panes().snapshots.browse({ snapshot: version.snapshots[0]!, path: parentOf(versions.path), from: nameOf(versions.path) });
  c.env.say({ kind: 'info', text: `version #${version.version} of ${escapeName(versions.path)}: in snapshot ${version.snapshots[0]}` });
}

const cursorOf = (c: DialogContext<VersionsDialog>): Cursor => ({
  label: 'version',
  count: () => c.dialog.versions.versions.length,
  position: () => c.dialog.cursor ?? 0,
  page: () => Math.max(1, (c.dialog.page ?? 10) - 1),
  moveTo: (index) => c.update((dialog) => ({ ...dialog, cursor: clamp(index, dialog.versions.versions.length) })),
});

export const VERSIONS_KEYS: Binding<DialogContext<VersionsDialog>>[] = [
  {
    keys: ['Enter'],
    label: 'browse it',
    description: 'browse the snapshot where the version under the cursor appeared, on the file',
    when: (c) => c.dialog.versions.versions.length > 0,
    handler: browse,
  },
  { keys: ['Esc', 'q', 'v'], label: 'close', footerKeys: 'Esc', description: 'close the versions', handler: (c) => c.close() },
];

/** The snapshots holding a version: the first (where it appeared) and, for more, the last and how many. */
function heldBy(version: FileVersion): string {
  const [first] = version.snapshots;
  const last = version.snapshots.at(-1);
  const count = version.snapshots.length;
  return count === 1 ? `in ${first}` : `in ${formatCount(count, 'snapshot')}, ${first} to ${last}`;
}

export const VERSIONS: DialogSpec<VersionsDialog> = {
  keys: [...VERSIONS_KEYS, ...via(CURSOR_KEYS, cursorOf)],
  view: (context, width, height) => {
    const { versions } = context.dialog;
    const page = versionsPage(height);
    const all = versions.versions;
    const at = clamp(context.dialog.cursor ?? 0, all.length);
    const fits = all.length <= page;
    // The cursor stays in view: the list scrolls when it moves below the last version shown.
    const top = fits ? 0 : Math.min(Math.max(0, at - page + 1), all.length - page);
    return (
      <Frame title={`Versions of ${escapeName(versions.path)} on ${versions.host}, oldest first  (Esc closes)`} width={width}>
        {all.slice(top, top + page).map((version, index) => {
          const selected = top + index === at;
          return (
            <Text key={version.version} wrap="truncate" inverse={selected}>
              {selected ? '▶ ' : '  '}
              <Text bold>{`#${version.version}`.padEnd(4)}</Text>
              {`${formatMode(version.type, version.mode)}  ${version.type === 'file' ? formatBytes(version.size) : '-'}  ` +
                `modified ${formatTime(new Date(version.mtime))}  ${heldBy(version)}`}
              {version.blake2b ? <Text color={tone('muted')}>{`  b2 ${version.blake2b.slice(0, 12)}`}</Text> : null}
            </Text>
          );
        })}
        {fits ? null : (
          <Text color={tone('muted')} wrap="truncate">
            {`versions ${top + 1}-${Math.min(all.length, top + page)} of ${all.length}: j/k move, PgUp/PgDn a page, Enter browses it`}
          </Text>
        )}
        {versions.absentFrom.length > 0 ? (
          <Text color={tone('muted')} wrap="truncate">
            {`not in ${formatCount(versions.absentFrom.length, 'snapshot')}: ${versions.absentFrom.join(', ')}`}
          </Text>
        ) : null}
      </Frame>
    );
  },
};
