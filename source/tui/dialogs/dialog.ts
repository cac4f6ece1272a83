/**
 * A dialog is data: what it shows, what it has been typed so far, and, for a question, the
 * answer to carry out on yes (an `Answer`, done by the pane that asked). How each kind draws
 * and which keys it takes is its `DialogSpec`, in dialogs/index.ts.
 *
 * A new dialog: its data in `Dialog`, its spec in DIALOGS (dialogs/index.ts), its keys in
 * keymap.ts. A new question: `app.open({ kind: 'confirm', message, answer })` with an `Answer`
 * added below, done by a function of its pane, listed in dialogs/answers.ts.
 */
import type { ReactNode } from 'react';
import type { AppEnv } from '../env.js';
import type { QueueBackupAnswer } from '../global-keys.js';
import type { Binding } from '../keys/binding.js';
import type { DeprecateArchiveAnswer } from '../panes/archives.js';
import type { RemoveHostAnswer, RemoveScheduleAnswer, TrustHostAnswer } from '../panes/host.js';
import type { ApplyRetentionAnswer } from '../panes/retention.js';
import type { CancelRunAnswer } from '../panes/runs.js';
import type { RestoreAnswer } from '../panes/snapshot-browser.js';
import type { DeleteSnapshotAnswer, RestoreDumpAnswer } from '../panes/snapshots.js';
import type { ArchiveFormDialog } from './archive-form.js';
import type { DumpRestoreFormDialog } from './dump-restore-form.js';
import type { HostFormDialog } from './host-form.js';
import type { MessagesDialog } from './messages.js';
import type { PolicyFormDialog } from './policy-form.js';
import type { RenameFormDialog } from './rename-form.js';
import type { RestoreFormDialog } from './restore-form.js';
import type { RunDetailDialog } from './run-detail.js';
import type { ScheduleFormDialog } from './schedule-form.js';
import type { ServerKeyDialog } from './server-key.js';
import type { SettingsFormDialog } from './settings-form.js';
import type { VersionsDialog } from './versions.js';

/** What a confirmed question does; each is carried out by its pane's function (dialogs/answers.ts). */
export type Answer =
  | { do: 'quit' }
  | QueueBackupAnswer
  | CancelRunAnswer
  | ApplyRetentionAnswer
  | RemoveHostAnswer
  | RemoveScheduleAnswer
  | DeprecateArchiveAnswer
  | DeleteSnapshotAnswer
  | RestoreAnswer
  | RestoreDumpAnswer
  | TrustHostAnswer;

/** A section of the `?` help: keys and what they do. */
export interface HelpSection {
  title: string;
  keys: [string, string][];
}

export type Dialog =
  | { kind: 'help'; sections: HelpSection[]; top?: number; page?: number }
  | { kind: 'confirm'; message: string; answer: Answer }
  | TypeWordDialog
  | HostFormDialog
  | ScheduleFormDialog
  | PolicyFormDialog
  | RenameFormDialog
  | ArchiveFormDialog
  | RestoreFormDialog
  | DumpRestoreFormDialog
  | RunDetailDialog
  | ServerKeyDialog
  | VersionsDialog
  | SettingsFormDialog
  | MessagesDialog;

/** Destroying something asks for a word (the host name) to be typed, as Shopify's CLI does. */
export interface TypeWordDialog {
  kind: 'type-word';
  word: string;
  message: string;
  /** shown side by side under the message, as what was and what would be (keys pinned and offered) */
  columns?: { title: string; lines: string[] }[];
  /** said in the warning tone under the message */
  warning?: string;
  answer: Answer;
  /** what the status line says when it is cancelled */
  cancelled: string;
  typed?: string;
  cursor?: number;
  /** Enter was pressed on another word */
  wrong?: boolean;
}

/** What a dialog's keys and view work on: the dialog as it is now, and the app. */
export interface DialogContext<D> {
  readonly dialog: D;
  update(change: (dialog: D) => D): void;
  close(): void;
  env: AppEnv;
}

export interface DialogSpec<D> {
  keys: readonly Binding<DialogContext<D>>[];
  /** the dialog has a text field: typed and pasted text goes here */
  text?: { label: string; insert(context: DialogContext<D>, text: string): void };
  /** drawn as wide as the terminal (text to copy whole, fingerprints side by side), not at most 100 columns */
  wide?: (dialog: D) => boolean;
  /** `height`: the rows it may take (the panes' area) */
  view(context: DialogContext<D>, width: number, height: number): ReactNode;
}
