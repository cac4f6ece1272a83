/**
 * Restore a file or directory from the snapshot browser: into a directory on this server, or
 * back onto the host. Saving checks it as `pobsync restore` does and runs its dry run; what the
 * dry run found is then confirmed by typing the host name, and the restore runs as a run.
 */
import { UserError } from '../../domain/errors.js';
import { escapeName, formatCount } from '../../domain/format.js';
import type { RestoreTarget } from '../../domain/types.js';
import type { RestoreOptions } from '../backend.js';
import { type FieldSpec, type FormState, formDialog, newForm, yesNo } from './form.js';

export interface RestoreValues {
  to: string;
  /** yes: --delete */
  delete: string;
  /** no: --no-safety-snapshot */
  safety: string;
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
  return { kind: 'restore-form', host, snapshot, path, form: newForm({ to: '', delete: 'no', safety: 'yes' }) };
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
  {
    key: 'delete',
    label: 'delete',
    hint: 'yes: onto the host, delete what is not in the snapshot under the path (--delete)',
    validate: (value) => yesNo('delete', value),
  },
  {
    key: 'safety',
    label: 'safety snapshot',
    hint: 'no: onto the host without a safety snapshot first (--no-safety-snapshot)',
    validate: (value) => yesNo('safety snapshot', value),
  },
];

/** The options as typed (each field checked already). */
const optionsOf = (values: RestoreValues): RestoreOptions => ({
  delete: yesNo('delete', values.delete),
  safetySnapshot: yesNo('safety snapshot', values.safety),
});

export const RESTORE_FORM = formDialog<RestoreFormDialog, RestoreValues>({
  title: ({ host, snapshot, path }) => `Restore ${escapeName(path)} from ${snapshot} of ${host}`,
  fields: () => FIELDS,
  async save({ host, snapshot, path, form: { values } }, env) {
    const target = targetOf(values.to);
    const options = optionsOf(values);
    env.say({ kind: 'busy', text: `dry run of restoring ${escapeName(path)} to ${describeTarget(target, host)}` });
    const { plan, summary } = await env.backend.previewRestore(host, snapshot, path, target, options);
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
      ...(plan.delete || (plan.target.kind === 'host' && !plan.safetySnapshot)
        ? {
            warning: [
              plan.delete
                ? `Files under ${escapeName(path)} on ${host} that are not in the snapshot are deleted (--delete): ` +
                  `${formatCount(summary.delete, 'file')} by the dry run.`
                : '',
              plan.safetySnapshot ? '' : 'No safety snapshot is taken: nothing in pobsync holds what this restore overwrites or deletes.',
            ]
              .filter(Boolean)
              .join(' '),
          }
        : {}),
      answer: { do: 'restore', host, snapshot, path, target, options },
      cancelled: `nothing was restored (dry run: ${counts})`,
    });
    return `dry run of restoring ${escapeName(path)} to ${where}: ${counts}`;
  },
});
