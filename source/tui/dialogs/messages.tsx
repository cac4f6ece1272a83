/** The status line's recent messages, whole and wrapped: an error cut to the width of the line can be read. */
import { Text } from 'ink';
import { formatInZone } from '../../domain/format.js';
import type { Binding } from '../keys/binding.js';
import type { Message } from '../messages.js';
import { tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

export interface MessagesDialog {
  kind: 'messages';
  /** newest first */
  messages: Message[];
}

const TONES = { info: undefined, warn: 'warn', error: 'bad', busy: 'busy' } as const;

export const MESSAGES_KEYS: Binding<DialogContext<MessagesDialog>>[] = [
  { keys: ['Esc', 'Enter', 'q', '!'], label: 'close', footerKeys: 'Esc', description: 'close the messages', handler: (c) => c.close() },
];

export const MESSAGES: DialogSpec<MessagesDialog> = {
  keys: MESSAGES_KEYS,
  view: ({ dialog, env }, width) => (
    <Frame title="Recent messages, newest first (Esc closes)" width={width}>
      {dialog.messages.length === 0 ? <Text color={tone('muted')}>nothing said yet</Text> : null}
      {dialog.messages.map((message, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same message may be said twice
        <Text key={index} wrap="wrap" color={TONES[message.kind] ? tone(TONES[message.kind]!) : undefined}>
          <Text color={tone('muted')}>
            {message.at === undefined ? '' : `${formatInZone(new Date(message.at), env.timeZone).slice(15, 23)} `}
          </Text>
          {message.text}
        </Text>
      ))}
    </Frame>
  ),
};
