/** A log in screen rows: wrapping, cutting with markers, and moving a row at a time between line 1 and the end. */
import { describe, expect, it } from 'vitest';
import { endPosition, lineRows, moveRows, rowCounter, screenRows } from '../../source/tui/log-rows.js';

const layout = { width: 10, wrap: true, left: 0 };
const lines = ['one', 'a'.repeat(25), 'three', 'b'.repeat(10)];
const lineAt = (line: number) => lines[line];
const rows = rowCounter(lineAt, layout);

describe('log rows', () => {
  it('wraps a line to the width, cuts it with markers when not wrapping, and shows control characters escaped', () => {
    expect(lineRows('a'.repeat(25), layout)).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
    expect(lineRows('', layout)).toEqual(['']);
    const cut = { ...layout, wrap: false };
    expect(lineRows('0123456789abc', cut)).toEqual(['012345678›']);
    expect(lineRows('0123456789abc', { ...cut, left: 5 })).toEqual(['‹56789abc']);
    expect(lineRows('0123456789', cut)).toEqual(['0123456789']);
    expect(lineRows('red \u001B[31mtext', { ...cut, width: 40 })).toEqual(['red \\033[31mtext']);
    expect(lineRows('a\tb', { ...cut, width: 40 })).toEqual(['a       b']);
  });

  it('ends with the last line whole on the bottom row, and moves a row at a time between the top and that end', () => {
    // 1 + 3 + 1 + 1 rows: four rows from the end start in the second row of the long line.
    const end = endPosition(lines.length, 4, rows);
    expect(end).toEqual({ line: 1, row: 1 });
    expect(screenRows(end, 4, lines.length, lineAt, layout).map((row) => row.text)).toEqual([
      'a'.repeat(10),
      'a'.repeat(5),
      'three',
      'b'.repeat(10),
    ]);
    expect(moveRows({ line: 0, row: 0 }, 1, rows, end)).toEqual({ line: 1, row: 0 });
    expect(moveRows({ line: 1, row: 0 }, 1, rows, end)).toEqual({ line: 1, row: 1 });
    expect(moveRows({ line: 1, row: 1 }, 5, rows, end)).toEqual(end);
    expect(moveRows(end, -2, rows, end)).toEqual({ line: 0, row: 0 });
    // Up onto a wrapped line: its last row (a view one row tall ends on the last line).
    expect(moveRows({ line: 2, row: 0 }, -1, rows, endPosition(lines.length, 1, rows))).toEqual({ line: 1, row: 2 });
    expect(moveRows({ line: 1, row: 1 }, -10, rows, end)).toEqual({ line: 0, row: 0 });
    // A log shorter than the view: its end is its top.
    expect(endPosition(2, 10, rows)).toEqual({ line: 0, row: 0 });
  });
});
