/** Create an archive of one of the host's snapshots: which snapshot, and what goes in it. */
import { OPTION_SETS, validateOptionSet } from '../../domain/archive.js';
import { formatBytes, formatCount } from '../../domain/format.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export interface ArchiveValues {
  snapshot: string;
  contents: string;
}

export interface ArchiveFormDialog {
  kind: 'archive-form';
  host: string;
  form: FormState<ArchiveValues>;
}

export function archiveForm(host: string): ArchiveFormDialog {
  return { kind: 'archive-form', host, form: newForm({ snapshot: 'latest', contents: 'data+dumps' }) };
}

const FIELDS: FieldSpec<ArchiveValues>[] = [
  { key: 'snapshot', label: 'snapshot', hint: 'a snapshot name, or "latest": the newest complete one' },
  { key: 'contents', label: 'contents', hint: OPTION_SETS.join(', '), validate: validateOptionSet },
];

export const ARCHIVE_FORM = formDialog<ArchiveFormDialog, ArchiveValues>({
  title: ({ host }) => `Archive a snapshot of ${host}`,
  fields: () => FIELDS,
  async save({ host, form: { values } }, env) {
    // Started here, not awaited: the dialog closes and the archive's run streams in the Runs tab.
    env.act(`archiving ${values.snapshot} of ${host}`, async () => {
      const { archive, deprecated } = await env.backend.createArchive(host, values.snapshot, validateOptionSet(values.contents));
      const older = deprecated.length > 0 ? `; deprecated ${deprecated.map((id) => `#${id}`).join(' ')}` : '';
      return `archive #${archive.id} of ${archive.snapshot}: ${formatCount(archive.files, 'file')}, ${formatBytes(archive.bytes)}${older}`;
    });
    return `archiving ${values.snapshot} of ${host}: its run is in the Runs tab`;
  },
});
