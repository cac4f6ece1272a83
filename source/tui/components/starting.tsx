/**
 * The TUI's first frame, drawn before the catalogue is open: the screen is pobsync's at once,
 * and the hosts fill it a moment later. It imports nothing but Ink, so it draws before the
 * catalogue's and the panes' modules have even loaded.
 */
import { Box, Text, useInput } from 'ink';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { tone } from '../theme.js';

export function Starting(props: { catalogue: string; onQuit: () => void; size?: { columns: number; rows: number } }) {
  const { columns, rows } = useTerminalSize(props.size);
  useInput((input, key) => {
    if (input.includes('q') || (key.ctrl && input === 'c')) props.onQuit();
  });
  return (
    <Box flexDirection="column" width={columns} height={Math.max(1, rows - 1)}>
      <Text bold color={tone('accent')}>
        pobsync
      </Text>
      <Text color={tone('muted')} wrap="truncate">
        opening the catalogue {props.catalogue}…
      </Text>
      <Box flexGrow={1} borderStyle="single" width={Math.max(22, Math.min(32, Math.floor(columns / 4)))}>
        <Text bold wrap="truncate">
          Hosts <Text color={tone('muted')}>loading…</Text>
        </Text>
      </Box>
      <Text color={tone('muted')}>q quit</Text>
    </Box>
  );
}
