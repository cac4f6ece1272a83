/**
 * Every key of the TUI, from the declarations the panes and dialogs dispatch with: the `?` help
 * shows the focused pane's part of it, and `npm run docs:keys` writes all of it into the README
 * (a test fails when the README's table is not what this makes).
 */
import { CONFIRM_KEYS, TYPE_WORD_KEYS } from './dialogs/confirm.js';
import type { HelpSection } from './dialogs/dialog.js';
import { FORM_KEYS, TEXT_KEYS } from './dialogs/form.js';
import { HELP_KEYS } from './dialogs/help.js';
import { MESSAGES_KEYS } from './dialogs/messages.js';
import { RUN_DETAIL_KEYS } from './dialogs/run-detail.js';
import { SERVER_KEY_KEYS } from './dialogs/server-key.js';
import { VERSIONS_KEYS } from './dialogs/versions.js';
import { GLOBAL_KEYS, INTERRUPT_KEYS } from './global-keys.js';
import { CURSOR_KEYS } from './keys/cursor.js';
import { showKey } from './keys/keypress.js';
import { ARCHIVES_KEYS } from './panes/archives.js';
import { HOST_KEYS } from './panes/host.js';
import { HOSTS_KEYS } from './panes/hosts.js';
import { LOG_SCREEN_KEYS } from './panes/log-screen.js';
import type { PaneId } from './panes/pane.js';
import { RETENTION_KEYS } from './panes/retention.js';
import { RUNS_KEYS } from './panes/runs.js';
import { SNAPSHOTS_KEYS } from './panes/snapshots.js';

/** What the help and the README need of a binding. */
interface KeyDoc {
  keys: readonly string[];
  description: string;
}

interface DocSection {
  title: string;
  bindings: readonly KeyDoc[];
}

const PANES: Record<PaneId, readonly DocSection[]> = {
  hosts: HOSTS_KEYS,
  runs: [...RUNS_KEYS, ...LOG_SCREEN_KEYS],
  snapshots: SNAPSHOTS_KEYS,
  retention: RETENTION_KEYS,
  host: HOST_KEYS,
  archives: ARCHIVES_KEYS,
};

const EVERYWHERE: DocSection = { title: 'Everywhere', bindings: GLOBAL_KEYS };
const LISTS: DocSection = { title: 'Every list, and the run log', bindings: CURSOR_KEYS };
const DIALOGS: DocSection[] = [
  { title: 'Help', bindings: HELP_KEYS },
  { title: 'Run details', bindings: RUN_DETAIL_KEYS },
  { title: 'Recent messages', bindings: MESSAGES_KEYS },
  { title: "The server's key lines", bindings: SERVER_KEY_KEYS },
  { title: "A file's versions", bindings: VERSIONS_KEYS },
  { title: 'A y/n question', bindings: CONFIRM_KEYS },
  { title: 'Typing a word to confirm', bindings: TYPE_WORD_KEYS },
  { title: 'Forms', bindings: FORM_KEYS },
  { title: 'Text fields (forms, a word to type)', bindings: TEXT_KEYS },
  { title: 'Every dialog, and the host filter being typed', bindings: INTERRUPT_KEYS },
];

/** What `?` shows: the focused pane's keys, then the cursor keys, then the keys that work everywhere. */
export function helpSections(pane: PaneId): HelpSection[] {
  return [...PANES[pane], LISTS, EVERYWHERE].map(({ title, bindings }) => ({
    title,
    keys: bindings.map((binding) => [binding.keys.map(showKey).join(' '), binding.description]),
  }));
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The README's key table, in markdown, its columns padded as the formatter (Biome) pads them. */
export function keyTable(): string {
  const sections = [EVERYWHERE, LISTS, ...Object.values(PANES).flat(), ...DIALOGS];
  const rows = sections.flatMap(({ title, bindings }) =>
    bindings.map((binding, index) => [
      index === 0 ? title : '',
      binding.keys.map((key) => `\`${cell(showKey(key))}\``).join(' '),
      cell(binding.description),
    ]),
  );
  const header = ['where', 'keys', 'what they do'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => [...row[column]!].length)));
  const line = (cells: string[]) => `| ${cells.map((text, column) => text + ' '.repeat(widths[column]! - [...text].length)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const BEGIN = '<!-- keys: begin (written by `npm run docs:keys` from the key declarations in source/tui) -->';
const END = '<!-- keys: end -->';

/** `readme` with the key table between its markers made anew. */
export function withKeyTable(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no key table markers: put ${BEGIN} and ${END} where the table goes`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${keyTable()}\n${readme.slice(end)}`;
}
