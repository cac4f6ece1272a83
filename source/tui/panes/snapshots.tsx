import { useEffect, useMemo } from 'react';
import { formatBytes, formatDuration, formatShortDuration } from '../../domain/format.js';
import { formatSnapshotRef } from '../../domain/snapshot-name.js';
import type { SnapshotView } from '../../services/snapshots/snapshots.js';
import { errorText } from '../components/chrome.js';
import { type Column, Table } from '../components/table.js';
import { dumpRestoreForm } from '../dialogs/dump-restore-form.js';
import type { AppEnv } from '../env.js';
import { useLive } from '../hooks/use-live.js';
import { bind, bindingsOf, type KeySection, via } from '../keys/binding.js';
import { CURSOR_KEYS, type ListCursor, useListCursor } from '../keys/cursor.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';
import { BROWSER_KEYS, type BrowsePlace, type BrowserContext, BrowserView, useSnapshotBrowser } from './snapshot-browser.js';

interface SnapshotsContext {
  app: AppEnv;
  host: string;
  snapshots: ListCursor<SnapshotView>;
  browser: BrowserContext;
}

/** The list's keys apply while no snapshot is being browsed. */
const listed = (c: SnapshotsContext) => c.browser.place.value === undefined;

export interface DeleteSnapshotAnswer {
  do: 'delete-snapshot';
  host: string;
  snapshot: string;
}

export function deleteSnapshot(env: AppEnv, { host, snapshot }: DeleteSnapshotAnswer): void {
  env.act(`deleting snapshot ${snapshot}`, async () => {
    const { wasOnDisk } = await env.backend.deleteSnapshot(host, snapshot);
    return `deleted snapshot ${snapshot} of ${host}${wasOnDisk ? '' : ' (its directory was already gone; the record is removed)'}`;
  });
}

export interface RestoreDumpAnswer {
  do: 'restore-dump';
  host: string;
  snapshot: string;
  dump: string;
  safetySnapshot: boolean;
}

/** The dump restore the admin confirmed: a run of the host, its log streaming in the Runs tab. */
export function restoreDump(env: AppEnv, { host, snapshot, dump, safetySnapshot }: RestoreDumpAnswer): void {
  env.act(`restoring dump ${dump} of ${snapshot} into its database on ${host}: its run is in the Runs tab`, async () => {
    const { run, safety } = await env.backend.restoreDump(host, snapshot, dump, safetySnapshot);
    const undo = safety?.snapshot ? `; safety snapshot ${safety.snapshot.name} holds a fresh dump ${dump} from before` : '';
    if (run && run.status !== 'succeeded') {
      throw new Error(`dump restore run #${run.id} ${run.status}: ${run.error ?? 'see its log in the Runs tab'}${undo}`);
    }
    return `restored dump ${dump} of ${snapshot} on ${host}${run ? ` (run #${run.id})` : ''}${undo}`;
  });
}

/** Refuses at once what the delete would refuse (protected, in use by a run), with why; otherwise asks for the host name. */
function askToDelete(app: AppEnv, host: string, snapshot: SnapshotView): void {
  app.backend
    .checkSnapshotDeletion(host, snapshot.name)
    .then(() =>
      app.open({
        kind: 'type-word',
        word: host,
        message:
          `Delete snapshot ${snapshot.name} of ${host} (${snapshot.kind}, ${snapshot.status}) from disk? This cannot be undone. ` +
          'Other snapshots keep their files: hard links do not depend on it.',
        answer: { do: 'delete-snapshot', host, snapshot: snapshot.name },
        cancelled: `snapshot ${snapshot.name} was not deleted`,
      }),
    )
    .catch((error: unknown) => app.say({ kind: 'error', text: errorText(error) }));
}

export const SNAPSHOTS_KEYS: KeySection<SnapshotsContext>[] = [
  {
    title: 'Snapshots',
    bindings: [
      {
        keys: ['Enter'],
        label: 'browse',
        description: 'browse the selected snapshot: its directories and files, to find what to restore',
        when: (c) => listed(c) && c.snapshots.selected() !== undefined && !c.snapshots.selected()!.deleting,
        handler: (c) => c.browser.place.set({ snapshot: c.snapshots.selected()!.name, path: '/' }),
      },
      {
        keys: ['p'],
        label: 'protect/unprotect',
        description: 'protect the selected snapshot from retention, or unprotect it',
        when: (c) => listed(c) && c.snapshots.selected() !== undefined,
        handler: ({ app, host, snapshots }) => {
          const snapshot = snapshots.selected()!;
          app.act(`${snapshot.protected ? 'unprotecting' : 'protecting'} ${snapshot.name}`, async () => {
            await app.backend.setProtected(host, snapshot.name, !snapshot.protected);
            return `${snapshot.name} is ${snapshot.protected ? 'no longer protected' : 'protected: retention never removes it'}`;
          });
        },
      },
      {
        keys: ['u'],
        label: 'restore dump',
        description: "restore one of the selected snapshot's database dumps with its restore command; type the host name to confirm",
        when: (c) => listed(c) && (c.snapshots.selected()?.dumps.length ?? 0) > 0 && !c.snapshots.selected()!.deleting,
        handler: ({ app, host, snapshots }) => app.open(dumpRestoreForm(host, snapshots.selected()!)),
      },
      {
        keys: ['D'],
        label: 'delete',
        description: 'delete the selected snapshot, unless protected or a run needs it; type the host name to confirm',
        when: (c) => listed(c) && c.snapshots.selected() !== undefined && !c.snapshots.selected()!.deleting,
        handler: ({ app, host, snapshots }) => askToDelete(app, host, snapshots.selected()!),
      },
    ],
  },
  { title: 'Snapshot browser', bindings: via(BROWSER_KEYS, (c: SnapshotsContext) => c.browser) },
];

const COLUMNS: Column[] = [
  { title: 'SNAPSHOT', width: 18 },
  { title: 'KIND', width: 9 },
  { title: 'STATUS', width: 8 },
  { title: 'AGE', width: 4, align: 'right' },
  // P: protected from retention
  { title: 'P', width: 1 },
  { title: 'FREES/TOTAL', width: 11, align: 'right' },
  { title: 'TOOK', width: 6, align: 'right', optional: true },
  { title: 'BASE', optional: true },
];

/** "40 KiB" as "40K": two sizes fit the column at 80 columns. */
const shortBytes = (bytes: number) =>
  formatBytes(bytes)
    .replace(/ ([KMGTP])iB$/, '$1')
    .replace(/ B$/, 'B');

/** What deleting it would free / its full size; `~` before a size that may have changed since, `…` until measured. */
export function sizeCell(snapshot: SnapshotView): string {
  const { size } = snapshot;
  if (!size) return snapshot.deleting || snapshot.missingSince ? '-' : '…';
  return `${size.current ? '' : '~'}${shortBytes(size.freed)}/${shortBytes(size.total)}`;
}

/**
 * On a shared catalogue two servers may each hold a copy of one name (a backup and its replica):
 * those rows are named `NAME@SERVER`, the form every lookup by name takes (services/snapshots/
 * snapshots.ts findSnapshotRecord), so each row's keys act on its own copy.
 */
export function withServerRefs(snapshots: SnapshotView[]): SnapshotView[] {
  const count = new Map<string, number>();
  for (const snapshot of snapshots) count.set(snapshot.name, (count.get(snapshot.name) ?? 0) + 1);
  return snapshots.map((snapshot) =>
    snapshot.server && (count.get(snapshot.name) ?? 0) > 1
      ? { ...snapshot, name: formatSnapshotRef(snapshot.name, snapshot.server) }
      : snapshot,
  );
}

/**
 * The host's snapshots, newest first; partial ones flagged, protected ones marked, and their
 * sizes, measured in the background (by the services, kept in the catalogue) while the tab shows.
 */
export interface SnapshotsPane extends Pane {
  /** browses a snapshot at a directory (a version's, from the versions dialog) */
  browse(place: BrowsePlace): void;
}

export function useSnapshotsPane(env: PaneEnv): SnapshotsPane {
  const polled = usePanePoll(env, (host) => env.app.backend.snapshots(host), POLL_MS);
  const snapshots = useMemo(() => withServerRefs([...(polled.data ?? [])].reverse()), [polled.data]);
  const due = snapshots.filter((snapshot) => sizeCell(snapshot) === '…' || sizeCell(snapshot).startsWith('~')).length;
  const { backend } = env.app;
  const { host, shown } = env;
  const { refresh } = polled;
  // biome-ignore lint/correctness/useExhaustiveDependencies: measure again only when what is due changes, not on every poll
  useEffect(() => {
    if (!host || !shown || due === 0) return;
    let alive = true;
    backend
      .measureSnapshots(host)
      .then((measured) => alive && measured > 0 && refresh())
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [backend, host, shown, due]);
  const cursor = useListCursor(snapshots, { keyOf: (snapshot) => snapshot.name, label: 'select', page: env.height - 1, scope: env.host });
  const place = useLive<BrowsePlace | undefined>(undefined, env.host);
  const browser = useSnapshotBrowser(env.app, env.host, place, env.height);
  const context: SnapshotsContext = {
    app: env.app,
    host: env.host ?? '',
    snapshots: cursor,
    browser: { app: env.app, host: env.host ?? '', place, entries: browser.cursor, height: env.height },
  };
  const now = env.app.now;
  return {
    browse: (at) => place.set(at),
    error: browser.error ?? polled.error,
    layer: () => ({
      commands: [
        ...bind(CURSOR_KEYS, cursor, () => listed(context)),
        ...bind(CURSOR_KEYS, browser.cursor, () => !listed(context)),
        ...bind(bindingsOf(SNAPSHOTS_KEYS), context),
      ],
    }),
    view: (active) =>
      place.value ? (
        <BrowserView
          place={place.value}
          listing={browser.listing}
          entries={browser.entries}
          selected={browser.cursor.position()}
          active={active}
          width={env.width}
          height={env.height}
        />
      ) : (
        <Table
          width={env.width}
          height={env.height}
          active={active}
          selected={cursor.position()}
          empty={polled.data === undefined ? 'loading…' : 'no snapshots yet: b queues a backup'}
          columns={COLUMNS}
          rows={snapshots.map((snapshot) => ({
            tone: snapshot.deleting ? 'muted' : snapshot.status === 'partial' ? 'warn' : undefined,
            cells: [
              snapshot.name,
              snapshot.kind,
              snapshot.deleting ? 'DELETING' : snapshot.status === 'partial' ? 'PARTIAL' : 'complete',
              formatShortDuration((now.getTime() - Date.parse(snapshot.startedAt)) / 1000),
              snapshot.protected ? 'P' : '',
              sizeCell(snapshot),
              formatDuration(snapshot.durationSeconds),
              snapshot.base ?? '-',
            ],
          }))}
        />
      ),
  };
}
