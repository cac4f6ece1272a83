import { Text } from 'ink';

/** A text being edited and where its cursor is. */
export interface TextEdit {
  value: string;
  cursor: number;
}

export type TextOperation = { insert: string } | 'backspace' | 'left' | 'right' | 'home' | 'end' | 'delete-line' | 'delete-word';

/**
 * One edit of a text field: text goes in at the cursor, Backspace takes the character before it;
 * as in a shell, Ctrl-U deletes everything before the cursor and Ctrl-W the word before it.
 */
export function editText({ value, cursor }: TextEdit, operation: TextOperation): TextEdit {
  const at = Math.max(0, Math.min(value.length, cursor));
  if (operation === 'left') return { value, cursor: Math.max(0, at - 1) };
  if (operation === 'right') return { value, cursor: Math.min(value.length, at + 1) };
  if (operation === 'home') return { value, cursor: 0 };
  if (operation === 'end') return { value, cursor: value.length };
  if (operation === 'delete-line') return { value: value.slice(at), cursor: 0 };
  if (operation === 'delete-word') {
    const start = value.slice(0, at).search(/\S*\s*$/);
    return { value: value.slice(0, start) + value.slice(at), cursor: start };
  }
  if (operation === 'backspace')
    return at === 0 ? { value, cursor: at } : { value: value.slice(0, at - 1) + value.slice(at), cursor: at - 1 };
  return { value: value.slice(0, at) + operation.insert + value.slice(at), cursor: at + operation.insert.length };
}

/** The value with its cursor as an inverted cell (the character under it, or a space at the end). */
export function TextField({ value, cursor }: TextEdit) {
  const at = Math.max(0, Math.min(value.length, cursor));
  return (
    <Text>
      {value.slice(0, at)}
      <Text inverse>{value[at] ?? ' '}</Text>
      {value.slice(at + 1)}
    </Text>
  );
}
