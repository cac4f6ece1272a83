import { escapeName, formatBytes, formatMode, formatTable, formatTime } from '../domain/format.js';
import { type EntryView, listSnapshotPath } from '../services/restore/browse.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync ls <host> <snapshot> [PATH] [--json]

Lists a directory inside a snapshot: mode, owner (numeric, as stored), size, modification
time and name. PATH is a source path like /etc/nginx (default /, the top of the snapshot),
or "dumps" for the snapshot's database dumps. A file is shown on its own. Symlinks are shown
as links, never followed.

  --json   print the listing as JSON
`,
  flags: { json: { type: 'boolean' } },
  positionals: 3,
  async run({ args, flags, app }) {
    const listing = await listSnapshotPath(await app(), args[0], args[1], args[2]);
    if (flags.json) return printJson(listing);
    const entries = listing.self.type === 'directory' ? listing.entries : [listing.self];
    if (entries.length === 0) return print(`${escapeName(listing.path)} is empty in snapshot ${listing.snapshot}`);
    print(formatTable(['MODE', 'OWNER', 'SIZE', 'MODIFIED', 'NAME'], entries.map(row)));
  },
});

function row(entry: EntryView): string[] {
  const name = escapeName(entry.name);
  const shown = entry.type === 'directory' ? `${name}/` : entry.linkTarget !== null ? `${name} -> ${escapeName(entry.linkTarget)}` : name;
  return [
    formatMode(entry.type, entry.mode),
    `${entry.uid}:${entry.gid}`,
    entry.type === 'file' ? formatBytes(entry.size) : '-',
    formatTime(new Date(entry.mtime)),
    shown,
  ];
}
