/** Add a host, or edit one: each field checked by the function the CLI uses, saved by the same service. */
import {
  validateAddress,
  validateExcludes,
  validateHostName,
  validatePort,
  validateSources,
  validateUser,
} from '../../domain/validation.js';
import type { HostView } from '../../services/hosts/hosts.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export interface HostValues {
  name: string;
  address: string;
  user: string;
  port: string;
  /** paths, separated by spaces */
  sources: string;
  excludes: string;
}

export interface HostFormDialog {
  kind: 'host-form';
  /** the host being edited; undefined: a new one */
  initial: HostView | undefined;
  form: FormState<HostValues>;
}

export const words = (text: string) => text.split(/\s+/).filter(Boolean);

export function hostForm(initial: HostView | undefined): HostFormDialog {
  const values: HostValues = {
    name: initial?.name ?? '',
    address: initial?.address ?? '',
    user: initial?.user ?? 'root',
    port: String(initial?.port ?? 22),
    sources: initial?.sources.join(' ') ?? '',
    excludes: initial?.excludes.join(' ') ?? '',
  };
  return { kind: 'host-form', initial, form: newForm(values) };
}

const FIELDS: FieldSpec<HostValues>[] = [
  { key: 'name', label: 'name', hint: 'lowercase letters, digits, dots, dashes', validate: validateHostName },
  { key: 'address', label: 'address', hint: 'hostname or IP address, or "local" for this server', validate: validateAddress },
  { key: 'user', label: 'ssh user', validate: validateUser },
  { key: 'port', label: 'ssh port', validate: validatePort },
  { key: 'sources', label: 'sources', hint: 'absolute paths, separated by spaces', validate: (value) => validateSources(words(value)) },
  { key: 'excludes', label: 'excludes', hint: 'rsync patterns, separated by spaces', validate: (value) => validateExcludes(words(value)) },
];

export const HOST_FORM = formDialog<HostFormDialog, HostValues>({
  title: ({ initial }) => (initial ? `Edit host ${initial.name}` : 'Add a host'),
  // A host keeps its name: the name field is there only when adding one.
  fields: ({ initial }) => (initial ? FIELDS.slice(1) : FIELDS),
  async save({ initial, form: { values } }, env) {
    const saved = await env.backend.configureHost(initial?.name ?? values.name, {
      address: values.address,
      user: values.user,
      port: values.port,
      sources: words(values.sources),
      excludes: words(values.excludes),
    });
    env.panes().hosts.select(saved.name);
    return `${initial ? 'saved' : 'added'} host ${saved.name}${saved.local ? '' : `: pin its key with "pobsync trust-host ${saved.name}"`}`;
  },
});
