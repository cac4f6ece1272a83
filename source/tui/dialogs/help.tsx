import { Text } from 'ink';
import type { Binding } from '../keys/binding.js';
import { tone } from '../theme.js';
import type { Dialog, DialogContext, DialogSpec, HelpSection } from './dialog.js';
import { Frame } from './frame.js';

type HelpDialog = Extract<Dialog, { kind: 'help' }>;

/** One line of the help: a section's title, or one key and what it does. */
type HelpLine = { title: string } | { section: string; key: string; what: string };

function helpLines(sections: readonly HelpSection[]): HelpLine[] {
  return sections.flatMap(({ title, keys }) => [{ title }, ...keys.map(([key, what]) => ({ section: title, key, what }))]);
}

/** How many lines the help shows at once in a dialog `height` rows tall: its frame and title take three, the scroll line one. */
export const helpPage = (height: number) => Math.max(3, height - 4);

/** Moves the first line shown by `step`, within the lines there are. */
function scroll(context: DialogContext<HelpDialog>, step: (page: number) => number): void {
  context.update((dialog) => {
    const page = dialog.page ?? 10;
    const last = Math.max(0, helpLines(dialog.sections).length - page);
    return { ...dialog, top: Math.min(last, Math.max(0, (dialog.top ?? 0) + step(page))) };
  });
}

export const HELP_KEYS: Binding<DialogContext<HelpDialog>>[] = [
  { keys: ['Esc', '?', 'q', 'Enter'], label: 'close', footerKeys: 'Esc', description: 'close the help', handler: (c) => c.close() },
  { keys: ['j', 'Down'], label: 'scroll', footerKeys: 'j/k', description: 'scroll the help down', handler: (c) => scroll(c, () => 1) },
  { keys: ['k', 'Up'], description: 'scroll the help up', handler: (c) => scroll(c, () => -1) },
  { keys: ['PgDn'], description: 'a page down', handler: (c) => scroll(c, (page) => page) },
  { keys: ['PgUp'], description: 'a page up', handler: (c) => scroll(c, (page) => -page) },
];

/**
 * The keys of the focused pane, of every list, and of everywhere: what `?` shows, a key a line,
 * scrolled with j/k when they do not fit the terminal (at 80x24 most panes' keys do not).
 */
export const HELP: DialogSpec<HelpDialog> = {
  keys: HELP_KEYS,
  view: (context, width, height) => {
    const lines = helpLines(context.dialog.sections);
    const room = Math.max(3, height - 3);
    const fits = lines.length <= room;
    const shown = fits ? lines.length : helpPage(height);
    const top = fits ? 0 : Math.min(context.dialog.top ?? 0, lines.length - shown);
    const keyWidth = Math.max(...lines.map((line) => ('key' in line ? line.key.length : 0)));
    return (
      <Frame title="Keys (Esc or ? closes)" width={width}>
        {lines.slice(top, top + shown).map((line) =>
          'title' in line ? (
            <Text key={line.title} bold color={tone('accent')} wrap="truncate">
              {line.title}:
            </Text>
          ) : (
            <Text key={`${line.section} ${line.key} ${line.what}`} wrap="truncate">
              {'  '}
              <Text bold>{line.key.padEnd(keyWidth)}</Text> {line.what}
            </Text>
          ),
        )}
        {fits ? null : (
          <Text color={tone('muted')} wrap="truncate">
            {`lines ${top + 1}-${top + shown} of ${lines.length}: j/k scroll, PgUp/PgDn a page`}
          </Text>
        )}
      </Frame>
    );
  },
};
