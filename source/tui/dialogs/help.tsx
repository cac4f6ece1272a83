import { Text } from 'ink';
import type { Binding } from '../keys/binding.js';
import { tone } from '../theme.js';
import type { Dialog, DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

type HelpDialog = Extract<Dialog, { kind: 'help' }>;

export const HELP_KEYS: Binding<DialogContext<HelpDialog>>[] = [
  { keys: ['Esc', '?', 'q', 'Enter'], label: 'close', footerKeys: 'Esc', description: 'close the help', handler: (c) => c.close() },
];

/** The keys of the focused pane, of every list, and of everywhere: what `?` shows. */
export const HELP: DialogSpec<HelpDialog> = {
  keys: HELP_KEYS,
  view: (context, width) => (
    <Frame title="Keys (Esc or ? closes)" width={width}>
      {context.dialog.sections.map(({ title, keys }) => (
        <Text key={title} wrap="wrap">
          <Text bold color={tone('accent')}>
            {title}:
          </Text>
          {keys.map(([key, what]) => (
            <Text key={key}>
              {'  '}
              <Text bold>{key}</Text> {what}
            </Text>
          ))}
        </Text>
      ))}
    </Frame>
  ),
};
