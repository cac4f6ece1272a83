/** Reading stretches of a long run log through its index, and searching it, on a real file. */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findInLog, indexLog, LOG_INDEX_STEP, readLogLines } from '../../source/engine/run-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A log of `count` lines `line N`, the last one without a line end when `open`. */
function log(count: number, open = false): string {
  const path = join(dir, 'run.log');
  const lines = Array.from({ length: count }, (_, index) => `line ${index}`);
  writeFileSync(path, lines.join('\n') + (open ? '' : '\n'));
  return path;
}

describe('an indexed run log', () => {
  it('counts its lines, a last one without a line end too, and reads any stretch of it', async () => {
    const count = 3 * LOG_INDEX_STEP + 17;
    const path = log(count, true);
    const index = await indexLog(path);
    expect(index.lines).toBe(count);
    expect(index.marks).toHaveLength(4);
    expect(await readLogLines(path, index, 0, 2)).toEqual(['line 0', 'line 1']);
    expect(await readLogLines(path, index, LOG_INDEX_STEP - 1, 3)).toEqual([`line 999`, 'line 1000', 'line 1001']);
    expect(await readLogLines(path, index, count - 2, 10)).toEqual([`line ${count - 2}`, `line ${count - 1}`]);
    expect(await readLogLines(path, index, count, 5)).toEqual([]);
  });

  it('reads a line rsync rewrote with carriage returns as its last state', async () => {
    const path = join(dir, 'run.log');
    writeFileSync(path, 'start\n  10%\r  55%\r 100%\r\nend\n');
    const index = await indexLog(path);
    expect(await readLogLines(path, index, 0, 3)).toEqual(['start', ' 100%', 'end']);
  });

  it('finds the next or previous line holding a text, in either case, going round the ends', async () => {
    const path = log(2 * LOG_INDEX_STEP);
    const index = await indexLog(path);
    expect(await findInLog(path, index, 'LINE 1500', 0)).toBe(1500);
    expect(await findInLog(path, index, 'line 7', 1900)).toBe(7);
    expect(await findInLog(path, index, 'line 150', 1000, true)).toBe(150);
    expect(await findInLog(path, index, 'line 1999', 10, true)).toBe(1999);
    expect(await findInLog(path, index, 'nowhere', 0)).toBeUndefined();
  });

  it('indexes a growing log from where it was indexed before, a last line still being written too', async () => {
    const path = log(LOG_INDEX_STEP - 1, true);
    const before = await indexLog(path);
    expect(before).toMatchObject({ lines: LOG_INDEX_STEP - 1, open: true });
    appendFileSync(path, ' more\nline 999\nline 1000\nline 1001');
    const grown = await indexLog(path, before);
    expect(grown).toEqual(await indexLog(path));
    expect(grown).toMatchObject({ lines: LOG_INDEX_STEP + 2, open: true });
    expect(await readLogLines(path, grown, LOG_INDEX_STEP - 2, 4)).toEqual(['line 998 more', 'line 999', 'line 1000', 'line 1001']);
    appendFileSync(path, '\n');
    expect(await indexLog(path, grown)).toEqual({ ...(await indexLog(path)), open: false });
  });
});
