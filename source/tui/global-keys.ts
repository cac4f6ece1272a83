/** The keys that work whatever pane has the focus (unless a dialog or a text field has the keyboard). */
import { formatCount } from '../domain/format.js';
import { errorText } from './components/chrome.js';
import type { Dialog } from './dialogs/dialog.js';
import { hostForm } from './dialogs/host-form.js';
import { settingsForm } from './dialogs/settings-form.js';
import type { AppEnv } from './env.js';
import type { Live } from './hooks/use-live.js';
import type { Binding } from './keys/binding.js';
import type { HostsPane } from './panes/hosts.js';
import { TABS, type Tab } from './panes/pane.js';

export type Focus = 'hosts' | 'detail';

export interface GlobalContext {
  app: AppEnv;
  focus: Live<Focus>;
  tab: Live<Tab>;
  dialog: Live<Dialog | undefined>;
  hosts: HostsPane;
  /** runs this process is running: quitting interrupts them */
  runningHere(): number[];
  /** opens the help for the focused pane */
  help(): void;
  /** opens the status line's recent messages, whole */
  messages(): void;
}

function discover({ app }: GlobalContext): void {
  app.act('discovering snapshots on disk', async () => {
    const report = await app.backend.discover();
    const problem = report.problems[0];
    return (
      `discovery: ${report.recorded.length} recorded, ${report.known} already known, ${report.problems.length} ` +
      `skipped${problem ? ` (${problem.path}: ${problem.reason})` : ''}`
    );
  });
}

function quit({ app, runningHere }: GlobalContext): void {
  const running = runningHere();
  if (running.length === 0) {
    app.exit();
    return;
  }
  app.open({
    kind: 'confirm',
    message:
      `${formatCount(running.length, 'backup')} running in this process (${running.map((id) => `#${id}`).join(' ')}). ` +
      `Quitting interrupts them; the next run resumes their trees. Quit?`,
    answer: { do: 'quit' },
  });
}

/** Opens the global settings form on what is stored now; `title` for the first run's step. */
export function openSettings(app: AppEnv, title?: string): Promise<boolean> {
  return app.backend
    .settings()
    .then((settings) => {
      app.open(settingsForm(settings, title));
      return true;
    })
    .catch((error: unknown) => {
      app.say({ kind: 'error', text: errorText(error) });
      return false;
    });
}

export interface QueueBackupAnswer {
  do: 'queue-backup';
  host: string;
}

export function queueBackup(env: AppEnv, { host }: QueueBackupAnswer): void {
  env.act(`queueing a backup of ${host}`, async () => `queued run #${await env.backend.queueBackup(host)} for ${host}`);
}

export const GLOBAL_KEYS: Binding<GlobalContext>[] = [
  {
    keys: ['Tab', 'Shift-Tab'],
    label: 'pane',
    footerKeys: 'Tab/h/l',
    description: 'switch pane',
    handler: (c) => c.focus.set((focus) => (focus === 'hosts' ? 'detail' : 'hosts')),
  },
  { keys: ['h'], description: 'to the hosts', handler: (c) => c.focus.set('hosts') },
  { keys: ['l'], description: "to the host's tabs", handler: (c) => c.focus.set('detail') },
  {
    keys: TABS.map((_, index) => String(index + 1)),
    label: 'tab',
    footerKeys: `1-${TABS.length}`,
    description: TABS.map((tab) => tab.title).join(', '),
    handler: (c, press) => c.tab.set(TABS[Number(press.name) - 1]!.id),
  },
  {
    keys: ['b'],
    label: 'backup',
    description: 'queue a backup of the host (of a replica host: a replication from its peer)',
    when: (c) => c.hosts.host() !== undefined,
    handler: ({ app, hosts }) => queueBackup(app, { do: 'queue-backup', host: hosts.host()! }),
  },
  { keys: ['d'], label: 'discover', description: 'discover snapshots on disk', handler: discover },
  { keys: ['n'], label: 'new host', description: 'add a host', handler: (c) => c.app.open(hostForm(undefined)) },
  {
    keys: ['S'],
    description: 'the global settings (backup root, time zone, ...)',
    handler: ({ app }) => openSettings(app),
  },
  {
    keys: ['K'],
    description: "the server's key lines for authorized_keys",
    handler: ({ app }) => {
      app.backend
        .serverKey()
        .then((key) => app.open({ kind: 'server-key', key }))
        .catch((error: unknown) => app.say({ kind: 'error', text: errorText(error) }));
    },
  },
  {
    keys: ['/'],
    label: 'filter',
    description: 'filter hosts by name',
    handler: (c) => {
      c.focus.set('hosts');
      c.hosts.startFilter();
    },
  },
  {
    keys: ['Esc'],
    description: 'back to the hosts (from the tabs)',
    when: (c) => c.focus.value === 'detail',
    handler: (c) => c.focus.set('hosts'),
  },
  {
    keys: ['Esc'],
    description: 'clear the host filter',
    when: (c) => c.hosts.filter() !== undefined,
    handler: (c) => c.hosts.clearFilter(),
  },
  { keys: ['?'], label: 'help', description: 'this help', handler: (c) => c.help() },
  { keys: ['!'], description: "the status line's recent messages, whole", handler: (c) => c.messages() },
  {
    keys: ['q', 'Ctrl-c'],
    label: 'quit',
    footerKeys: 'q',
    description: 'quit (asks first while backups run in this process)',
    handler: quit,
  },
];

/**
 * Ctrl-C while a dialog or a text field has the keyboard: what it does outside. The dialog closes
 * and the TUI quits (asking first while backups run here); on that question itself, it quits.
 */
export const INTERRUPT_KEYS: Binding<GlobalContext>[] = [
  {
    keys: ['Ctrl-c'],
    description: 'close it and quit, as q does outside (asks first while backups run in this process)',
    handler: (c) => {
      const open = c.dialog.value;
      if (open?.kind === 'confirm' && open.answer.do === 'quit') return c.app.exit();
      c.dialog.set(undefined);
      if (c.hosts.filter() !== undefined) c.hosts.keepFilter();
      quit(c);
    },
  },
];
