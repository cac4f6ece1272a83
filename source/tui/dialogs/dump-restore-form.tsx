/**
 * Restore one of a snapshot's database dumps, as `pobsync restore HOST SNAPSHOT --dump NAME
 * --to-host` does: the dump streamed into its restore command on the host, after a safety
 * snapshot holding a fresh dump (unless declined). Saving checks it as the CLI does; what it
 * would run is then confirmed by typing the host name, and the restore runs as a run.
 */
import { formatBytes } from '../../domain/format.js';
import type { SnapshotView } from '../../services/snapshots/snapshots.js';
import { type FieldSpec, type FormState, formDialog, newForm, yesNo } from './form.js';

export interface DumpRestoreValues {
  dump: string;
  /** no: --no-safety-snapshot */
  safety: string;
}

export interface DumpRestoreFormDialog {
  kind: 'dump-restore-form';
  host: string;
  snapshot: string;
  /** the snapshot's dumps, by name */
  dumps: string[];
  form: FormState<DumpRestoreValues>;
}

export function dumpRestoreForm(host: string, snapshot: SnapshotView): DumpRestoreFormDialog {
  const dumps = snapshot.dumps.map((dump) => dump.name);
  return { kind: 'dump-restore-form', host, snapshot: snapshot.name, dumps, form: newForm({ dump: dumps[0] ?? '', safety: 'yes' }) };
}

const fields = ({ dumps }: DumpRestoreFormDialog): FieldSpec<DumpRestoreValues>[] => [
  { key: 'dump', label: 'dump', hint: `the snapshot's dumps: ${dumps.join(', ')}` },
  {
    key: 'safety',
    label: 'safety snapshot',
    hint: 'no: without a safety snapshot holding a fresh dump first (--no-safety-snapshot)',
    validate: (value) => yesNo('safety snapshot', value),
  },
];

export const DUMP_RESTORE_FORM = formDialog<DumpRestoreFormDialog, DumpRestoreValues>({
  title: ({ host, snapshot }) => `Restore a dump of ${snapshot} of ${host} into its database`,
  fields,
  async save({ host, snapshot, form: { values } }, env) {
    const safetySnapshot = yesNo('safety snapshot', values.safety);
    const plan = await env.backend.previewDumpRestore(host, snapshot, values.dump.trim(), safetySnapshot);
    env.open({
      kind: 'type-word',
      word: host,
      message:
        `This runs "${plan.command}" on ${plan.host} (${plan.address}) with dump ${plan.dump} of snapshot ${plan.snapshot.name} ` +
        `(${formatBytes(plan.bytes)}) as its input: it replaces what the database holds now. ` +
        (plan.safetySnapshot ? `A safety snapshot with a fresh dump ${plan.dump} is taken first.` : ''),
      ...(plan.safetySnapshot
        ? {}
        : { warning: 'No safety snapshot is taken: nothing in pobsync holds the database as it is before this restore.' }),
      answer: { do: 'restore-dump', host, snapshot, dump: plan.dump, safetySnapshot: plan.safetySnapshot },
      cancelled: `dump ${plan.dump} was not restored`,
    });
    return `restoring dump ${plan.dump} runs "${plan.command}" on ${host}: type ${host} to confirm`;
  },
});
