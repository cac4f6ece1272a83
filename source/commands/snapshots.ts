import { formatAge, formatBytes, formatCount, formatDuration, formatTable } from '../domain/format.js';
import { listSnapshots, type SnapshotView } from '../services/snapshots/snapshot-view.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync snapshots <host> [--sizes] [--json]

Lists a host's snapshots, oldest first. A partial snapshot (some files could not be read)
is marked PARTIAL; it is kept and usable. DELETING marks a deletion that was interrupted; the
next deletion or backup of the host finishes it. MISSING marks a snapshot whose directory is
gone (found by discover-snapshots, verify, or the host's next backup): it is never a base, never
planned by retention and never counted; "pobsync snapshot delete" removes its record. DUMPS names the database dumps each one
holds, with their sizes. A replica (kind "replica", copied by "pobsync replicate") says which
peer it came from ("origin" in --json: the peer and the snapshot's name there). "pobsync ls"
looks inside one, "pobsync restore" copies from it.

FREES/TOTAL is what deleting the snapshot alone would free on disk (its files no other snapshot
links to, and its directories) and its full size, as measured last ("size" in --json; null until
measured). The TUI measures them in the background; --sizes measures the ones not measured yet
first (it walks each tree once; a size is measured again once the host's snapshots change, "~"
marks one that may have).
`,
  flags: { json: { type: 'boolean' }, sizes: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, app, reader }) {
    if (flags.sizes && args[0] !== undefined) {
      const { measureSnapshotSizes } = await import('../services/snapshots/sizes.js');
      await measureSnapshotSizes(await app(), args[0]);
    }
    const snapshots = await listSnapshots(await reader(), args[0]);
    if (flags.json) return printJson(snapshots);
    if (snapshots.length === 0) return print(`no snapshots of ${args[0]} yet: "pobsync backup ${args[0]}" makes one`);
    const now = new Date();
    print(
      formatTable(
        ['SNAPSHOT', 'KIND', 'STATUS', 'AGE', 'TOOK', 'FILES', 'TRANSFERRED', 'FREES/TOTAL', 'BASE', 'DUMPS', 'SERVER', ''],
        snapshots.map((snapshot) => [
          snapshot.name,
          snapshot.kind,
          snapshot.deleting ? 'DELETING' : snapshot.missingSince ? 'MISSING' : snapshot.status === 'partial' ? 'PARTIAL' : 'complete',
          formatAge(new Date(snapshot.startedAt), now),
          formatDuration(snapshot.durationSeconds),
          snapshot.stats ? String(snapshot.stats.files) : '-',
          formatBytes(snapshot.stats?.transferredSize),
          sizes(snapshot),
          snapshot.base ?? '-',
          snapshot.dumps.map((dump) => `${dump.name} ${formatBytes(dump.bytes)}`).join(', ') || '-',
          snapshot.server ?? '-',
          [snapshot.protected ? 'protected' : '', snapshot.origin ? `from ${snapshot.origin.peer}` : ''].filter(Boolean).join(', '),
        ]),
      ),
    );
    print(`${formatCount(snapshots.length, 'snapshot')} in ${snapshots[0]!.path.replace(/\/[^/]+$/, '/')}`);
  },
});

function sizes({ size }: SnapshotView): string {
  return size ? `${size.current ? '' : '~'}${formatBytes(size.freed)}/${formatBytes(size.total)}` : '-';
}
