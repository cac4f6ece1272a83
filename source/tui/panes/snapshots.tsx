import { Box, useInput } from 'ink';
import { useState } from 'react';
import { formatBytes, formatDuration, formatShortDuration } from '../../domain/format.js';
import type { SnapshotView } from '../../services/snapshots/snapshots.js';
import { type Column, Table } from '../components/table.js';

export const SNAPSHOTS_KEYS: [string, string][] = [
  ['j/k', 'select'],
  ['p', 'protect/unprotect'],
];

/** The host's snapshots, newest first; partial ones flagged, protected ones marked. */
export function SnapshotsPane(props: {
  snapshots: SnapshotView[];
  active: boolean;
  width: number;
  height: number;
  now: Date;
  onProtect: (snapshot: SnapshotView) => void;
}) {
  const snapshots = [...props.snapshots].reverse();
  const [selectedName, setSelectedName] = useState<string>();
  const selectedIndex = Math.max(
    0,
    snapshots.findIndex((snapshot) => snapshot.name === selectedName),
  );
  const selected = snapshots[selectedIndex];
  useInput(
    (input, key) => {
      const move = (index: number) => setSelectedName(snapshots[Math.max(0, Math.min(snapshots.length - 1, index))]?.name);
      if (key.downArrow || input === 'j') move(selectedIndex + 1);
      else if (key.upArrow || input === 'k') move(selectedIndex - 1);
      else if (input === 'g') move(0);
      else if (input === 'G') move(snapshots.length - 1);
      else if (input === 'p' && selected) props.onProtect(selected);
    },
    { isActive: props.active },
  );
  const columns: Column[] = [
    { title: 'SNAPSHOT', width: 20 },
    { title: 'KIND', width: 9 },
    { title: 'STATUS', width: 8 },
    { title: 'AGE', width: 4, align: 'right' },
    { title: 'PROT', width: 4 },
    { title: 'SIZE', width: 8, align: 'right', optional: true },
    { title: 'TOOK', width: 6, align: 'right', optional: true },
    { title: 'BASE', optional: true },
  ];
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Table
        width={props.width}
        height={props.height}
        active={props.active}
        selected={selectedIndex}
        empty="no snapshots yet: b queues a backup"
        columns={columns}
        rows={snapshots.map((snapshot) => ({
          tone: snapshot.deleting ? 'muted' : snapshot.status === 'partial' ? 'warn' : undefined,
          cells: [
            snapshot.name,
            snapshot.kind,
            snapshot.deleting ? 'DELETING' : snapshot.status === 'partial' ? 'PARTIAL' : 'complete',
            formatShortDuration((props.now.getTime() - Date.parse(snapshot.startedAt)) / 1000),
            snapshot.protected ? 'yes' : '',
            formatBytes(snapshot.stats?.transferredSize),
            formatDuration(snapshot.durationSeconds),
            snapshot.base ?? '-',
          ],
        }))}
      />
    </Box>
  );
}
