/** Rename a host: its catalogue rows and its directory on disk in one step, as `pobsync host rename` does. */
import { validateHostName } from '../../domain/validation.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export interface RenameValues {
  name: string;
}

export interface RenameFormDialog {
  kind: 'rename-form';
  host: string;
  form: FormState<RenameValues>;
}

export function renameForm(host: string): RenameFormDialog {
  return { kind: 'rename-form', host, form: newForm({ name: host }) };
}

const FIELDS: FieldSpec<RenameValues>[] = [
  { key: 'name', label: 'new name', hint: 'lowercase letters, digits, dots, dashes', validate: validateHostName },
];

export const RENAME_FORM = formDialog<RenameFormDialog, RenameValues>({
  title: ({ host }) => `Rename host ${host}`,
  fields: () => FIELDS,
  async save({ host, form: { values } }, env) {
    const renamed = await env.backend.renameHost(host, values.name);
    env.panes().hosts.select(renamed.to);
    return `host ${renamed.from} is now ${renamed.to}${renamed.directory ? `: its snapshots are under ${renamed.directory}` : ''}`;
  },
});
