/**
 * Inside a snapshot, to find what to restore: one directory at a time, as `pobsync ls` lists it
 * (directories first), Enter into a directory, Backspace up; `v` a file's versions across the
 * host's snapshots, as `pobsync versions` finds them. Names are escaped as `ls` escapes them.
 */
import { Box, Text } from 'ink';
import { escapeName, formatBytes, formatMode, formatTime } from '../../domain/format.js';
import type { RestoreTarget } from '../../domain/types.js';
import type { EntryView, ListingView } from '../../services/restore/browse.js';
import type { RestoreOptions } from '../backend.js';
import { errorText } from '../components/chrome.js';
import { type Column, Table } from '../components/table.js';
import { describeTarget, restoreForm } from '../dialogs/restore-form.js';
import { versionsPage } from '../dialogs/versions.js';
import type { AppEnv } from '../env.js';
import type { Live } from '../hooks/use-live.js';
import { usePoll } from '../hooks/use-poll.js';
import type { Binding } from '../keys/binding.js';
import { type ListCursor, useListCursor } from '../keys/cursor.js';
import { tone } from '../theme.js';
import { POLL_MS } from './pane.js';

/** Where the browser is: a directory (a source path, `/` the top) of one snapshot. */
export interface BrowsePlace {
  snapshot: string;
  path: string;
  /** the directory just left upwards: the cursor starts on it */
  from?: string;
}

export interface BrowserContext {
  app: AppEnv;
  host: string;
  place: Live<BrowsePlace | undefined>;
  entries: ListCursor<EntryView>;
  /** the rows of the pane: about what a dialog over it shows */
  height: number;
}

export interface RestoreAnswer {
  do: 'restore';
  host: string;
  snapshot: string;
  path: string;
  target: RestoreTarget;
  options: RestoreOptions;
}

/** The restore the admin confirmed: a run of the host, its log streaming in the Runs tab. */
export function restorePath(env: AppEnv, { host, snapshot, path, target, options }: RestoreAnswer): void {
  const what = `${escapeName(path)} from ${snapshot} to ${describeTarget(target, host)}`;
  env.act(`restoring ${what}: its run is in the Runs tab`, async () => {
    const { run, safety, summary } = await env.backend.restore(host, snapshot, path, target, options);
    const undo = safety?.snapshot ? `; safety snapshot ${safety.snapshot.name} holds what was overwritten` : '';
    if (run && run.status !== 'succeeded') {
      throw new Error(`restore run #${run.id} ${run.status}: ${run.error ?? 'see its log in the Runs tab'}${undo}`);
    }
    return (
      `restored ${what}: ${summary.create} created, ${summary.update} updated, ${summary.delete} deleted` +
      `${run ? ` (run #${run.id})` : ''}${undo}`
    );
  });
}

export const childPath = (path: string, name: string) => (path === '/' ? `/${name}` : `${path}/${name}`);
const parentPath = (path: string) => path.replace(/\/[^/]*$/, '') || '/';
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

const browsing = (c: BrowserContext) => c.place.value !== undefined;

function up({ place }: BrowserContext): void {
  const at = place.value!;
  place.set(at.path === '/' ? undefined : { snapshot: at.snapshot, path: parentPath(at.path), from: baseName(at.path) });
}

function showVersions({ app, host, place, entries, height }: BrowserContext): void {
  const path = childPath(place.value!.path, entries.selected()!.name);
  app.backend
    .versions(host, path)
    .then((versions) => app.open({ kind: 'versions', versions, page: versionsPage(height) }))
    .catch((error: unknown) => app.say({ kind: 'error', text: errorText(error) }));
}

export const BROWSER_KEYS: Binding<BrowserContext>[] = [
  {
    keys: ['Enter', 'Right'],
    label: 'open',
    footerKeys: 'Enter',
    description: 'into the directory under the cursor',
    when: (c) => browsing(c) && c.entries.selected()?.type === 'directory',
    handler: ({ place, entries }) => {
      const at = place.value!;
      place.set({ snapshot: at.snapshot, path: childPath(at.path, entries.selected()!.name) });
    },
  },
  {
    keys: ['Backspace', 'Left'],
    label: 'up',
    footerKeys: '⌫/←',
    description: 'up a directory (from the top: back to the snapshots)',
    when: browsing,
    handler: up,
  },
  {
    keys: ['v'],
    label: 'versions',
    description: "the file's versions across the host's snapshots (as pobsync versions)",
    when: (c) => browsing(c) && c.entries.selected() !== undefined && c.entries.selected()!.type !== 'directory',
    handler: showVersions,
  },
  {
    keys: ['r'],
    label: 'restore',
    description: 'restore it: into a directory here, or onto the host; a dry run first, then type the host name',
    when: (c) => browsing(c) && c.entries.selected() !== undefined,
    handler: ({ app, host, place, entries }) =>
      app.open(restoreForm(host, place.value!.snapshot, childPath(place.value!.path, entries.selected()!.name))),
  },
  { keys: ['Esc'], label: 'snapshots', description: 'back to the snapshots', when: browsing, handler: (c) => c.place.set(undefined) },
];

/** Directories first, then the rest, each by name as `ls` sorts them (readDirectory's order). */
const directoriesFirst = (entries: readonly EntryView[]) => [
  ...entries.filter((entry) => entry.type === 'directory'),
  ...entries.filter((entry) => entry.type !== 'directory'),
];

/** The listing of the place, loaded when the place changes; what was loaded for another place is not shown. */
export function useSnapshotBrowser(app: AppEnv, host: string | undefined, place: Live<BrowsePlace | undefined>, height: number) {
  const at = place.value;
  const polled = usePoll(async () => (host && at ? await app.backend.listing(host, at.snapshot, at.path) : undefined), 10 * POLL_MS, [
    app.backend,
    host,
    at?.snapshot,
    at?.path,
    app.changes,
  ]);
  const listing: ListingView | undefined =
    at && polled.data && polled.data.host === host && polled.data.snapshot === at.snapshot && polled.data.path === at.path
      ? polled.data
      : undefined;
  const entries = directoriesFirst(listing?.entries ?? []);
  const cursor = useListCursor(entries, {
    keyOf: (entry) => entry.name,
    label: 'select',
    page: height - 2,
    scope: `${host}\u0000${at?.snapshot}\u0000${at?.path}`,
    initial: (all) =>
      Math.max(
        0,
        all.findIndex((entry) => entry.name === at?.from),
      ),
  });
  return { listing, entries, cursor, error: at ? polled.error : undefined };
}

const COLUMNS: Column[] = [
  { title: 'MODE', width: 10, optional: true },
  { title: 'SIZE', width: 9, align: 'right' },
  { title: 'MODIFIED', width: 20 },
  { title: 'NAME', min: 16 },
];

function nameCell(entry: EntryView): string {
  const name = escapeName(entry.name);
  if (entry.type === 'directory') return `${name}/`;
  return entry.linkTarget !== null ? `${name} -> ${escapeName(entry.linkTarget)}` : name;
}

export function BrowserView(props: {
  place: BrowsePlace;
  listing: ListingView | undefined;
  entries: readonly EntryView[];
  selected: number;
  active: boolean;
  width: number;
  height: number;
}) {
  const { place, listing } = props;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text wrap="truncate">
        <Text bold>{place.snapshot}</Text>
        <Text>{`:${escapeName(place.path)}`}</Text>
        <Text color={tone('muted')}>{'  ⌫ up, Esc snapshots'}</Text>
      </Text>
      <Table
        width={props.width}
        height={props.height - 1}
        active={props.active}
        selected={props.selected}
        empty={listing === undefined ? 'loading…' : `${escapeName(place.path)} is empty in snapshot ${place.snapshot}`}
        columns={COLUMNS}
        rows={props.entries.map((entry) => ({
          tone: entry.type === 'directory' ? 'accent' : undefined,
          cells: [
            formatMode(entry.type, entry.mode),
            entry.type === 'file' ? formatBytes(entry.size) : '-',
            formatTime(new Date(entry.mtime)),
            nameCell(entry),
          ],
        }))}
      />
    </Box>
  );
}
