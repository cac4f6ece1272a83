/** Every kind of dialog, and how the app shows one and gives it the keyboard. */
import type { AppEnv } from '../env.js';
import type { Live } from '../hooks/use-live.js';
import { bind, type Layer } from '../keys/binding.js';
import { ARCHIVE_FORM } from './archive-form.js';
import { CONFIRM, TYPE_WORD } from './confirm.js';
import type { Dialog, DialogContext, DialogSpec } from './dialog.js';
import { DUMP_RESTORE_FORM } from './dump-restore-form.js';
import { HELP } from './help.js';
import { HOST_FORM } from './host-form.js';
import { MESSAGES } from './messages.js';
import { POLICY_FORM } from './policy-form.js';
import { RENAME_FORM } from './rename-form.js';
import { RESTORE_FORM } from './restore-form.js';
import { RUN_DETAIL } from './run-detail.js';
import { SCHEDULE_FORM } from './schedule-form.js';
import { SERVER_KEY } from './server-key.js';
import { SETTINGS_FORM } from './settings-form.js';
import { VERSIONS } from './versions.js';

const DIALOGS: { [K in Dialog['kind']]: DialogSpec<Extract<Dialog, { kind: K }>> } = {
  help: HELP,
  confirm: CONFIRM,
  'type-word': TYPE_WORD,
  'host-form': HOST_FORM,
  'schedule-form': SCHEDULE_FORM,
  'policy-form': POLICY_FORM,
  'rename-form': RENAME_FORM,
  'archive-form': ARCHIVE_FORM,
  'restore-form': RESTORE_FORM,
  'dump-restore-form': DUMP_RESTORE_FORM,
  'run-detail': RUN_DETAIL,
  'server-key': SERVER_KEY,
  versions: VERSIONS,
  'settings-form': SETTINGS_FORM,
  messages: MESSAGES,
};

const specOf = (dialog: Dialog) => DIALOGS[dialog.kind] as DialogSpec<Dialog>;

/** The open dialog, read and changed through the app's live cell: a key sees what the key before it typed. */
export function dialogContext(cell: Live<Dialog | undefined>, env: AppEnv): DialogContext<Dialog> | undefined {
  const opened = cell.value;
  if (!opened) return undefined;
  const same = (dialog: Dialog | undefined) => dialog?.kind === opened.kind;
  return {
    get dialog() {
      return same(cell.value) ? cell.value! : opened;
    },
    update: (change) => cell.set((dialog) => (dialog && same(dialog) ? change(dialog) : dialog)),
    close: () => cell.set((dialog) => (same(dialog) ? undefined : dialog)),
    env,
  };
}

export function dialogLayer(context: DialogContext<Dialog>): Layer {
  const spec = specOf(context.dialog);
  const { text } = spec;
  return {
    commands: bind(spec.keys, context),
    ...(text ? { text: { label: text.label, insert: (typed: string) => text.insert(context, typed) } } : {}),
  };
}

/** How wide the dialog is drawn on a terminal `columns` wide. */
export const dialogWidth = (context: DialogContext<Dialog>, columns: number): number =>
  specOf(context.dialog).wide?.(context.dialog) ? columns : Math.min(columns, 100);

export function DialogView({ context, width, height }: { context: DialogContext<Dialog>; width: number; height: number }) {
  return specOf(context.dialog).view(context, width, height);
}
