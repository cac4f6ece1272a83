import { Box, Text } from 'ink';
import { type Tone, tone } from '../theme.js';

export interface Column {
  title: string;
  /** a fixed width; the one column without one takes the rest */
  width?: number;
  align?: 'left' | 'right';
  /** dropped (last ones first) when the table is too narrow for every column */
  optional?: boolean;
  /** for the flexible column: the width below which optional columns make room for it */
  min?: number;
}

/** The columns that fit in `width`, and their widths; the flexible one gets at least `flexMin`. */
export function layoutColumns(columns: Column[], width: number, flexMin = 6): { shown: number[]; widths: number[] } {
  let shown = columns.map((_, index) => index);
  const needed = () => shown.reduce((sum, index) => sum + (columns[index]!.width ?? columns[index]!.min ?? flexMin) + 1, -1);
  while (needed() > width) {
    const drop = [...shown].reverse().find((index) => columns[index]!.optional);
    if (drop === undefined) break;
    shown = shown.filter((index) => index !== drop);
  }
  const fixed = shown.reduce((sum, index) => sum + (columns[index]!.width ?? 0) + 1, -1);
  const flexible = shown.filter((index) => columns[index]!.width === undefined).length;
  return {
    shown,
    widths: shown.map(
      (index) => columns[index]!.width ?? Math.max(flexMin, Math.floor((width - fixed - flexible) / Math.max(1, flexible))),
    ),
  };
}

export interface Row {
  cells: string[];
  /** colour of the whole row (a failed run, a removed snapshot) */
  tone?: Tone | undefined;
}

/** Pads or cuts `text` to exactly `width` columns. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return width > 1 ? `${chars.slice(0, width - 1).join('')}…` : chars.slice(0, width).join('');
  const pad = ' '.repeat(width - chars.length);
  return align === 'right' ? pad + text : text + pad;
}

/** The first row to show so that `selected` is inside a window of `visible` rows. */
export function windowStart(selected: number, total: number, visible: number): number {
  if (total <= visible) return 0;
  return Math.max(0, Math.min(selected - Math.floor(visible / 2), total - visible));
}

/**
 * A table that renders only the rows that fit: one <Text> per row, cells padded to their
 * columns, the selected row inverted (readable without colour).
 */
export function Table(props: {
  columns: Column[];
  rows: Row[];
  selected?: number;
  height: number;
  width: number;
  active?: boolean;
  empty?: string;
}) {
  const { columns, rows, height, width } = props;
  const { shown: shownColumns, widths } = layoutColumns(columns, width);
  const line = (cells: string[]) =>
    shownColumns.map((column, position) => fit(cells[column] ?? '', widths[position]!, columns[column]!.align)).join(' ');
  const visible = Math.max(0, height - 1);
  const selected = props.selected ?? -1;
  const start = windowStart(Math.max(0, selected), rows.length, visible);
  const shown = rows.slice(start, start + visible);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {line(columns.map((column) => column.title))}
      </Text>
      {rows.length === 0 && props.empty ? (
        <Text color={tone('muted')} wrap="truncate">
          {props.empty}
        </Text>
      ) : null}
      {shown.map((row, index) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are positions in the table; their cells may repeat
          key={start + index}
          wrap="truncate"
          inverse={start + index === selected && props.active !== false}
          bold={start + index === selected && props.active === false}
          color={row.tone ? tone(row.tone) : undefined}
        >
          {line(row.cells)}
        </Text>
      ))}
    </Box>
  );
}
