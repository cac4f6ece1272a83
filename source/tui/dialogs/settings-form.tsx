/**
 * The server-wide settings most worth a form (backup root, time zone, max concurrent backups,
 * default rsync args), checked by the functions `pobsync configure-global` uses and saved by the
 * same service. Taking over a root another catalogue uses (--adopt) stays a CLI matter.
 */
import { UserError } from '../../domain/errors.js';
import { validateRsyncArgs } from '../../domain/rsync-options.js';
import { validateBackupRoot, validatePositiveInteger, validateTimeZone } from '../../domain/validation.js';
import { joinWords, splitWords } from '../../domain/word-list.js';
import type { SettingsInput, SettingsView } from '../../services/settings.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export interface SettingsValues {
  backupRoot: string;
  timeZone: string;
  maxConcurrent: string;
  /** rsync options for every host, separated by spaces */
  rsyncArgs: string;
}

export interface SettingsFormDialog {
  kind: 'settings-form';
  initial: SettingsView;
  /** the title, when the first run shows it as one of its steps */
  title?: string;
  form: FormState<SettingsValues>;
}

export function settingsForm(initial: SettingsView, title?: string): SettingsFormDialog {
  return {
    kind: 'settings-form',
    initial,
    ...(title ? { title } : {}),
    form: newForm({
      backupRoot: initial.backupRoot ?? '',
      timeZone: initial.timeZone,
      maxConcurrent: String(initial.maxConcurrent),
      rsyncArgs: joinWords(initial.defaultRsyncArgs),
    }),
  };
}

const FIELDS: FieldSpec<SettingsValues>[] = [
  {
    key: 'backupRoot',
    label: 'backup root',
    hint: 'where snapshots are kept: an absolute path, created 0700 if missing, like /srv/backups',
    validate: validateBackupRoot,
  },
  {
    key: 'timeZone',
    label: 'time zone',
    hint: 'IANA name for schedules and retention, like Europe/Berlin or UTC',
    validate: validateTimeZone,
  },
  {
    key: 'maxConcurrent',
    label: 'max concurrent',
    hint: 'how many backups may run at once',
    validate: (value) => validatePositiveInteger('max concurrent', value, 64),
  },
  {
    key: 'rsyncArgs',
    label: 'rsync args',
    hint: 'rsync options for every host, separated by spaces, like --bwlimit=20m',
    validate: (value) => validateRsyncArgs(splitWords(value)),
  },
];

/** The fields that differ from what was loaded: only those are saved. */
function changes(initial: SettingsView, values: SettingsValues): Omit<SettingsInput, 'adopt'> {
  const input: Omit<SettingsInput, 'adopt'> = {};
  if (values.backupRoot.trim() !== (initial.backupRoot ?? '')) input.backupRoot = values.backupRoot.trim();
  if (values.timeZone.trim() !== initial.timeZone) input.timeZone = values.timeZone.trim();
  if (values.maxConcurrent.trim() !== String(initial.maxConcurrent)) input.maxConcurrent = values.maxConcurrent.trim();
  const rsyncArgs = splitWords(values.rsyncArgs);
  if (joinWords(rsyncArgs) !== joinWords(initial.defaultRsyncArgs)) input.defaultRsyncArgs = rsyncArgs;
  return input;
}

export const SETTINGS_FORM = formDialog<SettingsFormDialog, SettingsValues>({
  title: (dialog) => dialog.title ?? 'Global settings (as pobsync configure-global)',
  fields: () => FIELDS,
  async save({ initial, form: { values } }, env) {
    const input = changes(initial, values);
    try {
      const saved = await env.backend.configureGlobal(input);
      return (
        `saved the global settings: backup root ${saved.backupRoot}, time zone ${saved.timeZone}, ` +
        `max concurrent ${saved.maxConcurrent}`
      );
    } catch (error) {
      // The service says to add --adopt: that is the CLI's, where its consequences are spelled out.
      if (error instanceof UserError && error.message.includes('--adopt')) {
        throw new UserError(
          `${error.message}. Taking a backup root over is not done here: run "pobsync configure-global --backup-root ` +
            `${input.backupRoot} --adopt" from the command line`,
        );
      }
      throw error;
    }
  },
});
