import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

/** The double-lined box every dialog is drawn in. */
export function Frame({ title, width, children }: { title: string; width: number; children: ReactNode }) {
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} width={width}>
      <Text bold>{title}</Text>
      {children}
    </Box>
  );
}
