/** Questions before something happens: y/n, or a word to type before something is destroyed. */
import { Box, Text } from 'ink';
import { KeyLegend } from '../components/chrome.js';
import { editText, TextField } from '../components/text-field.js';
import { type Binding, bind, footerEntries, via } from '../keys/binding.js';
import { tone } from '../theme.js';
import { carryOut } from './answers.js';
import type { Dialog, DialogContext, DialogSpec, TypeWordDialog } from './dialog.js';
import { TEXT_KEYS, type TextControl } from './form.js';
import { Frame } from './frame.js';

type ConfirmDialog = Extract<Dialog, { kind: 'confirm' }>;

/** Closes the dialog, then does what it asked about. */
function yes(context: DialogContext<ConfirmDialog | TypeWordDialog>): void {
  context.close();
  carryOut(context.env, context.dialog.answer);
}

export const CONFIRM_KEYS: Binding<DialogContext<ConfirmDialog>>[] = [
  { keys: ['y', 'Y'], label: 'yes', footerKeys: 'y', description: 'yes: do it', handler: yes },
  { keys: ['n', 'N', 'Esc'], label: 'no', footerKeys: 'n/Esc', description: 'no: nothing is done', handler: (c) => c.close() },
];

export const CONFIRM: DialogSpec<ConfirmDialog> = {
  keys: CONFIRM_KEYS,
  view: (context, width) => (
    <Frame title="Confirm" width={width}>
      <Text wrap="wrap">{context.dialog.message}</Text>
      <KeyLegend keys={footerEntries({ commands: bind(CONFIRM_KEYS, context) })} />
    </Frame>
  ),
};

const typed = (dialog: TypeWordDialog) => ({ value: dialog.typed ?? '', cursor: dialog.cursor ?? (dialog.typed ?? '').length });

const field = (context: DialogContext<TypeWordDialog>): TextControl => ({
  edit: (operation) =>
    context.update((dialog) => {
      const edited = editText(typed(dialog), operation);
      return { ...dialog, typed: edited.value, cursor: edited.cursor, wrong: false };
    }),
});

export const TYPE_WORD_KEYS: Binding<DialogContext<TypeWordDialog>>[] = [
  {
    keys: ['Enter'],
    label: 'confirm',
    description: 'confirm, if the word typed is the one asked for',
    handler: (c) => (c.dialog.typed === c.dialog.word ? yes(c) : c.update((dialog) => ({ ...dialog, wrong: true }))),
  },
  {
    keys: ['Esc'],
    label: 'cancel',
    description: 'cancel: nothing is done',
    handler: (c) => {
      c.close();
      c.env.say({ kind: 'info', text: c.dialog.cancelled });
    },
  },
];

export const TYPE_WORD: DialogSpec<TypeWordDialog> = {
  keys: [...TYPE_WORD_KEYS, ...via(TEXT_KEYS, field)],
  text: { label: 'the word', insert: (context, text) => field(context).edit({ insert: text }) },
  wide: (dialog) => dialog.columns !== undefined,
  view: ({ dialog }, width) => (
    <Frame title="Confirm" width={width}>
      <Text wrap="wrap">{dialog.message}</Text>
      {dialog.columns ? (
        <Box flexDirection="row" gap={2}>
          {dialog.columns.map((column) => (
            <Box key={column.title} flexDirection="column" flexGrow={1} flexBasis={0}>
              <Text bold>{column.title}</Text>
              {column.lines.map((line) => (
                <Text key={line} wrap="wrap">
                  {line}
                </Text>
              ))}
            </Box>
          ))}
        </Box>
      ) : null}
      {dialog.warning ? (
        <Text color={tone('warn')} wrap="wrap">
          {dialog.warning}
        </Text>
      ) : null}
      <Text>
        Type <Text bold>{dialog.word}</Text> to confirm, or press Escape to cancel:
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextField {...typed(dialog)} />
      </Box>
      {dialog.wrong ? (
        <Text color={tone('bad')}>
          "{dialog.typed ?? ''}" is not {dialog.word}: nothing was done
        </Text>
      ) : null}
    </Frame>
  ),
};
