/** Add a host, or edit one: each field checked by the function the CLI uses, saved by the same service. */
import { validateRsyncArgs } from '../../domain/rsync-options.js';
import type { DumpCommand } from '../../domain/types.js';
import {
  validateAddress,
  validateDumps,
  validateExcludes,
  validateHostName,
  validatePort,
  validateSources,
  validateUser,
} from '../../domain/validation.js';
import { joinWords, splitWords } from '../../domain/word-list.js';
import type { HostView } from '../../services/hosts/hosts.js';
import { type FieldSpec, type FormState, formDialog, newForm, yesNo } from './form.js';

export interface HostValues {
  name: string;
  address: string;
  user: string;
  port: string;
  /** paths, separated by spaces (joinWords: one holding a space in quotes) */
  sources: string;
  excludes: string;
  /** extra rsync options, separated by spaces */
  rsyncArgs: string;
  /** NAME=COMMAND entries, as --dump takes them, separated by ;; */
  dumps: string;
  /** yes or no */
  enabled: string;
}

export interface HostFormDialog {
  kind: 'host-form';
  /** the host being edited; undefined: a new one */
  initial: HostView | undefined;
  /** the first run's step this form is, shown before its title */
  step?: string;
  form: FormState<HostValues>;
}

/** What separates dumps in their field: a shell command may hold a `;`, hardly a `;;` (it ends a case branch). */
const DUMP_SEPARATOR = ';;';

/** The dumps field as --dump values: NAME=COMMAND, each trimmed. */
export const dumpEntries = (text: string): string[] =>
  text
    .split(DUMP_SEPARATOR)
    .map((entry) => entry.trim())
    .filter(Boolean);

const dumpsText = (dumps: readonly DumpCommand[]) => dumps.map((dump) => `${dump.name}=${dump.command}`).join(` ${DUMP_SEPARATOR} `);

export function hostForm(initial: HostView | undefined): HostFormDialog {
  const values: HostValues = {
    name: initial?.name ?? '',
    address: initial?.address ?? '',
    user: initial?.user ?? 'root',
    port: String(initial?.port ?? 22),
    sources: joinWords(initial?.sources ?? []),
    excludes: joinWords(initial?.excludes ?? []),
    rsyncArgs: joinWords(initial?.rsyncArgs ?? []),
    dumps: dumpsText(initial?.dumps ?? []),
    enabled: initial?.enabled === false ? 'no' : 'yes',
  };
  return { kind: 'host-form', initial, form: newForm(values) };
}

const FIELDS: FieldSpec<HostValues>[] = [
  { key: 'name', label: 'name', hint: 'lowercase letters, digits, dots, dashes', validate: validateHostName },
  { key: 'address', label: 'address', hint: 'hostname or IP address, or "local" for this server', validate: validateAddress },
  { key: 'user', label: 'ssh user', validate: validateUser },
  { key: 'port', label: 'ssh port', validate: validatePort },
  {
    key: 'sources',
    label: 'sources',
    hint: 'absolute paths, separated by spaces, one with a space in quotes (none: a host backed up by its dumps alone)',
    // No sources at all is fine for a host whose backups are its dumps, as the service has it.
    validate: (value, values) =>
      splitWords(value).length === 0 && dumpEntries(values.dumps).length > 0 ? [] : validateSources(splitWords(value)),
  },
  {
    key: 'excludes',
    label: 'excludes',
    hint: 'rsync patterns, separated by spaces',
    validate: (value) => validateExcludes(splitWords(value)),
  },
  {
    key: 'rsyncArgs',
    label: 'rsync args',
    hint: 'extra rsync options, separated by spaces, like --bwlimit=10m',
    validate: (value) => validateRsyncArgs(splitWords(value)),
  },
  {
    key: 'dumps',
    label: 'dumps',
    hint: `NAME=COMMAND, run on the host before the files, as --dump takes them; several separated by ${DUMP_SEPARATOR}`,
    validate: (value) => validateDumps(dumpEntries(value)),
  },
  {
    key: 'enabled',
    label: 'enabled',
    hint: 'yes or no: scheduled backups skip a disabled host',
    validate: (value) => yesNo('enabled', value),
  },
];

export const HOST_FORM = formDialog<HostFormDialog, HostValues>({
  title: ({ initial, step }) => `${step ? `${step}: ` : ''}${initial ? `Edit host ${initial.name}` : 'Add a host'}`,
  // A host keeps its name: the name field is there only when adding one.
  fields: ({ initial }) => (initial ? FIELDS.slice(1) : FIELDS),
  async save({ initial, form: { values } }, env) {
    const saved = await env.backend.configureHost(initial?.name ?? values.name, {
      address: values.address,
      user: values.user,
      port: values.port,
      sources: splitWords(values.sources),
      excludes: splitWords(values.excludes),
      rsyncArgs: splitWords(values.rsyncArgs),
      dumps: dumpEntries(values.dumps),
      enabled: yesNo('enabled', values.enabled),
    });
    env.panes().hosts.select(saved.name);
    return `${initial ? 'saved' : 'added'} host ${saved.name}${saved.local ? '' : `: pin its key with t on its Host tab`}`;
  },
});
