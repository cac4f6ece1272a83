/**
 * The server's key lines for ~/.ssh/authorized_keys, as `pobsync key` and `pobsync key
 * --restricted` print them, drawn to be selected and copied from the terminal: no border or
 * padding on the lines of a key, each key line whole on a line of its own.
 */
import { Box, Text } from 'ink';
import type { ServerKeyView } from '../../services/hosts/server-key.js';
import type { Binding } from '../keys/binding.js';
import { tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';

export interface ServerKeyDialog {
  kind: 'server-key';
  key: ServerKeyView;
  /** the first run's step this is, shown before its title */
  step?: string;
}

export const SERVER_KEY_KEYS: Binding<DialogContext<ServerKeyDialog>>[] = [
  { keys: ['Esc', 'Enter', 'q', 'K'], label: 'close', footerKeys: 'Esc', description: 'close the key lines', handler: (c) => c.close() },
];

function KeyLine({ title, line, width }: { title: string; line: string; width: number }) {
  return (
    <>
      <Text> </Text>
      <Text bold wrap="wrap">
        {title}
      </Text>
      <Text wrap="wrap">{line}</Text>
      {line.length > width ? (
        <Text color={tone('warn')} wrap="wrap">
          (the line is {line.length} characters and the terminal {width} columns wide: it wraps, and a copy of it would break; widen the
          terminal, or copy it from `pobsync key`)
        </Text>
      ) : null}
    </>
  );
}

export const SERVER_KEY: DialogSpec<ServerKeyDialog> = {
  keys: SERVER_KEY_KEYS,
  wide: () => true,
  view: ({ dialog: { key, step } }, width) => (
    <Box flexDirection="column" width={width}>
      <Text bold color={tone('accent')} wrap="wrap">
        {step ? `${step}: ` : ''}The server's SSH key (Esc closes): {key.fingerprint}
        {key.created ? ', created just now' : ''}, {key.path}
      </Text>
      <KeyLine
        title="On each host, as the user pobsync logs in as, append this line to ~/.ssh/authorized_keys:"
        line={key.authorizedKeysLine}
        width={width}
      />
      <KeyLine
        title="Or, for a host configured with --access restricted (read-only rsync, nothing else), this one:"
        line={key.restrictedKeysLine}
        width={width}
      />
      <Text color={tone('muted')} wrap="wrap">
        To allow the restricted key from the backup server's address only: pobsync key --restricted --from ADDR
      </Text>
    </Box>
  ),
};
