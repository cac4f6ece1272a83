// Writes the TUI's key table into README.md, between its markers, from the bindings the panes
// and dialogs dispatch with (test/tui/keymap.test.ts fails when the README's table is stale).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withKeyTable } from '../source/tui/keymap.js';

const readme = join(dirname(fileURLToPath(import.meta.url)), '../README.md');
const before = readFileSync(readme, 'utf8');
const after = withKeyTable(before);
if (after !== before) writeFileSync(readme, after);
console.log(after === before ? 'README.md: the key table is up to date' : 'README.md: key table written');
