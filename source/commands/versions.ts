import { formatBytes, formatCount, formatTable, formatTime } from '../domain/format.js';
import { type FileVersion, fileVersions } from '../services/restore/browse.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync versions <host> <PATH> [--json]

Every distinct version of one file across the host's snapshots, oldest first, with the
snapshots each version is in: the first of them is where the file changed. A file unchanged
between snapshots is one hard-linked inode, so this reads no file contents. Restore a version
with "pobsync restore <host> <snapshot> --path PATH --to-host" (or --to DIR).

  --json   print every version with all its snapshots as JSON
`,
  flags: { json: { type: 'boolean' } },
  positionals: 2,
  async run({ args, flags, app }) {
    const report = await fileVersions(await app(), args[0], args[1]);
    if (flags.json) return printJson(report);
    const count = report.versions.reduce((sum, version) => sum + version.snapshots.length, 0);
    print(`${report.path} on ${report.host}: ${formatCount(report.versions.length, 'version')} in ${formatCount(count, 'snapshot')}`);
    print(formatTable(['VERSION', 'MODIFIED', 'SIZE', 'SNAPSHOTS'], report.versions.map(row)));
    if (report.absentFrom.length > 0) print(`not in ${report.absentFrom.length}: ${span(report.absentFrom)}`);
  },
});

function row(version: FileVersion): string[] {
  return [
    String(version.version),
    formatTime(new Date(version.mtime)),
    version.type === 'symlink' ? 'symlink' : formatBytes(version.size),
    span(version.snapshots),
  ];
}

/** A few names in full; a long list as its first and last. */
function span(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names[0]} .. ${names.at(-1)} (${names.length})`;
}
