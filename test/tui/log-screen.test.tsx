/**
 * The full-screen log (L in the Runs tab): any line of any log, followed while it runs, wrapped
 * or cut, searched; then back to the Runs tab as it was. Real log files through a real backend.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type App, openApp } from '../../source/services/app.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost } from '../../source/services/hosts/hosts.js';
import type { RunView } from '../../source/services/runs/runs.js';
import { configureGlobal } from '../../source/services/settings.js';
import { App as TuiApp } from '../../source/tui/app.js';
import { type Backend, createBackend } from '../../source/tui/backend.js';
import { useRuns } from '../../source/tui/panes/runs.js';
import { press, renderView } from '../helpers/ink.js';
import { PaneHarness, paneEnv, run, testEnv } from './harness.js';

const ENTER = '\r';
const PGDN = '\u001B[6~';
const RIGHT = '\u001B[C';

let dir: string;
let app: App;
let backend: Backend;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-screen-'));
  app = await openApp(join(dir, 'home'));
  backend = createBackend(app, undefined);
  mkdirSync(join(dir, 'home/logs'), { recursive: true });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const numbered = (from: number, to: number, pad = '') =>
  `${Array.from({ length: to - from }, (_, index) => `line-${from + index} ${pad}`).join('\n')}\n`;

/** The runs pane on a terminal of 80x24 (the full-screen log gets 21 rows above the status line and footer). */
async function runsPane(runs: RunView[], say = vi.fn(), paneWidth = 56) {
  const env = { ...paneEnv(testEnv(backend, { say }), { width: paneWidth, height: 14 }), screen: { width: 80, height: 21 } };
  return renderView(<PaneHarness use={() => useRuns(env, runs)} />);
}

const rowsOf = (frame: string | undefined) => (frame ?? '').split('\n');
/** The Runs tab's box of an App frame (the hosts' ages and the header's clock tick beside it). */
const detail = (frame: string | undefined) =>
  rowsOf(frame)
    .filter((row) => row.includes('║'))
    .map((row) => row.slice(row.indexOf('║')))
    .join('\n');

describe('full-screen log', () => {
  it("reaches a finished log's first line, scrolls it a row and a page at a time, and q goes back to the Runs tab as it was", async () => {
    const logPath = join(dir, 'home/logs/8.log');
    writeFileSync(logPath, numbered(0, 20_000, 'x'.repeat(40)));
    const view = await runsPane([run(8, { logPath }), run(7)]);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-19999 '), { timeout: 10_000 });
    await press(view, 'j', 'k', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('of 20000)'), { timeout: 10_000 });
    await press(view, 'k');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/log of run #8 succeeded \(lines 19990-19999 of 20000\)/), { timeout: 10_000 });
    await vi.waitFor(() => expect(rowsOf(view.lastFrame()).at(-1)).toMatch(/^line-19998 x+$/), { timeout: 10_000 });
    const pane = view.lastFrame();

    await press(view, 'L');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame()).at(-1)).toMatch(/^line-19999 x+$/), { timeout: 10_000 });
    expect(rowsOf(view.lastFrame())[0]).toMatch(/^web1 {2}run #8 succeeded {2}line 19981 of 20000 {2}end/);
    expect(rowsOf(view.lastFrame())).toHaveLength(21);
    await press(view, 'g');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toMatch(/^line-0 x+$/), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('line 1 of 20000');
    await press(view, 'j');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 2 of 20000'));
    await press(view, PGDN);
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toMatch(/^line-20 x+$/));
    expect(view.lastFrame()).toContain('line 21 of 20000');

    await press(view, 'q');
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('line 21 of 20000'));
    expect(view.lastFrame()).toBe(pane);
    await press(view, 'L');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 21 of 20000'));
  });

  it("follows a running run's log as it grows, freezes with f, and g reaches line 1 the tail has dropped", async () => {
    const logPath = join(dir, 'home/logs/9.log');
    writeFileSync(logPath, numbered(0, 5000));
    const view = await runsPane([run(9, { status: 'running', logPath, finishedAt: null })], vi.fn(), 100);
    // In the tab, the tail's first line is not the log's: the header says where the rest is.
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-4999'), { timeout: 10_000 });
    await press(view, ENTER, 'g');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('earlier lines: pobsync log 9, or L'), { timeout: 10_000 });
    await press(view, 'L');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 4981 of 5000  following'), { timeout: 10_000 });
    appendFileSync(logPath, numbered(5000, 5100));
    await vi.waitFor(() => expect(rowsOf(view.lastFrame()).at(-1)).toBe('line-5099'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('of 5100  following');

    await press(view, 'f');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 5081 of 5100  frozen'));
    appendFileSync(logPath, numbered(5100, 5200));
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 5081 of 5200  frozen'), { timeout: 10_000 });
    expect(rowsOf(view.lastFrame()).at(-1)).toBe('line-5099');

    await press(view, 'g');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe('line-0'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('line 1 of 5200  frozen');
    await press(view, 'G');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame()).at(-1)).toBe('line-5199'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('following');
  });

  it('wraps long lines, scrolls them a screen row at a time, ends with the last row at the bottom; w cuts them, → scrolls', async () => {
    const logPath = join(dir, 'home/logs/10.log');
    const long = `long-0 ${'a'.repeat(80)}${'b'.repeat(80)}${'c'.repeat(10)}`;
    const lines = [long, ...Array.from({ length: 28 }, (_, index) => `line-${index + 1}`), `long-29 ${'d'.repeat(100)}`];
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    const view = await runsPane([run(10, { logPath })]);
    await press(view, 'L');
    // The end: the last line whole on the last rows (2 rows), above it lines 28 back to 11.
    await vi.waitFor(() => expect(rowsOf(view.lastFrame()).slice(-2)).toEqual([`long-29 ${'d'.repeat(72)}`, 'd'.repeat(28)]), {
      timeout: 10_000,
    });
    expect(view.lastFrame()).toContain('of 30  end  wrapped');
    let frame = rowsOf(view.lastFrame());
    expect(frame).toHaveLength(21);
    expect(frame[1]).toBe('line-11');

    await press(view, 'g');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe(`long-0 ${'a'.repeat(73)}`));
    frame = rowsOf(view.lastFrame());
    expect(frame.slice(2, 4)).toEqual([`${'a'.repeat(7)}${'b'.repeat(73)}`, `${'b'.repeat(7)}${'c'.repeat(10)}`]);
    // One row at a time through the wrapped line: no jump to the next line.
    await press(view, 'j');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe(`${'a'.repeat(7)}${'b'.repeat(73)}`));
    expect(view.lastFrame()).toContain('line 1 of 30');
    // Two rows in one read.
    await press(view, 'jj');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe('line-1'));
    expect(view.lastFrame()).toContain('line 2 of 30');
    await press(view, 'k');
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe(`${'b'.repeat(7)}${'c'.repeat(10)}`));

    await press(view, 'g', 'w');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('cut (←/→)'));
    frame = rowsOf(view.lastFrame());
    expect(frame[1]).toBe(`long-0 ${'a'.repeat(72)}›`);
    expect(frame[2]).toBe('line-1');
    await press(view, RIGHT);
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe(`‹${'a'.repeat(67)}${'b'.repeat(11)}›`));
  });

  it('/ searches the whole log from the view on, n and N the next and previous match, going round', async () => {
    const logPath = join(dir, 'home/logs/8.log');
    const lines = Array.from({ length: 20_000 }, (_, index) => `line-${index}`);
    lines[120] = 'line-120 deleting needle/a';
    lines[15_000] = 'line-15000 sending NEEDLE/b';
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    const say = vi.fn();
    const view = await runsPane([run(8, { logPath })], say);
    await press(view, 'L');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('of 20000'), { timeout: 10_000 });
    await press(view, '/', 'needle');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/needle▏'));
    await press(view, ENTER);
    await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toBe('line-120 deleting needle/a'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('line 121 of 20000');
    expect(say).toHaveBeenCalledWith({ kind: 'info', text: 'search went round the log of run #8' });
    await press(view, 'n');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 15001 of 20000'), { timeout: 10_000 });
    await press(view, 'N');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line 121 of 20000'), { timeout: 10_000 });
    // q is typed into the search, Esc ends it, and q then goes back.
    await press(view, '/', 'q');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/q▏'));
    await press(view, '\u001B');
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('/q'));
    await press(view, 'q');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #8'));
  });
});

describe('full-screen log in the App', () => {
  it("fills 80x24 and 200x50 with a backup run's log, reaches its line 1, and q goes back to the tab as it was", async () => {
    mkdirSync(join(dir, 'source'));
    writeFileSync(join(dir, 'source/a.txt'), 'a\n');
    await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
    await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
    const { run: backup } = await backupHost(app, 'web1');
    appendFileSync(backup.logPath!, numbered(0, 3000, 'y'.repeat(150)));
    for (const [columns, rows] of [
      [80, 24],
      [200, 50],
    ] as const) {
      const view = await renderView(<TuiApp backend={createBackend(app, undefined)} size={{ columns, rows }} />);
      await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'), { timeout: 15_000 });
      await press(view, 'l');
      await vi.waitFor(() => expect(view.lastFrame()).toContain('line-2999 y'), { timeout: 15_000 });
      const tab = detail(view.lastFrame());
      await press(view, 'L');
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(/^web1 {2}run #1 succeeded {2}line \d+ of \d+ {2}end {2}wrapped/), {
        timeout: 15_000,
      });
      // The last line of the log, whole, on the rows above the status line and the footer.
      await vi.waitFor(() => expect(rowsOf(view.lastFrame()).at(-3)).toMatch(/y+$/), { timeout: 15_000 });
      const frame = rowsOf(view.lastFrame());
      expect(frame.length).toBe(rows - 1);
      expect(Math.max(...frame.map((line) => [...line].length))).toBeLessThanOrEqual(columns);
      expect(frame.at(-1)).toContain('Esc/q back');
      expect(frame.at(-1)).toContain('? help');
      // q goes back here: the footer must not offer it as quit.
      expect(frame.at(-1)).not.toContain('quit');
      await press(view, 'g');
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(/line 1 of \d+/), { timeout: 15_000 });
      await vi.waitFor(() => expect(rowsOf(view.lastFrame())[1]).toMatch(/^\[pobsync .*\] run #1/), { timeout: 15_000 });
      await press(view, 'q');
      await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (1)'));
      expect(detail(view.lastFrame())).toBe(tab);
      view.unmount();
    }
  });
});

describe('run log in the Runs tab', () => {
  /** The runs pane 56 columns wide: the log's rows are those below its header line. */
  async function pane(runs: RunView[]) {
    const env = paneEnv(testEnv(backend), { width: 56, height: 14 });
    return renderView(<PaneHarness use={() => useRuns(env, runs)} />);
  }
  const logRows = (frame: string | undefined) => {
    const rows = rowsOf(frame);
    return rows.slice(rows.findIndex((row) => row.includes('log of run #')) + 1);
  };

  it('cuts long lines with a marker and scrolls them sideways; w wraps them, the last one whole at the bottom, k a row up', async () => {
    const logPath = join(dir, 'home/logs/7.log');
    const lines = Array.from({ length: 30 }, (_, index) => `line-${index}`);
    lines.push(`long-30 ${'a'.repeat(48)}${'b'.repeat(56)}${'c'.repeat(20)}`);
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    const view = await pane([run(7, { status: 'running', logPath, finishedAt: null })]);
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe(`long-30 ${'a'.repeat(47)}›`), { timeout: 10_000 });
    await press(view, ENTER, RIGHT);
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe(`‹${'a'.repeat(36)}${'b'.repeat(18)}›`));

    await press(view, 'w');
    // 11 rows: the long line's 3, lines 22 to 29 above them.
    await vi.waitFor(() =>
      expect(logRows(view.lastFrame()).slice(-3)).toEqual([`long-30 ${'a'.repeat(48)}`, 'b'.repeat(56), 'c'.repeat(20)]),
    );
    const rows = logRows(view.lastFrame());
    expect(rows[0]).toBe(`line-${31 - rows.length + 2}`);
    expect(view.lastFrame()).toContain('(following)');
    // Two rows up in one read: the long line's last two rows go below the view, line 20 comes in at the top.
    await press(view, 'kk');
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe(`long-30 ${'a'.repeat(48)}`));
    expect(logRows(view.lastFrame())[0]).toBe(`line-${31 - rows.length}`);
    await press(view, 'j');
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe('b'.repeat(56)));
    expect(view.lastFrame()).toContain('log of run #7 running (stopped)');
    await press(view, 'j');
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe('c'.repeat(20)));
    expect(view.lastFrame()).toContain('(following)');
  });

  it('wraps a finished log read from its file, and scrolls it a row at a time from line 1', async () => {
    const logPath = join(dir, 'home/logs/8.log');
    writeFileSync(logPath, numbered(0, 20_000, 'x'.repeat(60)));
    const view = await pane([run(8, { logPath })]);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-19999 '), { timeout: 10_000 });
    await press(view, ENTER, 'w', 'g');
    await vi.waitFor(() => expect(logRows(view.lastFrame())[0]).toBe(`line-0 ${'x'.repeat(49)}`), { timeout: 10_000 });
    expect(logRows(view.lastFrame())[1]).toBe('x'.repeat(11));
    expect(view.lastFrame()).toMatch(/\(lines 1-\d+ of 20000\)/);
    await press(view, 'j');
    await vi.waitFor(() => expect(logRows(view.lastFrame())[0]).toBe('x'.repeat(11)));
    await press(view, 'G');
    await vi.waitFor(() => expect(logRows(view.lastFrame()).at(-1)).toBe('x'.repeat(15)), { timeout: 10_000 });
    expect(logRows(view.lastFrame()).at(-2)).toBe(`line-19999 ${'x'.repeat(45)}`);
  });
});
