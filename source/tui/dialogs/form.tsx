/**
 * Forms: text fields, one focused, each checked when the cursor leaves it with the same function
 * the CLI uses, so the messages are the same. A form's state is data inside its dialog, typed
 * per form (`HostValues`, `ScheduleValues`, ...); `formDialog` makes the keys and the view of
 * any form from its `FormSpec`.
 *
 * A new form: its values (`interface ThingValues { ...: string }`), its dialog
 * (`{ kind: 'thing-form'; form: FormState<ThingValues> }`) in `Dialog`, a function that makes
 * one to open, and `formDialog({ title, fields, save, Below? })` in DIALOGS (dialogs/index.ts).
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { UserError } from '../../domain/errors.js';
import { errorText, KeyLegend } from '../components/chrome.js';
import { editText, TextField, type TextOperation } from '../components/text-field.js';
import type { AppEnv } from '../env.js';
import { type Binding, bind, footerEntries, via } from '../keys/binding.js';
import { tone } from '../theme.js';
import type { DialogContext, DialogSpec } from './dialog.js';
import { Frame } from './frame.js';

/** A field holding a list, separated by spaces (sources, excludes, rsync args), as a list. */
export interface FieldSpec<V> {
  key: keyof V & string;
  label: string;
  hint?: string;
  /** throws (a UserError) with the message to show under the field */
  validate?: (value: string, values: V) => unknown;
}

export interface FormState<V> {
  values: V;
  /** the field being edited, and the text cursor in it (undefined: at its end) */
  focus: number;
  cursor?: number | undefined;
  errors: Partial<Record<keyof V, string>>;
  /** why the last save failed */
  error?: string;
}

/** The state of a new form: the cursor at the end of the first field. */
export function newForm<V extends Record<keyof V, string>>(values: V): FormState<V> {
  return { values, focus: 0, errors: {} };
}

export interface FormSpec<D extends { form: FormState<V> }, V extends Record<keyof V, string>> {
  title(dialog: D): string;
  fields(dialog: D, env: AppEnv): FieldSpec<V>[];
  /** saves the values; resolves to what the status line says */
  save(dialog: D, env: AppEnv): Promise<string>;
  /** live results under the fields: the next runs, a what-if preview */
  Below?: (props: { dialog: D; env: AppEnv }) => ReactNode;
}

/** A yes or no field: what it says, or why it says neither. */
export function yesNo(label: string, value: string): boolean {
  if (/^(y|yes)$/i.test(value.trim())) return true;
  if (/^(n|no)$/i.test(value.trim())) return false;
  throw new UserError(`${label} "${value}" is not allowed: answer yes or no`);
}

/** The keys of a text field, in forms and in the type-to-confirm dialog. */
export interface TextControl {
  edit(operation: TextOperation): void;
}

export const TEXT_KEYS: Binding<TextControl>[] = [
  { keys: ['Backspace'], description: 'delete the character before the cursor', handler: (c) => c.edit('backspace') },
  { keys: ['Left'], description: 'cursor left', handler: (c) => c.edit('left') },
  { keys: ['Right'], description: 'cursor right', handler: (c) => c.edit('right') },
  { keys: ['Home', 'Ctrl-a'], description: 'cursor to the start', handler: (c) => c.edit('home') },
  { keys: ['End', 'Ctrl-e'], description: 'cursor to the end', handler: (c) => c.edit('end') },
  { keys: ['Ctrl-u'], description: 'delete everything before the cursor', handler: (c) => c.edit('delete-line') },
  { keys: ['Ctrl-w'], description: 'delete the word before the cursor', handler: (c) => c.edit('delete-word') },
];

interface FormControl extends TextControl {
  move(step: 1 | -1): void;
  submit(): void;
  cancel(): void;
}

export const FORM_KEYS: Binding<FormControl>[] = [
  { keys: ['Down', 'Tab'], label: 'field', footerKeys: '↑/↓/Tab', description: 'next field', handler: (c) => c.move(1) },
  { keys: ['Up', 'Shift-Tab'], description: 'previous field', handler: (c) => c.move(-1) },
  { keys: ['Enter'], label: 'save', description: 'save (every field is checked first)', handler: (c) => c.submit() },
  { keys: ['Esc'], label: 'cancel', description: 'cancel: nothing is saved', handler: (c) => c.cancel() },
];

function fieldError<V>(field: FieldSpec<V>, values: V): string | undefined {
  try {
    field.validate?.(values[field.key] as string, values);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

/** The keys and view of a form dialog. */
export function formDialog<D extends { form: FormState<V> }, V extends Record<keyof V, string>>(spec: FormSpec<D, V>): DialogSpec<D> {
  const control = (context: DialogContext<D>): FormControl => {
    const fields = () => spec.fields(context.dialog, context.env);
    const change = (update: (form: FormState<V>) => FormState<V>) => context.update((dialog) => ({ ...dialog, form: update(dialog.form) }));
    return {
      edit: (operation) =>
        change((form) => {
          const key = fields()[form.focus]!.key;
          const edited = editText({ value: form.values[key], cursor: form.cursor ?? form.values[key].length }, operation);
          return {
            ...form,
            values: { ...form.values, [key]: edited.value },
            cursor: edited.cursor,
            errors: { ...form.errors, [key]: undefined },
          };
        }),
      move: (step) =>
        change((form) => {
          const all = fields();
          const left = all[form.focus]!;
          const focus = (form.focus + step + all.length) % all.length;
          return {
            ...form,
            focus,
            cursor: undefined,
            errors: { ...form.errors, [left.key]: fieldError(left, form.values) },
          };
        }),
      submit: () => {
        const { values } = context.dialog.form;
        const errors = Object.fromEntries(fields().map((field) => [field.key, fieldError(field, values)])) as FormState<V>['errors'];
        change((form) => ({ ...form, errors }));
        if (Object.values(errors).some((error) => error !== undefined)) return;
        spec
          .save(context.dialog, context.env)
          .then((text) => {
            context.close();
            context.env.say({ kind: 'info', text });
            context.env.refresh();
          })
          .catch((failure: unknown) => change((form) => ({ ...form, error: errorText(failure) })));
      },
      cancel: () => context.close(),
    };
  };
  return {
    keys: via([...FORM_KEYS, ...TEXT_KEYS], control),
    text: { label: 'text', insert: (context, text) => control(context).edit({ insert: text }) },
    view: (context, width) => {
      const { form } = context.dialog;
      const fields = spec.fields(context.dialog, context.env);
      const labelWidth = Math.max(...fields.map((field) => field.label.length)) + 2;
      const Below = spec.Below;
      return (
        <Frame title={spec.title(context.dialog)} width={width}>
          {fields.map((field, index) => {
            const focused = index === form.focus;
            const error = form.errors[field.key];
            return (
              <Box key={field.key} flexDirection="column">
                <Box>
                  <Text bold={focused}>{`${focused ? '›' : ' '} ${field.label}`.padEnd(labelWidth + 2)}</Text>
                  {focused ? (
                    <TextField value={form.values[field.key]} cursor={form.cursor ?? form.values[field.key].length} />
                  ) : (
                    <Text wrap="truncate">{form.values[field.key]}</Text>
                  )}
                </Box>
                {error ? (
                  <Text color={tone('bad')} wrap="wrap">
                    {'    '}
                    {error}
                  </Text>
                ) : focused && field.hint ? (
                  <Text color={tone('muted')} wrap="truncate">
                    {'    '}
                    {field.hint}
                  </Text>
                ) : null}
              </Box>
            );
          })}
          {Below ? <Below dialog={context.dialog} env={context.env} /> : null}
          {form.error ? (
            <Text color={tone('bad')} wrap="wrap">
              {form.error}
            </Text>
          ) : null}
          <KeyLegend keys={footerEntries({ commands: bind(FORM_KEYS, control(context)) })} />
        </Frame>
      );
    },
  };
}
