/**
 * Restore a file or directory from the snapshot browser: into a directory on this server, or
 * back onto the host. Saving checks it as `pobsync restore` does and runs its dry run; what the
 * dry run found is then confirmed by typing the host name, and the restore runs as a run.
 */
import { UserError } from '../../domain/errors.js';
import { escapeName } from '../../domain/format.js';
import type { RestoreTarget } from '../../domain/types.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export interface RestoreValues {
  to: string;
}

export interface RestoreFormDialog {
  kind: 'restore-form';
  host: string;
  snapshot: string;
  /** the source path in the snapshot */
  path: string;
  form: FormState<RestoreValues>;
}

export function restoreForm(host: string, snapshot: string, path: string): RestoreFormDialog {
  return { kind: 'restore-form', host, snapshot, path, form: newForm({ to: '' }) };
}

/** What the field names: `host`, or a directory on this server. */
export function targetOf(to: string): RestoreTarget {
  const typed = to.trim();
  return typed === 'host' ? { kind: 'host' } : { kind: 'directory', path: typed };
}

export const describeTarget = (target: RestoreTarget, host: string) => (target.kind === 'host' ? `the host ${host}` : target.path);

const FIELDS: FieldSpec<RestoreValues>[] = [
  {
    key: 'to',
    label: 'restore to',
    hint: 'DIR here (/etc/x lands in DIR/etc/x), or host: back onto the host',
    validate: (value) => {
      if (value.trim() === '') throw new UserError('restore to is empty: give a directory on this server, or host');
    },
  },
];

export const RESTORE_FORM = formDialog<RestoreFormDialog, RestoreValues>({
  title: ({ host, snapshot, path }) => `Restore ${escapeName(path)} from ${snapshot} of ${host}`,
  fields: () => FIELDS,
  async save({ host, snapshot, path, form: { values } }, env) {
    const target = targetOf(values.to);
    env.say({ kind: 'busy', text: `dry run of restoring ${escapeName(path)} to ${describeTarget(target, host)}` });
    const { plan, summary } = await env.backend.previewRestore(host, snapshot, path, target);
    const counts = `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete`;
    const where = describeTarget(plan.target, host);
    env.open({
      kind: 'type-word',
      word: host,
      message:
        `Dry run: ${counts}. Restore ${escapeName(path)} from snapshot ${snapshot} to ${where}?` +
        (plan.targetNotEmpty ? ` ${where} is not empty: files of the same names in it are overwritten.` : '') +
        (plan.safetySnapshot
          ? ` A safety snapshot of ${escapeName(path)} is taken first: the snapshot to restore from if this restore was a mistake.`
          : ''),
      answer: { do: 'restore', host, snapshot, path, target },
      cancelled: `nothing was restored (dry run: ${counts})`,
    });
    return `dry run of restoring ${escapeName(path)} to ${where}: ${counts}`;
  },
});
