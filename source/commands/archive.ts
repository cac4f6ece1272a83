import { UserError } from '../domain/errors.js';
import { formatBytes, formatCount, formatTable, formatTime } from '../domain/format.js';
import { describe } from '../domain/validation.js';
import { type ArchiveView, deprecateArchive, listArchives } from '../services/archives/archives.js';
import { verifyArchive } from '../services/archives/check.js';
import { createArchive } from '../services/archives/create.js';
import { importArchive, loadArchive } from '../services/archives/load.js';
import { defineCommand } from './command.js';
import { interruptible } from './interrupt.js';
import { confirmByTyping, print, printJson, warn } from './output.js';
import { describeWork, progressReporter } from './progress.js';

const ACTIONS = ['create', 'list', 'verify', 'deprecate', 'load', 'import'] as const;

export default defineCommand({
  help: `
Usage: pobsync archive create <host> [--snapshot NAME|latest] [--data] [--dumps] [--to DIR] [--json]
       pobsync archive list [--host HOST] [--json]
       pobsync archive verify <id|FILE> [--json]
       pobsync archive deprecate <id> [--yes] [--json]
       pobsync archive load <id|FILE> --to DIR [--json]
       pobsync archive import FILE [--json]

A snapshot as one .tar.gz, to keep or to take to another server: manifest.json first (host,
snapshot, option set, counts, the snapshot's meta), then manifest.b2 (the snapshot's content
manifest for what the archive holds), then data/... and dumps/... GNU tar reads it.

create      archives a snapshot (default: the newest complete one): --data for its files only,
            --dumps for its database dumps only, neither or both for both. Refuses an archive
            with nothing in it, and one the disk has no room for. Writes
            <backup_root>/.archives/<host>/<host>_<snapshot>_<set>.tar.gz (or into --to DIR)
            and FILE.b2 beside it, which "b2sum -c" checks. The newest archive of a host and
            option set is current; making one deprecates the older ones (for good), and with
            "configure-global --archive-auto-purge" deletes their files.
list        every archive with its state and BLAKE2b-512 checksum (compare with "b2sum FILE")
verify      the checksum of the whole file, then the manifests against the entries
deprecate   deprecates an archive by hand, after you type the host name (--yes without a
            terminal); it cannot be undone. A deprecated archive is never loaded or imported.
load        checks the archive, then writes its data/ and dumps/ into DIR (empty or new):
            absolute names, "..", links that lead out of DIR, devices and FIFOs are refused
            before anything is written
import      makes the archive's snapshot a snapshot of its host on this server (the host is
            created, disabled, when it is new): moving a host between backup servers. Needs
            FILE.b2 beside FILE.

Create, verify, load and import are runs (kind archive) with logs. Exit status: 0 done,
1 failed (verify: damaged), 2 bad input, 3 verify found no checksum to compare with.
`,
  flags: {
    snapshot: { type: 'string' },
    data: { type: 'boolean' },
    dumps: { type: 'boolean' },
    to: { type: 'string' },
    host: { type: 'string' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 2,
  async run({ args, flags, given, app }) {
    const [action, target] = args;
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
      throw new UserError(`archive action ${describe(action)} is not allowed: use ${ACTIONS.join(', ')}`);
    }
    const only = (allowed: string[]) => {
      for (const flag of ['snapshot', 'data', 'dumps', 'to', 'host', 'yes'] as const) {
        if (given(flag) && !allowed.includes(flag)) throw new UserError(`--${flag} is not an option of "archive ${action}"`);
      }
    };
    const opened = await app();
    const reporter = progressReporter(flags.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain', describeWork);
    const events = (signal: AbortSignal) => ({
      signal,
      onProgress: reporter.progress,
      onNote: flags.json ? undefined : reporter.note,
    });
    try {
      switch (action) {
        case 'list': {
          only(['host']);
          const archives = await listArchives(opened, { host: flags.host });
          if (flags.json) return printJson(archives);
          if (archives.length === 0) return print('no archives yet: "pobsync archive create <host>" makes one');
          print(formatTable(['ID', 'HOST', 'SNAPSHOT', 'SET', 'STATE', 'CREATED', 'SIZE', 'FILE', 'BLAKE2B-512'], archives.map(row)));
          return;
        }
        case 'create': {
          only(['snapshot', 'data', 'dumps', 'to']);
          const created = await interruptible('the archive', reporter.note, (signal) =>
            createArchive(
              opened,
              { host: target, snapshot: flags.snapshot, data: flags.data, dumps: flags.dumps, to: flags.to },
              events(signal),
            ),
          );
          reporter.done();
          if (flags.json) return printJson(created);
          const { archive } = created;
          print(
            `archive #${archive.id} of ${archive.host} ${archive.snapshot} (${archive.optionSet}): ` +
              `${formatCount(archive.files, 'file')}, ` +
              `${formatBytes(archive.bytes)}\n  ${archive.path}\n  BLAKE2b-512 ${archive.blake2b}`,
          );
          if (created.deprecated.length > 0) print(`deprecated: ${created.deprecated.map((id) => `#${id}`).join(' ')}`);
          if (created.purged.length > 0) print(`purged: ${created.purged.map((id) => `#${id}`).join(' ')}`);
          return;
        }
        case 'verify': {
          only([]);
          const verified = await interruptible('the verify', reporter.note, (signal) => verifyArchive(opened, target, events(signal)));
          reporter.done();
          const { check } = verified;
          if (flags.json) printJson(verified);
          else {
            for (const problem of check.problems) warn(problem);
            const verdict = check.ok ? (check.checksum === 'match' ? 'ok' : 'consistent, but no checksum to compare with') : 'DAMAGED';
            const expected = check.expected ? ` (expected ${check.checksum === 'match' ? 'the same' : check.expected})` : '';
            print(
              `${verdict}: ${check.path}\n` +
                `  ${formatCount(check.files, 'file')} (${formatBytes(check.fileBytes)}), ${formatCount(check.links, 'symlink')}\n` +
                `  BLAKE2b-512 ${check.blake2b || '-'}${expected}`,
            );
          }
          if (!check.ok) return 1;
          return check.checksum === 'unknown' ? 3 : 0;
        }
        case 'deprecate': {
          only(['yes']);
          const result = await deprecateArchive(opened, target, (archive) =>
            confirmByTyping(
              archive.host,
              `This deprecates archive #${archive.id} of ${archive.host} (${archive.snapshot}, ${archive.optionSet}) at ${archive.path}. ` +
                'A deprecated archive is never loaded or imported again; this cannot be undone.',
              { yes: flags.yes, what: `deprecating archive #${archive.id}` },
            ),
          );
          if (flags.json) printJson({ ...result.archive, deprecatedNow: result.deprecated });
          else if (result.deprecated) print(`archive #${result.archive.id} is deprecated`);
          else print('cancelled: nothing was changed');
          return result.deprecated ? 0 : 1;
        }
        case 'load': {
          only(['to']);
          const loaded = await interruptible('the load', reporter.note, (signal) => loadArchive(opened, target, flags.to, events(signal)));
          reporter.done();
          if (flags.json) return printJson(loaded);
          print(`loaded ${formatCount(loaded.check.files, 'file')} (${formatBytes(loaded.check.fileBytes)}) into ${loaded.to}`);
          return;
        }
        default: {
          only([]);
          const imported = await interruptible('the import', reporter.note, (signal) => importArchive(opened, target, events(signal)));
          reporter.done();
          if (flags.json) return printJson(imported);
          print(`imported snapshot ${imported.snapshot.name} of ${imported.snapshot.host} at ${imported.snapshot.path}`);
          if (imported.createdHost) {
            print(
              `host ${imported.snapshot.host} was new here: it is created disabled; check it with ` +
                `"pobsync host ${imported.snapshot.host}", ` +
                `then enable it with "pobsync configure-host ${imported.snapshot.host} --enable"`,
            );
          }
          return;
        }
      }
    } finally {
      reporter.done();
    }
  },
});

function row(archive: ArchiveView): string[] {
  return [
    `#${archive.id}`,
    archive.host,
    archive.snapshot,
    archive.optionSet,
    archive.state,
    formatTime(new Date(archive.createdAt)),
    formatBytes(archive.bytes),
    archive.path,
    archive.blake2b,
  ];
}
