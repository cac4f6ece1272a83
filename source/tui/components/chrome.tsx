/** The frame around the panes: header, status line, footer. */
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { formatTime } from '../../domain/format.js';
import type { Overview } from '../backend.js';
import type { Message } from '../messages.js';
import { type Tone, tone } from '../theme.js';
import { fit } from './table.js';

export function Header({ overview, width, now }: { overview: Overview | undefined; width: number; now: Date }) {
  const status = overview?.status;
  const lease = status?.scheduler;
  const scheduler = overview?.schedulerHere
    ? `scheduler: running here (pid ${process.pid})`
    : lease?.live
      ? `scheduler: ${lease.role} pid ${lease.pid} on ${lease.node}`
      : 'scheduler: stopped';
  const totals = status?.totals;
  const counts = totals
    ? `▶ ${totals.running} running  … ${totals.queued} queued  ✗ ${totals.failedLastRun} failed  ~ ${totals.stale} stale`
    : '';
  // Several servers on the catalogue: each one's state, a down one in capitals.
  const servers =
    (status?.servers?.length ?? 0) > 1
      ? `servers ${status!.servers.map((server) => `${server.name} ${server.state === 'up' ? 'up' : 'DOWN'}`).join(', ')} · `
      : '';
  return (
    <Box flexDirection="column" width={width}>
      <Box width={width}>
        <Text bold color={tone('accent')}>
          pobsync
        </Text>
        <Text wrap="truncate">
          {'  '}
          {counts}
        </Text>
        <Box flexGrow={1} />
        <Clock from={now} />
      </Box>
      <Text color={tone('muted')} wrap="truncate">
        {scheduler} · {servers}root {status?.settings.backupRoot ?? '(not set: S sets it)'} · catalogue {status?.catalogue ?? ''}
      </Text>
    </Box>
  );
}

/**
 * The header's clock, to the minute and ticking on its own as a minute begins: it renders alone,
 * not the App (whose own clock ticks only as often as what it shows needs). Seconds would redraw
 * the whole screen every second for nothing else: most of what an idle TUI cost.
 */
function Clock({ from }: { from: Date }) {
  const [now, setNow] = useState(from);
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      timer = setTimeout(
        () => {
          setNow(new Date());
          tick();
        },
        60_000 - (Date.now() % 60_000),
      );
    };
    tick();
    return () => clearTimeout(timer);
  }, []);
  return <Text>{formatTime(now > from ? now : from).slice(11, 16)}</Text>;
}

/** What the status line (or a form) says about a failure. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const KIND_TONES: Record<Message['kind'], Tone> = { info: 'good', warn: 'warn', error: 'bad', busy: 'busy' };
const PREFIXES: Record<Message['kind'], string> = { info: '', warn: 'warning: ', error: 'error: ', busy: '… ' };
const CUT_HINT = '  ! reads it all';

/** One line: the message, or as much of it as fits and how to read the rest. */
export function StatusLine({ message, width }: { message: Message | undefined; width: number }) {
  if (!message) return <Text> </Text>;
  const line = `${PREFIXES[message.kind]}${message.text}`.replace(/\s+/g, ' ');
  const shown = [...line].length > width ? fit(line, width - CUT_HINT.length) + CUT_HINT : line;
  return (
    <Box width={width}>
      <Text color={tone(KIND_TONES[message.kind])} wrap="truncate">
        {shown}
      </Text>
    </Box>
  );
}

/** `[keys, what]` pairs on one line, as the footer and the dialogs show them. */
export function KeyLegend({ keys }: { keys: readonly [string, string][] }) {
  return (
    <Text wrap="truncate">
      {keys.map(([key, what], index) => (
        <Text key={key}>
          {index > 0 ? '  ' : ''}
          <Text bold>{key}</Text> <Text color={tone('muted')}>{what}</Text>
        </Text>
      ))}
    </Text>
  );
}

/** Keys the footer always shows, at its end: how to learn the others and how to leave. */
const PINNED = new Set(['?', 'q']);

/**
 * The entries that fit in `width`, in order: `?` help and `q` quit always, the others from the
 * first on while there is room (the pane's own keys come first, so they stay longest).
 */
export function fitFooter(keys: readonly [string, string][], width: number): [string, string][] {
  const size = ([key, what]: [string, string]) => [...key].length + 1 + [...what].length + 2;
  const pinned = keys.filter(([key]) => PINNED.has(key));
  let room = width + 2 - pinned.reduce((sum, entry) => sum + size(entry), 0);
  const others: [string, string][] = [];
  for (const entry of keys) {
    if (PINNED.has(entry[0])) continue;
    if (size(entry) > room) break;
    others.push(entry);
    room -= size(entry);
  }
  return [...others, ...pinned];
}

/** The keys that work where the focus is. */
export function Footer({ keys, width }: { keys: readonly [string, string][]; width: number }) {
  return (
    <Box width={width}>
      <KeyLegend keys={fitFooter(keys, width)} />
    </Box>
  );
}

/** Below this the panes do not fit; the TUI says so instead of drawing them broken. */
export const MIN_SIZE = { columns: 80, rows: 24 };

export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold color={tone('warn')} wrap="wrap">
        terminal too small: {columns}x{rows}
      </Text>
      <Text wrap="wrap">
        pobsync needs at least {MIN_SIZE.columns}x{MIN_SIZE.rows}; make the window larger. q quits.
      </Text>
    </Box>
  );
}
