/**
 * Dialogs take the keyboard while open: a y/n question, a word to type before something is
 * destroyed, a form, the key help. Esc always closes without doing anything.
 */
import { Box, Text, useInput } from 'ink';
import TextInput from 'ink-text-input';
import { type ReactNode, useState } from 'react';
import { tone } from '../theme.js';

function Frame({ title, width, children }: { title: string; width: number; children: ReactNode }) {
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} width={width}>
      <Text bold>{title}</Text>
      {children}
    </Box>
  );
}

export function ConfirmDialog({ message, onAnswer, width }: { message: string; onAnswer: (yes: boolean) => void; width: number }) {
  useInput((input, key) => {
    if (input === 'y' || input === 'Y') onAnswer(true);
    else if (input === 'n' || input === 'N' || key.escape) onAnswer(false);
  });
  return (
    <Frame title="Confirm" width={width}>
      <Text wrap="wrap">{message}</Text>
      <Text>
        <Text bold>y</Text> yes <Text bold>n</Text>/<Text bold>Esc</Text> no
      </Text>
    </Frame>
  );
}

/** Destroying something asks for a word (the host name) to be typed, as Shopify's CLI does. */
export function TypeToConfirm({
  word,
  message,
  onDone,
  width,
}: {
  word: string;
  message: string;
  onDone: (confirmed: boolean) => void;
  width: number;
}) {
  const [typed, setTyped] = useState('');
  const [wrong, setWrong] = useState(false);
  useInput((_input, key) => {
    if (key.escape) onDone(false);
  });
  return (
    <Frame title="Confirm" width={width}>
      <Text wrap="wrap">{message}</Text>
      <Text>
        Type <Text bold>{word}</Text> to confirm, or press Escape to cancel:
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextInput
          value={typed}
          onChange={(value) => {
            setTyped(value);
            setWrong(false);
          }}
          onSubmit={(value) => {
            if (value === word) onDone(true);
            else setWrong(true);
          }}
        />
      </Box>
      {wrong ? (
        <Text color={tone('bad')}>
          "{typed}" is not {word}: nothing was done
        </Text>
      ) : null}
    </Frame>
  );
}

export interface FieldSpec {
  key: string;
  label: string;
  hint?: string;
  /** throws (a UserError) with the message to show under the field */
  validate?: (value: string) => unknown;
}

function fieldError(field: FieldSpec, value: string): string | undefined {
  try {
    field.validate?.(value);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A form of text fields: ↑/↓ or Tab move between them, Enter submits, Esc cancels. A field is
 * checked when the cursor leaves it, with the same functions the CLI uses, so the messages are
 * the same. `error` is the submit's failure; `children` show live results (next runs, a preview).
 */
export function Form(props: {
  title: string;
  fields: FieldSpec[];
  values: Record<string, string>;
  onChange: (values: Record<string, string>) => void;
  onSubmit: () => void;
  onCancel: () => void;
  error?: string | undefined;
  width: number;
  children?: ReactNode;
}) {
  const { fields, values } = props;
  const [focus, setFocus] = useState(0);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const check = (index: number) => {
    const field = fields[index]!;
    setErrors((current) => ({ ...current, [field.key]: fieldError(field, values[field.key] ?? '') }));
  };
  const move = (step: number) => {
    check(focus);
    setFocus((index) => (index + step + fields.length) % fields.length);
  };
  useInput((_input, key) => {
    if (key.escape) props.onCancel();
    else if (key.downArrow || (key.tab && !key.shift)) move(1);
    else if (key.upArrow || (key.tab && key.shift)) move(-1);
  });
  const labelWidth = Math.max(...fields.map((field) => field.label.length)) + 2;
  return (
    <Frame title={props.title} width={props.width}>
      {fields.map((field, index) => (
        <Box key={field.key} flexDirection="column">
          <Box>
            <Text bold={index === focus}>{`${index === focus ? '›' : ' '} ${field.label}`.padEnd(labelWidth + 2)}</Text>
            {index === focus ? (
              <TextInput
                value={values[field.key] ?? ''}
                onChange={(value) => {
                  props.onChange({ ...values, [field.key]: value });
                  setErrors((current) => ({ ...current, [field.key]: undefined }));
                }}
                onSubmit={() => {
                  const found = fields.map((each) => [each.key, fieldError(each, values[each.key] ?? '')] as const);
                  setErrors(Object.fromEntries(found));
                  if (found.every(([, error]) => error === undefined)) props.onSubmit();
                }}
              />
            ) : (
              <Text wrap="truncate">{values[field.key] ?? ''}</Text>
            )}
          </Box>
          {errors[field.key] ? (
            <Text color={tone('bad')} wrap="wrap">
              {'    '}
              {errors[field.key]}
            </Text>
          ) : index === focus && field.hint ? (
            <Text color={tone('muted')} wrap="truncate">
              {'    '}
              {field.hint}
            </Text>
          ) : null}
        </Box>
      ))}
      {props.children}
      {props.error ? (
        <Text color={tone('bad')} wrap="wrap">
          {props.error}
        </Text>
      ) : null}
      <Text color={tone('muted')}>↑/↓ or Tab: field Enter: save Esc: cancel</Text>
    </Frame>
  );
}

export function HelpDialog({ sections, onClose, width }: { sections: [string, [string, string][]][]; onClose: () => void; width: number }) {
  useInput((input, key) => {
    if (key.escape || input === '?' || input === 'q' || key.return) onClose();
  });
  return (
    <Frame title="Keys (Esc or ? closes)" width={width}>
      {sections.map(([title, keys]) => (
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
  );
}
