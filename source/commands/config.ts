import { UserError } from '../domain/errors.js';
import { describe } from '../domain/validation.js';
import { applyConfig, type ConfigChange, type ConfigDiff, previewConfig, readConfigFile } from '../services/config/apply.js';
import { configSections, exportConfig, exportConfigFile } from '../services/config/export.js';
import { importLegacy } from '../services/config/legacy.js';
import { defineCommand } from './command.js';
import { confirm, print, printJson } from './output.js';

const ACTIONS = ['export', 'apply', 'import-legacy'] as const;
type Action = (typeof ACTIONS)[number];

/** Which flags each action takes: any other is refused, naming the action it belongs to. */
const FLAGS_OF: Record<Action, readonly string[]> = {
  export: ['host', 'output', 'json'],
  apply: ['file', 'dryRun', 'prune', 'yes', 'json'],
  'import-legacy': ['prefix', 'dryRun', 'json'],
};

export default defineCommand({
  help: `
Usage: pobsync config export [--host HOST] [-o FILE] [--json]
       pobsync config apply -f FILE [--dry-run] [--prune [--yes]] [--json]
       pobsync config import-legacy --prefix DIR [--dry-run] [--json]

export          prints the configuration as one YAML document: the global settings, the
                hosts, their schedules and retention policies, in a stable order (keys
                stay in pobsync's home). Keep it in git; review changes as diffs.
                --host HOST: only that host, its schedules and policy (no global section)
                -o FILE: write it to FILE (owner-only) instead of standard output
apply           makes the catalogue match FILE ("-": standard input). Prints the diff
                first: added, changed, removed, unchanged. Every value is checked as the
                CLI's flags check it; one bad value refuses the whole file (exit 2) and
                nothing is written; otherwise everything is written in one transaction.
                A section left out of the file is left alone; a key left out is its default.
                --dry-run: print the diff only
                --prune: also remove the hosts the file does not name (asks first; --yes
                without a terminal). A host with snapshots is disabled and kept, with its
                schedules removed; "pobsync host remove" deletes it for good.
import-legacy   reads the per-host YAML files of the legacy layout: DIR/config/hosts/*.yaml,
                or DIR/*.yaml when DIR has no config/hosts. Keys: host, address, user, port,
                sources, excludes, schedule, retention (see the README); an unknown key is
                refused, naming it. Applied like "config apply" without --prune.

  --json   print the document (export) or the diff and what was done (apply) as JSON
`,
  flags: {
    host: { type: 'string' },
    output: { type: 'string', shortFlag: 'o' },
    file: { type: 'string', shortFlag: 'f' },
    prefix: { type: 'string' },
    dryRun: { type: 'boolean' },
    prune: { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, given, app }) {
    const action = args[0] as Action;
    if (!ACTIONS.includes(action))
      throw new UserError(`config action ${describe(action)} is not allowed: use export, apply or import-legacy`);
    for (const flag of Object.keys(flags)) {
      if (['home', 'debug'].includes(flag) || FLAGS_OF[action].includes(flag) || !given(flag as never)) continue;
      const owner = ACTIONS.find((other) => FLAGS_OF[other].includes(flag));
      throw new UserError(
        `--${flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} is for "pobsync config ${owner}", not ${action}`,
      );
    }

    if (action === 'export') {
      if (flags.json) return printJson({ version: 1, ...(await configSections(await app(), { host: flags.host })) });
      if (flags.output !== undefined) {
        await exportConfigFile(await app(), flags.output, { host: flags.host });
        return;
      }
      process.stdout.write(await exportConfig(await app(), { host: flags.host }));
      return;
    }

    if (action === 'apply') {
      if (flags.file === undefined) throw new UserError('the file is missing: pobsync config apply -f FILE (or -f - for standard input)');
      const source = await readConfigFile(flags.file);
      const opened = await app();
      const diff = await previewConfig(opened, source, { prune: flags.prune });
      if (!flags.json) print(describeDiff(diff));
      if (flags.dryRun) {
        if (flags.json) return printJson({ diff, applied: false, notes: [] });
        return print('dry run: nothing was written');
      }
      const outcome = await applyConfig(opened, source, {
        prune: flags.prune,
        confirmRemoval: (removals) =>
          confirm(`Remove ${removals.length === 1 ? `host ${removals[0]!.name}` : `these ${removals.length} hosts`}?`, {
            yes: flags.yes,
            what: 'removing hosts the file does not name',
          }),
      });
      if (flags.json) printJson(outcome);
      if (!outcome.applied) {
        if (!flags.json) print('cancelled: nothing was written');
        return 1;
      }
      if (flags.json) return;
      for (const note of outcome.notes) print(note);
      print(diff.added + diff.changed + diff.removed === 0 ? 'nothing to change' : 'applied');
      return;
    }

    if (flags.prefix === undefined) throw new UserError('the directory is missing: pobsync config import-legacy --prefix DIR');
    const outcome = await importLegacy(await app(), flags.prefix, { dryRun: flags.dryRun });
    if (flags.json) return printJson(outcome);
    print(`read ${outcome.files.join(' ')}`);
    print(describeDiff(outcome.diff));
    print(flags.dryRun ? 'dry run: nothing was written' : 'applied');
  },
});

const MARKS: Record<ConfigChange['kind'], string> = { added: '+', changed: '~', removed: '-', unchanged: '=' };

export function describeDiff(diff: ConfigDiff): string {
  const lines: string[] = [];
  for (const change of diff.changes.filter((candidate) => candidate.kind !== 'unchanged')) {
    const fields =
      change.kind === 'removed'
        ? ''
        : change.fields
            .map((field) =>
              change.kind === 'added' ? `${field.key} ${value(field.to)}` : `${field.key} ${value(field.from)} -> ${value(field.to)}`,
            )
            .join(', ');
    const detail = [fields, change.note].filter(Boolean).join('; ');
    lines.push(`${MARKS[change.kind]} ${label(change)}${detail ? `: ${detail}` : ''}`);
  }
  const unchanged = diff.changes.filter((change) => change.kind === 'unchanged');
  if (unchanged.length > 0) lines.push(`= unchanged: ${unchanged.map(label).join(', ')}`);
  if (diff.notInFile.length > 0) lines.push(`not in the file, left alone (--prune removes them): ${diff.notInFile.join(', ')}`);
  lines.push(`${diff.added} added, ${diff.changed} changed, ${diff.removed} removed, ${diff.unchanged} unchanged`);
  return lines.join('\n');
}

const label = (change: ConfigChange): string => (change.subject === 'global' ? 'global' : `${change.subject} ${change.name}`);

/** Values as JSON: quoted, one line, control characters escaped (names and paths come from files). */
const value = (raw: unknown): string => JSON.stringify(raw ?? null);
