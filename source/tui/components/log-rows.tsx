/** Rows of a run log on screen: pobsync's own lines in the accent tone, every match of a search marked. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { ScreenRow } from '../log-rows.js';
import { tone } from '../theme.js';

export function LogRows({
  rows,
  height,
  lineAt,
  search,
}: {
  rows: readonly ScreenRow[];
  height: number;
  /** the whole line a row is part of: a row of a pobsync note is drawn as one */
  lineAt: (line: number) => string | undefined;
  search: string | undefined;
}) {
  return (
    <Box flexDirection="column" height={height}>
      {rows.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a log row is its place on screen; the same text may appear twice
        <Text key={index} wrap="truncate" color={lineAt(row.line)?.startsWith('[pobsync') ? tone('accent') : undefined}>
          <Marked line={row.text} text={search} />
        </Text>
      ))}
    </Box>
  );
}

/** A log line with every occurrence of the search text (in any case) drawn inverse. */
export function Marked({ line, text }: { line: string; text: string | undefined }) {
  if (!text) return line;
  const lower = line.toLowerCase();
  const needle = text.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length)) {
    parts.push(
      line.slice(from, at),
      <Text key={at} inverse>
        {line.slice(at, at + needle.length)}
      </Text>,
    );
    from = at + needle.length;
  }
  parts.push(line.slice(from));
  return <>{parts}</>;
}
