/** What panes, dialogs and their actions get from the app: the services, the clock, the status line, dialogs. */
import type { Backend } from './backend.js';
import type { Dialog } from './dialogs/dialog.js';
import type { Message } from './messages.js';
import type { Panes } from './panes/pane.js';

export interface AppEnv {
  backend: Backend;
  /** the clock, ticking once a second */
  now: Date;
  /** the global time zone: schedules without one of their own use it */
  timeZone: string;
  /** changes after every action: polls load again at once when it does */
  changes: number;
  /** runs an action without blocking the keyboard; its outcome goes to the status line, then every poll loads again */
  act(busy: string, action: () => Promise<string>): void;
  say(message: Message): void;
  /** every poll loads again now */
  refresh(): void;
  open(dialog: Dialog): void;
  close(): void;
  exit(): void;
  /** the panes as they are now, for an action that moves another pane (a saved host gets selected) */
  panes(): Panes;
}
