/**
 * A snapshot's content manifest (`manifest.b2`, beside meta.json): one line per regular file
 * and symlink of `data/` and `dumps/`, in the order a depth-first walk with sorted names meets
 * them, so a manifest can be compared with a tree, or with another manifest, in one pass.
 *
 *   pobsync-manifest<TAB>1<TAB>blake2b-512
 *   f<TAB>HASH<TAB>SIZE<TAB>MTIME<TAB>INODE<TAB>PATH
 *   l<TAB>-<TAB>SIZE<TAB>MTIME<TAB>INODE<TAB>PATH<TAB>TARGET
 *   end<TAB>FILES<TAB>BYTES<TAB>HASH OF EVERY LINE ABOVE
 *
 * HASH is BLAKE2b-512 in hex, what `b2sum` prints; MTIME is milliseconds since 1970 (with a
 * fraction); PATH is relative to the snapshot (`data/etc/hosts`). Paths and targets are bytes:
 * a backslash is written `\\`, and control characters, and bytes that are not UTF-8 text, as
 * `\xHH`, so a line never breaks and a terminal never reads a name as a command.
 *
 * Inside pobsync a path is a "byte string": a JS string with one character (0-255) per byte,
 * as Buffer's latin1 encoding makes it. Byte strings compare in byte order and stay exact for
 * names that are not UTF-8.
 */

export const MANIFEST_HEADER = 'pobsync-manifest\t1\tblake2b-512';

export type ManifestEntry =
  | { type: 'file'; key: string; size: number; mtime: number; ino: number; hash: string }
  | { type: 'link'; key: string; size: number; mtime: number; ino: number; target: string };

export interface ManifestTotals {
  /** regular files */
  files: number;
  /** their bytes */
  bytes: number;
}

const HEX_HASH = /^[0-9a-f]{128}$/;

/**
 * Depth-first order with names sorted by bytes: the walk meets `a/x` before `a-b`, although
 * `-` sorts before `/`. A `/` counts as smaller than any byte.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return (x === 47 ? -1 : x) - (y === 47 ? -1 : y);
  }
  return a.length - b.length;
}

const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A byte string as the manifest (and a terminal) shows it. */
export function escapePath(bytes: string): string {
  if (PLAIN.test(bytes)) return bytes;
  let out = '';
  let index = 0;
  while (index < bytes.length) {
    const code = bytes.charCodeAt(index);
    if (code < 0x80) {
      out += code === 0x5c ? '\\\\' : code < 0x20 || code === 0x7f ? hexEscape(code) : bytes[index];
      index += 1;
      continue;
    }
    // A run of high bytes stays as text when it is UTF-8 without C1 controls.
    let end = index;
    while (end < bytes.length && bytes.charCodeAt(end) >= 0x80) end += 1;
    const run = bytes.slice(index, end);
    const text = decodeUtf8(run);
    out += text !== undefined && !/[\u0080-\u009f]/.test(text) ? text : [...run].map((char) => hexEscape(char.charCodeAt(0))).join('');
    index = end;
  }
  return out;
}

/** The byte string an escaped path stands for; undefined when it is not a valid escape. */
export function unescapePath(text: string): string | undefined {
  if (PLAIN.test(text)) return text;
  let out = '';
  for (let index = 0; index < text.length; ) {
    const char = text[index]!;
    if (char === '\\') {
      if (text[index + 1] === '\\') {
        out += '\\';
        index += 2;
      } else if (text[index + 1] === 'x' && /^[0-9a-f]{2}$/.test(text.slice(index + 2, index + 4))) {
        out += String.fromCharCode(Number.parseInt(text.slice(index + 2, index + 4), 16));
        index += 4;
      } else {
        return undefined;
      }
    } else {
      const code = text.codePointAt(index)!;
      if (code < 0x20 || code === 0x7f) return undefined;
      const whole = String.fromCodePoint(code);
      out += code < 0x80 ? char : Buffer.from(whole, 'utf8').toString('latin1');
      index += whole.length;
    }
  }
  return out;
}

function hexEscape(code: number): string {
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

function decodeUtf8(bytes: string): string | undefined {
  try {
    return UTF8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return undefined;
  }
}

/** A byte string as UTF-8 text, for messages and tar headers; undefined when it is not UTF-8. */
export function byteStringToText(bytes: string): string | undefined {
  return PLAIN.test(bytes) ? bytes : decodeUtf8(bytes);
}

/** The byte string of a (UTF-8) text path. */
export function textToByteString(text: string): string {
  return PLAIN.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

export function formatEntry(entry: ManifestEntry): string {
  const common = `${entry.size}\t${entry.mtime}\t${entry.ino}\t${escapePath(entry.key)}`;
  return entry.type === 'file' ? `f\t${entry.hash}\t${common}\n` : `l\t-\t${common}\t${escapePath(entry.target)}\n`;
}

export function formatTrailer(totals: ManifestTotals, hash: string): string {
  return `end\t${totals.files}\t${totals.bytes}\t${hash}\n`;
}

export type ParsedLine =
  | { kind: 'header' }
  | { kind: 'entry'; entry: ManifestEntry }
  | { kind: 'end'; totals: ManifestTotals; hash: string }
  | { kind: 'bad' };

/** One line of a manifest, without its newline. */
export function parseLine(line: string): ParsedLine {
  if (line === MANIFEST_HEADER) return { kind: 'header' };
  const fields = line.split('\t');
  const [type, hash, size, mtime, ino, path, target] = fields;
  if (type === 'end' && fields.length === 4) {
    const totals = { files: Number(hash), bytes: Number(size) };
    if (!Number.isSafeInteger(totals.files) || !Number.isSafeInteger(totals.bytes) || !HEX_HASH.test(mtime ?? '')) return { kind: 'bad' };
    return { kind: 'end', totals, hash: mtime! };
  }
  const numbers = [Number(size), Number(mtime), Number(ino)] as const;
  if (size === '' || mtime === '' || ino === '' || numbers.some((value) => !Number.isFinite(value))) return { kind: 'bad' };
  const key = path === undefined ? undefined : unescapePath(path);
  if (key === undefined || key === '') return { kind: 'bad' };
  // The hash's characters are the trailer's to vouch for; a line only needs its shape.
  if (type === 'f' && fields.length === 6 && hash?.length === 128) {
    return { kind: 'entry', entry: { type: 'file', key, size: numbers[0], mtime: numbers[1], ino: numbers[2], hash: hash! } };
  }
  const linkTarget = target === undefined ? undefined : unescapePath(target);
  if (type === 'l' && fields.length === 7 && hash === '-' && linkTarget !== undefined) {
    return { kind: 'entry', entry: { type: 'link', key, size: numbers[0], mtime: numbers[1], ino: numbers[2], target: linkTarget } };
  }
  return { kind: 'bad' };
}
