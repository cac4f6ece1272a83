/**
 * Keybindings are data, as in lazygit: each says its keys, a word for the footer, a sentence for
 * the help and the README, what it does and when it applies. A pane declares them once, against
 * its own context type; `bind` ties them to a live context, and the one dispatcher, the footer
 * and the `?` help all read the same list, so what a key does and what the screen says it does
 * cannot drift apart.
 *
 * A new key: one more Binding in its pane's `..._KEYS` (or GLOBAL_KEYS), then `npm run docs:keys`.
 */
import { type Keypress, showKey } from './keypress.js';

export interface Binding<C> {
  /** key names, as `Keypress.name` gives them: 'j', 'Down', 'Enter', 'Shift-Tab', 'Ctrl-c' */
  keys: readonly string[];
  /** the footer's word for it; without one it shows only in the help */
  label?: string | ((context: C) => string);
  /** how the footer writes the keys when one entry stands for several bindings: 'j/k', '1-4' */
  footerKeys?: string;
  /** what it does, for the `?` help and the README's key table */
  description: string;
  handler: (context: C, press: Keypress) => void;
  /** it applies only while this holds; otherwise the key goes on to the next binding */
  when?: (context: C) => boolean;
}

/** A group of bindings under a title, as the help and the README show them. */
export interface KeySection<C> {
  title: string;
  bindings: readonly Binding<C>[];
}

export const bindingsOf = <C>(sections: readonly KeySection<C>[]): Binding<C>[] => sections.flatMap((section) => section.bindings);

/** The same bindings on a wider context: `part` finds in it the context they were written for. */
export function via<C, P>(bindings: readonly Binding<P>[], part: (context: C) => P): Binding<C>[] {
  return bindings.map(({ label, handler, when, ...rest }) => ({
    ...rest,
    ...(label === undefined ? {} : { label: typeof label === 'function' ? (context: C) => label(part(context)) : label }),
    ...(when ? { when: (context: C) => when(part(context)) } : {}),
    handler: (context, press) => handler(part(context), press),
  }));
}

/** A binding tied to its context: what the dispatcher runs and the footer lists. */
export interface Command {
  keys: readonly string[];
  description: string;
  label(): string | undefined;
  footerKeys: string;
  applies(): boolean;
  run(press: Keypress): void;
}

/** Where the keys go: the commands of the focused pane (and the global ones), or of a dialog. */
export interface Layer {
  commands: readonly Command[];
  /** a text field has the keyboard: typed characters (and pasted text, whole) go here */
  text?: { label: string; insert(text: string): void };
}

/**
 * Ties bindings to a context. Handlers run long after the render that bound them (several keys
 * can arrive in one read), so a context reads its state when asked, never from a copy.
 */
export function bind<C>(bindings: readonly Binding<C>[], context: C, when: () => boolean = () => true): Command[] {
  return bindings.map((binding) => ({
    keys: binding.keys,
    description: binding.description,
    label: () => (typeof binding.label === 'function' ? binding.label(context) : binding.label),
    footerKeys: binding.footerKeys ?? binding.keys.map(showKey).join('/'),
    applies: () => when() && (binding.when?.(context) ?? true),
    run: (press) => binding.handler(context, press),
  }));
}

/**
 * Runs every key of one read, in order, each against the layer that holds the keyboard at that
 * moment (a key may open a dialog or start the filter that takes the next one). Typed characters
 * in a row go to a text field as one string, so a paste lands whole.
 */
export function dispatch(presses: readonly Keypress[], route: () => Layer): void {
  let index = 0;
  while (index < presses.length) {
    const layer = route();
    if (layer.text && presses[index]!.text) {
      let text = '';
      while (index < presses.length && presses[index]!.text) text += presses[index++]!.text;
      layer.text.insert(text);
      continue;
    }
    const press = presses[index++]!;
    layer.commands.find((command) => command.keys.includes(press.name) && command.applies())?.run(press);
  }
}

/** The footer's `[keys, word]` pairs: what applies now and has a word. */
export function footerEntries(layer: Layer): [string, string][] {
  const entries: [string, string][] = layer.text ? [['type', layer.text.label]] : [];
  for (const command of layer.commands) {
    const label = command.label();
    if (label && command.applies()) entries.push([command.footerKeys, label]);
  }
  return entries;
}
