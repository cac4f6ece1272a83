/**
 * A log on screen, in screen rows: a long line wraps onto as many rows as it needs, or (not
 * wrapped) is cut at the edge with a marker and scrolled sideways. Scrolling moves a row at a
 * time from a place that is a line and a row in it, so a wrapped line never jumps and the last
 * line's last row ends at the bottom, not below it.
 */
import { escapeLines } from '../domain/format.js';
import type { Cursor } from './keys/cursor.js';

/** Where a view of a log starts: a line (0-based), and a row of it when it wraps. */
export interface RowPosition {
  line: number;
  row: number;
}

/** How lines are drawn: wrapped to `width`, or cut there after skipping `left` columns. */
export interface RowLayout {
  width: number;
  wrap: boolean;
  /** columns scrolled sideways (not wrapped) */
  left: number;
}

/** One screen row: a part of log line `line`. */
export interface ScreenRow {
  line: number;
  text: string;
  /** a row after the line's first (wrapped) */
  continued: boolean;
}

const TAB = 8;

/** Columns ←/→ scroll cut lines sideways. */
export const SIDEWAYS = 20;

/** A log line as a terminal may show it: control characters escaped, tabs as spaces to the next stop. */
export function displayLine(line: string): string {
  const safe = escapeLines(line).replaceAll('\n', '\\n');
  if (!safe.includes('\t')) return safe;
  let shown = '';
  for (const char of safe) shown += char === '\t' ? ' '.repeat(TAB - (shown.length % TAB)) : char;
  return shown;
}

/** The rows a line takes: at least one, `width` characters each when it wraps. */
export function lineRows(line: string, layout: RowLayout): string[] {
  const chars = [...displayLine(line)];
  if (!layout.wrap) {
    const left = layout.left > 0 ? Math.min(layout.left, Math.max(0, chars.length - 1)) : 0;
    const before = left > 0 ? '‹' : '';
    const rest = chars.slice(left);
    if (rest.length + before.length <= layout.width) return [before + rest.join('')];
    return [`${before}${rest.slice(0, layout.width - before.length - 1).join('')}›`];
  }
  const width = Math.max(1, layout.width);
  const rows: string[] = [];
  for (let at = 0; at < chars.length; at += width) rows.push(chars.slice(at, at + width).join(''));
  return rows.length > 0 ? rows : [''];
}

/** How many rows line `line` takes; a line not read yet counts one. */
export type RowCount = (line: number) => number;

export const rowCounter =
  (lineAt: (line: number) => string | undefined, layout: RowLayout): RowCount =>
  (line) => {
    if (!layout.wrap) return 1;
    const text = lineAt(line);
    return text === undefined ? 1 : lineRows(text, layout).length;
  };

const isBefore = (a: RowPosition, b: RowPosition) => a.line < b.line || (a.line === b.line && a.row < b.row);

/** The place that shows the last line's last row on the bottom row of `height`. */
export function endPosition(lines: number, height: number, rows: RowCount): RowPosition {
  let left = height;
  for (let line = lines - 1; line >= 0; line -= 1) {
    const count = rows(line);
    if (count >= left) return { line, row: count - left };
    left -= count;
  }
  return { line: 0, row: 0 };
}

/** `position` moved `delta` rows down (up when negative), kept between the top and `end`. */
export function moveRows(position: RowPosition, delta: number, rows: RowCount, end: RowPosition): RowPosition {
  let { line, row } = position;
  for (let step = 0; step < Math.abs(delta); step += 1) {
    if (delta > 0) {
      if (!isBefore({ line, row }, end)) break;
      if (row + 1 < rows(line)) row += 1;
      else {
        line += 1;
        row = 0;
      }
    } else if (row > 0) row -= 1;
    else if (line > 0) {
      line -= 1;
      row = rows(line) - 1;
    } else break;
  }
  const moved = { line, row: Math.min(row, Math.max(0, rows(line) - 1)) };
  return isBefore(end, moved) ? end : moved;
}

/** The rows from `position` on that fill `height`, of the lines `lineAt` has (an unread one shows empty). */
export function screenRows(
  position: RowPosition,
  height: number,
  lines: number,
  lineAt: (line: number) => string | undefined,
  layout: RowLayout,
): ScreenRow[] {
  const shown: ScreenRow[] = [];
  for (let line = position.line; line < lines && shown.length < height; line += 1) {
    const parts = lineRows(lineAt(line) ?? '', layout);
    for (let row = line === position.line ? position.row : 0; row < parts.length && shown.length < height; row += 1) {
      shown.push({ line, text: parts[row]!, continued: row > 0 });
    }
  }
  return shown;
}

/** A cursor over a log's screen rows: j/k a row, PgUp/PgDn a page of rows, g line 1, G the end. */
export interface RowCursor extends Cursor {
  /** where the view starts now */
  place(): RowPosition;
  /** where it starts at the end */
  end(): RowPosition;
}

/**
 * The cursor of a log view whose lines may take several rows. Its positions are lines (for the
 * header and a search), its steps rows. `top` undefined is the end (following a live log);
 * moving down onto the end goes back to it.
 */
export function rowCursor(view: {
  lines: number;
  lineAt: (line: number) => string | undefined;
  height: number;
  layout: RowLayout;
  /** read when a key asks (several keys of one read move on from each other) */
  top: () => RowPosition | undefined;
  setTop: (top: RowPosition | undefined) => void;
  endLabel: string;
}): RowCursor {
  const rows = rowCounter(view.lineAt, view.layout);
  const end = () => endPosition(view.lines, view.height, rows);
  const place = () => view.top() ?? end();
  return {
    label: 'scroll',
    endLabel: view.endLabel,
    count: () => Math.max(1, view.lines),
    position: () => place().line,
    page: () => Math.max(1, view.height - 1),
    moveTo: (index) => {
      const last = end();
      const at = { line: Math.max(0, Math.min(index, view.lines - 1)), row: 0 };
      view.setTop(index >= view.lines - 1 ? undefined : isBefore(at, last) ? at : last);
    },
    by: (delta) => {
      const last = end();
      const moved = moveRows(place(), delta, rows, last);
      view.setTop(delta > 0 && !isBefore(moved, last) ? undefined : moved);
    },
    place,
    end,
  };
}
