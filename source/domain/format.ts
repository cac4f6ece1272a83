/** Numbers and times as admins read them in listings. */

/** (1, 'host') -> "1 host", (3, 'host') -> "3 hosts". */
export function formatCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 75 -> "1m15s", 3 * 86400 -> "3d0h": the two largest units, enough to tell ages apart. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
}

/** The largest unit only, for narrow columns: 45s, 12m, 3h, 5d, 9w. */
export function formatShortDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 86400 * 14) return `${Math.floor(s / 86400)}d`;
  return `${Math.floor(s / (86400 * 7))}w`;
}

export function formatAge(from: Date | null | undefined, now: Date): string {
  if (!from) return '-';
  return `${formatDuration((now.getTime() - from.getTime()) / 1000)} ago`;
}

/** UTC, to the second, without the "T" and milliseconds: `2026-11-23 02:15:00Z`. */
export function formatTime(time: Date | null | undefined): string {
  if (!time) return '-';
  return time
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** A plain text table: columns padded to their widest cell, no trailing spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A time as a zone's wall clock sees it, with the offset: `Tue 2026-11-24 02:15:00 +01:00`. */
export function formatInZone(time: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(time)
      .map((part) => [part.type, part.value]),
  );
  return (
    `${parts['weekday']} ${parts['year']}-${parts['month']}-${parts['day']} ` +
    `${parts['hour']}:${parts['minute']}:${parts['second']} ${(parts['timeZoneName'] ?? '').replace(/^GMT$/, 'GMT+00:00').slice(3)}`
  );
}

/** What lstat says an entry is, as `ls -l`'s first letter names it. */
const TYPE_LETTERS = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  fifo: 'p',
  socket: 's',
  'char-device': 'c',
  'block-device': 'b',
  other: '?',
} as const;
export type EntryType = keyof typeof TYPE_LETTERS;

export function entryType(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'char-device';
  return stats.isBlockDevice() ? 'block-device' : 'other';
}

/** `ls -l` style: `drwxr-xr-x`, with setuid, setgid and sticky bits. */
export function formatMode(type: EntryType, mode: number): string {
  const letter = TYPE_LETTERS[type];
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((flag, index) => (mode & (0o400 >> index) ? flag : '-'));
  const special = (index: number, bit: number, set: string) => {
    bits[index] = mode & bit ? (bits[index] === 'x' ? set : set.toUpperCase()) : bits[index]!;
  };
  special(2, 0o4000, 's');
  special(5, 0o2000, 's');
  special(8, 0o1000, 't');
  return letter + bits.join('');
}

/**
 * A name from a host as a terminal may show it, like `ls -b`: control characters (a newline that
 * would fake a row, an escape sequence that would drive the terminal) and Unicode's invisible
 * direction marks become visible escapes; a backslash is doubled so the result reads back
 * unambiguously. `--json` output keeps names raw.
 */
export function escapeName(name: string): string {
  return name.replace(UNSAFE, escapeChar);
}

/** Text of many lines (a run log) for a terminal: the same escapes, but line ends stay line ends. */
export function escapeLines(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE_BUT_LINES, escapeChar);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
const UNSAFE_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x1b': '\\033' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  return code < 0x100 ? `\\${code.toString(8).padStart(3, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Array items stringified at a time, and the text held before it is handed on. */
const JSON_BATCH_ITEMS = 1000;
const JSON_BATCH_TEXT = 1 << 20;

/**
 * `JSON.stringify(value)`, the same text, handed to `write` in pieces of about a megabyte: a
 * listing of 100,000 snapshots never becomes one string of its whole size (a copy to make, and
 * to collect). Objects and arrays are walked; an array's items are stringified a thousand at a time.
 */
export function writeCompactJson(value: unknown, write: (text: string) => void): void {
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (size > 0) write(pending.join(''));
    pending = [];
    size = 0;
  };
  const put = (text: string) => {
    // A slice of a long array is a piece of its own: joining it to the rest would copy it once more.
    if (text.length >= JSON_BATCH_TEXT / 8) {
      flush();
      write(text);
      return;
    }
    pending.push(text);
    size += text.length;
    if (size >= JSON_BATCH_TEXT) flush();
  };
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || typeof (node as { toJSON?: unknown }).toJSON === 'function') {
      put(JSON.stringify(node) ?? 'null');
      return;
    }
    if (Array.isArray(node)) {
      // Items a slice at a time: one call and one string per slice, not per item.
      put('[');
      for (let start = 0; start < node.length; start += JSON_BATCH_ITEMS) {
        const slice = JSON.stringify(node.slice(start, start + JSON_BATCH_ITEMS));
        put((start > 0 ? ',' : '') + slice.slice(1, -1));
      }
      put(']');
      return;
    }
    put('{');
    let first = true;
    for (const [key, item] of Object.entries(node)) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      put(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      walk(item);
    }
    put('}');
  };
  walk(value);
  flush();
}
