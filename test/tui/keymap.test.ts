/**
 * The README's key table is what the panes and dialogs dispatch with: `npm run docs:keys` writes
 * it, and this fails when someone changes a binding (or the README) without running it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyTable, withKeyTable } from '../../source/tui/keymap.js';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe('key table', () => {
  it('in the README is the one the key declarations make (npm run docs:keys writes it)', () => {
    expect(readme).toContain(keyTable());
    expect(withKeyTable(readme)).toBe(readme);
  });
});
