import { formatBytes, formatDuration, formatShortDuration } from '../../domain/format.js';
import type { SnapshotView } from '../../services/snapshots/snapshots.js';
import { type Column, Table } from '../components/table.js';
import type { AppEnv } from '../env.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, type ListCursor, useListCursor } from '../keys/cursor.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';

interface SnapshotsContext {
  app: AppEnv;
  host: string;
  snapshots: ListCursor<SnapshotView>;
}

export const SNAPSHOTS_KEYS: KeySection<SnapshotsContext>[] = [
  {
    title: 'Snapshots',
    bindings: [
      {
        keys: ['p'],
        label: 'protect/unprotect',
        description: 'protect the selected snapshot from retention, or unprotect it',
        when: (c) => c.snapshots.selected() !== undefined,
        handler: ({ app, host, snapshots }) => {
          const snapshot = snapshots.selected()!;
          app.act(`${snapshot.protected ? 'unprotecting' : 'protecting'} ${snapshot.name}`, async () => {
            await app.backend.setProtected(host, snapshot.name, !snapshot.protected);
            return `${snapshot.name} is ${snapshot.protected ? 'no longer protected' : 'protected: retention never removes it'}`;
          });
        },
      },
    ],
  },
];

const COLUMNS: Column[] = [
  { title: 'SNAPSHOT', width: 20 },
  { title: 'KIND', width: 9 },
  { title: 'STATUS', width: 8 },
  { title: 'AGE', width: 4, align: 'right' },
  { title: 'PROT', width: 4 },
  { title: 'SIZE', width: 8, align: 'right', optional: true },
  { title: 'TOOK', width: 6, align: 'right', optional: true },
  { title: 'BASE', optional: true },
];

/** The host's snapshots, newest first; partial ones flagged, protected ones marked. */
export function useSnapshotsPane(env: PaneEnv): Pane {
  const polled = usePanePoll(env, (host) => env.app.backend.snapshots(host), POLL_MS);
  const snapshots = [...(polled.data ?? [])].reverse();
  const cursor = useListCursor(snapshots, { keyOf: (snapshot) => snapshot.name, label: 'select', page: env.height - 1, scope: env.host });
  const context: SnapshotsContext = { app: env.app, host: env.host ?? '', snapshots: cursor };
  const now = env.app.now;
  return {
    error: polled.error,
    layer: () => ({ commands: [...bind(CURSOR_KEYS, cursor), ...bind(bindingsOf(SNAPSHOTS_KEYS), context)] }),
    view: (active) => (
      <Table
        width={env.width}
        height={env.height}
        active={active}
        selected={cursor.position()}
        empty="no snapshots yet: b queues a backup"
        columns={COLUMNS}
        rows={snapshots.map((snapshot) => ({
          tone: snapshot.deleting ? 'muted' : snapshot.status === 'partial' ? 'warn' : undefined,
          cells: [
            snapshot.name,
            snapshot.kind,
            snapshot.deleting ? 'DELETING' : snapshot.status === 'partial' ? 'PARTIAL' : 'complete',
            formatShortDuration((now.getTime() - Date.parse(snapshot.startedAt)) / 1000),
            snapshot.protected ? 'yes' : '',
            formatBytes(snapshot.stats?.transferredSize),
            formatDuration(snapshot.durationSeconds),
            snapshot.base ?? '-',
          ],
        }))}
      />
    ),
  };
}
