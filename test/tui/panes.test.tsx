/**
 * The panes and dialogs of the TUI, rendered with fixture state into ink-testing-library's
 * fake terminal; keys are sent as a user types them. Where a pane reads files (the run log), it
 * reads a real one through a real backend on a temp catalogue.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RetentionScope } from '../../source/domain/retention.js';
import { validateRsyncArgs } from '../../source/domain/rsync-options.js';
import { resolveCron } from '../../source/domain/schedule.js';
import { validateDumps } from '../../source/domain/validation.js';
import { type App, openApp } from '../../source/services/app.js';
import { configureHost, getHost } from '../../source/services/hosts/hosts.js';
import type { HostStatus } from '../../source/services/monitoring/status.js';
import type { ServerView } from '../../source/services/servers.js';
import type { RetentionView } from '../../source/services/snapshots/retention.js';
import { type Backend, createBackend, type Overview } from '../../source/tui/backend.js';
import { Header } from '../../source/tui/components/chrome.js';
import { hostForm } from '../../source/tui/dialogs/host-form.js';
import { scheduleForm } from '../../source/tui/dialogs/schedule-form.js';
import { useLive } from '../../source/tui/hooks/use-live.js';
import { type HostsPane, HostsView, useHostsPane } from '../../source/tui/panes/hosts.js';
import { useRetention } from '../../source/tui/panes/retention.js';
import { useRuns } from '../../source/tui/panes/runs.js';
import { press, renderView } from '../helpers/ink.js';
import { DialogHarness, PaneHarness, paneEnv, run, testEnv } from './harness.js';

const ESC = '\u001B';
const ENTER = '\r';
const DOWN = '\u001B[B';
const UP = '\u001B[A';
const PGDN = '\u001B[6~';
const BACKSPACE = '\u007F';
const CTRL_A = '\u0001';
const CTRL_E = '\u0005';
const CTRL_U = '\u0015';
const CTRL_W = '\u0017';
const HOME = '\u001B[H';
const END = '\u001B[F';
/** A frame as one line of words: box borders and line wraps do not split a message. */
const flat = (frame: string | undefined) => (frame ?? '').replace(/[║│╔╗╚╝═]/g, ' ').replace(/\s+/g, ' ');

let dir: string;
let app: App;
let backend: Backend;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-'));
  app = await openApp(join(dir, 'home'));
  backend = createBackend(app, undefined);
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function hostStatus(host: string, overrides: Partial<HostStatus>): HostStatus {
  return { host, address: 'local', enabled: true, lastRun: null, lastSnapshot: null, snapshotCount: 0, nextRun: null, ...overrides };
}

describe('hosts pane', () => {
  it('marks every state with a symbol that reads without colour', () => {
    const at = '2026-11-23T02:00:00.000Z';
    const hosts = [
      hostStatus('ok1', {
        lastRun: { id: 1, kind: 'scheduled', status: 'succeeded', at, error: null },
        lastSnapshot: { name: 'x', status: 'complete', at, ageSeconds: 7200 },
      }),
      hostStatus('part1', {
        lastRun: { id: 2, kind: 'scheduled', status: 'partial', at, error: null },
        lastSnapshot: { name: 'x', status: 'partial', at, ageSeconds: 60 },
      }),
      hostStatus('fail1', { lastRun: { id: 3, kind: 'scheduled', status: 'failed', at, error: 'boom' } }),
      hostStatus('run1', { lastRun: { id: 4, kind: 'manual', status: 'running', at, error: null } }),
      hostStatus('new1', {}),
      hostStatus('off1', { enabled: false }),
      hostStatus('old1', {
        lastRun: { id: 5, kind: 'scheduled', status: 'succeeded', at, error: null },
        lastSnapshot: { name: 'x', status: 'complete', at, ageSeconds: 9 * 86_400 },
        health: { state: 'warning', stale: true, reasons: ['stale'], maxAgeSeconds: 2 * 86_400, maxAgeSource: 'schedule', monitored: true },
      }),
      // A replica host: disabled for backups, kept by a replicate schedule, its newest replica too old.
      hostStatus('copy1', {
        enabled: false,
        lastRun: { id: 6, kind: 'replicate', status: 'succeeded', at, error: null },
        lastSnapshot: { name: 'x', status: 'complete', at, ageSeconds: 5 * 86_400 },
        health: { state: 'warning', stale: true, reasons: ['stale'], maxAgeSeconds: 2 * 86_400, maxAgeSource: 'schedule', monitored: true },
      }),
    ];
    const { lastFrame } = render(
      <HostsView hosts={hosts} selected={0} active filter={undefined} width={30} height={14} now={new Date('2026-11-23T04:00:00Z')} />,
    );
    const frame = lastFrame()!;
    expect(frame).toMatch(/✓ ok1\s+2h/);
    expect(frame).toMatch(/! part1\s+1m/);
    expect(frame).toMatch(/✗ fail1/);
    expect(frame).toMatch(/▶ run1/);
    expect(frame).toMatch(/· new1/);
    expect(frame).toMatch(/- off1/);
    expect(frame).toMatch(/~ old1\s+9d/);
    expect(frame).toMatch(/~ copy1\s+5d/);
  });
});

describe('several servers', () => {
  it("shows each host's server in the hosts pane, in NEXT's place at 80 columns, and every server's state in the header", () => {
    const hosts = [hostStatus('web1', { server: 'alpha' }), hostStatus('db1', { server: 'beta' })];
    const now = new Date('2026-11-23T04:00:00Z');
    const narrow = render(<HostsView hosts={hosts} selected={0} active filter={undefined} width={22} height={8} now={now} showServer />);
    expect(narrow.lastFrame()).toMatch(/HOST\s+AGE\s+SERVER/);
    expect(narrow.lastFrame()).toMatch(/web1\s+-\s+alpha/);
    expect(narrow.lastFrame()).toMatch(/db1\s+-\s+beta/);
    expect(narrow.lastFrame()).not.toContain('NEXT');
    const wide = render(<HostsView hosts={hosts} selected={0} active filter={undefined} width={32} height={8} now={now} showServer />);
    expect(wide.lastFrame()).toMatch(/AGE\s+NEXT\s+SERVER/);
    const single = render(<HostsView hosts={hosts} selected={0} active filter={undefined} width={22} height={8} now={now} />);
    expect(single.lastFrame()).not.toContain('SERVER');

    const server = (name: string, state: 'up' | 'down') => ({ name, state, self: name === 'alpha' }) as ServerView;
    const overview = {
      status: {
        scheduler: null,
        settings: { backupRoot: '/srv/backups' },
        catalogue: '/var/lib/pobsync/pobsync.sqlite',
        servers: [server('alpha', 'up'), server('beta', 'down')],
      },
    } as unknown as Overview;
    const header = render(<Header overview={overview} width={80} now={now} />);
    expect(header.lastFrame()).toContain('scheduler: stopped · servers alpha up, beta DOWN · root /srv/backups');
    for (const line of header.lastFrame()!.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });
});

describe('hosts pane order', () => {
  it('o sorts by name, by the age of the newest snapshot (oldest first), by status (failed first), in the title', async () => {
    const at = '2026-11-23T02:00:00.000Z';
    const good = (ageSeconds: number) => ({
      lastRun: { id: 1, kind: 'scheduled' as const, status: 'succeeded' as const, at, error: null },
      lastSnapshot: { name: 'x', status: 'complete' as const, at, ageSeconds },
    });
    const hosts = [
      hostStatus('alpha', good(3600)),
      hostStatus('bravo', { ...good(7 * 86_400), lastRun: { id: 2, kind: 'scheduled', status: 'failed', at, error: 'boom' } }),
      hostStatus('charlie', good(2 * 86_400)),
      hostStatus('delta', good(60)),
    ];
    const box = { width: 30, height: 12, now: new Date('2026-11-23T04:00:00Z'), onOpen: () => {} };
    let pane: HostsPane | undefined;
    const view = await renderView(
      <PaneHarness
        use={() => {
          pane = useHostsPane(hosts, box);
          return pane;
        }}
      />,
    );
    const order = () => [...view.lastFrame()!.matchAll(/(alpha|bravo|charlie|delta)/g)].map((match) => match[1]);
    expect(view.lastFrame()).toContain('Hosts (4) by name');
    expect(order()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    await press(view, 'j', 'o');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (4) by age'));
    expect(order()).toEqual(['bravo', 'charlie', 'alpha', 'delta']);
    // The selected host stays selected as the rows move.
    expect(pane!.host()).toBe('bravo');
    await press(view, 'o');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (4) by status'));
    expect(order()[0]).toBe('bravo');
    expect(order().slice(1)).toEqual(['alpha', 'charlie', 'delta']);
    await press(view, 'o');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (4) by name'));
  });
});

describe('runs pane', () => {
  it("streams the selected run's log with a progress bar, scrolls with k and follows again with G", async () => {
    const logPath = join(dir, 'home/logs/7.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    const lines = Array.from({ length: 40 }, (_, index) => `>f+++++++++ data/file-${index}`);
    writeFileSync(logPath, `${lines.join('\n')}\n     1,048,576  42%   10.00MB/s    0:00:03 (xfr#40, to-chk=60/100)\n`);
    const runs = [run(7, { status: 'running', logPath, finishedAt: null }), run(6)];
    const env = paneEnv(testEnv(backend), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, runs)} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('data/file-39'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('42%');
    expect(view.lastFrame()).toContain('log of run #7 running (following)');

    await press(view, ENTER);
    for (let index = 1; index <= 5; index += 1) {
      await press(view, 'k');
      expect(view.lastFrame()).toContain(index === 1 ? '(1 line back)' : `(${index} lines back)`);
    }
    expect(view.lastFrame()).not.toContain('data/file-39');
    await press(view, 'G');
    expect(view.lastFrame()).toContain('(following)');
    expect(view.lastFrame()).toContain('data/file-39');
  });

  it('says it is loading until the runs are in, not that there are none', async () => {
    const env = paneEnv(testEnv(backend), { width: 90, height: 12 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, undefined)} />);
    expect(view.lastFrame()).toContain('loading');
    expect(view.lastFrame()).not.toContain('no runs yet');
    view.rerender(<PaneHarness use={() => useRuns(env, [])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('no runs yet'));
  });

  it('asks before cancelling the selected run, and only when it is running or queued', async () => {
    const app = testEnv(backend);
    const runs = [run(9, { status: 'succeeded' }), run(8, { status: 'queued', startedAt: null })];
    const view = await renderView(<PaneHarness use={() => useRuns(paneEnv(app, { width: 90, height: 12 }), runs)} />);
    await press(view, 'c');
    expect(app.open).not.toHaveBeenCalled();
    await press(view, DOWN, 'c');
    expect(app.open).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'confirm', answer: { do: 'cancel-run', run: expect.objectContaining({ id: 8 }) } }),
    );
  });

  it('takes every key of one read: "jjj" moves three rows, "kk" two back', async () => {
    const runs = [10, 9, 8, 7, 6].map((id) => run(id));
    const view = await renderView(<PaneHarness use={() => useRuns(paneEnv(testEnv(backend), { width: 90, height: 20 }), runs)} />);
    expect(view.lastFrame()).toContain('log of run #10');
    await press(view, 'jjj');
    expect(view.lastFrame()).toContain('log of run #7');
    await press(view, 'kk');
    expect(view.lastFrame()).toContain('log of run #9');
    await press(view, 'G');
    expect(view.lastFrame()).toContain('log of run #6');
  });
  it('i shows the selected run whole: its error wrapped, its figures, where its log is', async () => {
    const error =
      'rsync exited 12 (error in rsync protocol data stream): ssh: connect to host web1.example.org port 22: Connection refused';
    const failed = run(9, {
      status: 'failed',
      error,
      logPath: '/var/lib/pobsync/logs/9.log',
      stats: {
        files: 1234,
        createdFiles: 0,
        deletedFiles: 0,
        transferredFiles: 12,
        totalSize: 10_485_760,
        transferredSize: 2048,
        literalData: 2048,
        matchedData: 0,
        bytesSent: 100,
        bytesReceived: 2148,
      },
    });
    const app = testEnv(backend);
    const view = await renderView(<PaneHarness use={() => useRuns(paneEnv(app, { width: 90, height: 12 }), [failed])} />);
    expect(view.lastFrame()).not.toContain('Connection refused');
    await press(view, 'i');
    expect(app.open).toHaveBeenCalledWith({ kind: 'run-detail', run: failed });

    const dialog = await renderView(<DialogHarness env={app} dialog={{ kind: 'run-detail', run: failed }} />);
    const frame = flat(dialog.lastFrame());
    expect(frame).toContain(`error: ${error}`);
    expect(frame).toContain('files 1234 files, 12 files transferred');
    expect(frame).toContain('bytes 10 MiB in all, 2.0 KiB transferred');
    expect(frame).toContain('pobsync log 9');
    await press(dialog, ESC);
    expect(dialog.lastFrame()).toContain('(closed)');
  });
});

describe('runs pane, watching a run', () => {
  it('stays on the watched run when it finishes, not on a newer skipped one', async () => {
    const env = paneEnv(testEnv(backend), { width: 90, height: 20 });
    const running = [run(12, { status: 'skipped' }), run(11, { status: 'running', finishedAt: null }), run(10)];
    const view = await renderView(<PaneHarness use={() => useRuns(env, running)} />);
    expect(view.lastFrame()).toContain('log of run #11 running');
    const finished = [run(12, { status: 'skipped' }), run(11, { status: 'failed', error: 'boom' }), run(10)];
    view.rerender(<PaneHarness use={() => useRuns(env, finished)} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #11 failed'));
    // The next run that starts is watched in its turn.
    const next = [run(13, { status: 'running', finishedAt: null }), ...finished];
    view.rerender(<PaneHarness use={() => useRuns(env, next)} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #13 running'));
  });
});

describe('run log', () => {
  const numbered = (from: number, to: number) => `${Array.from({ length: to - from }, (_, index) => `line-${from + index}`).join('\n')}\n`;

  it('f freezes the log where it is, however much arrives after', async () => {
    const logPath = join(dir, 'home/logs/7.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    writeFileSync(logPath, numbered(0, 3000));
    const env = paneEnv(testEnv(backend), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, [run(7, { status: 'running', logPath, finishedAt: null })])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-2999'), { timeout: 10_000 });
    const before = view
      .lastFrame()!
      .split('\n')
      .filter((line) => line.startsWith('line-'));
    await press(view, 'f');
    appendFileSync(logPath, numbered(3000, 6000));
    // The tail reads what arrives (the ring moves on), and the frozen view does not.
    await vi.waitFor(() => expect(view.lastFrame()).toContain('3000 new lines'), { timeout: 10_000 });
    expect(
      view
        .lastFrame()!
        .split('\n')
        .filter((line) => line.startsWith('line-')),
    ).toEqual(before);
    await press(view, 'f');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-5999'));
  });

  it("reaches a finished run's first line, read from the file, however long the log", async () => {
    const logPath = join(dir, 'home/logs/8.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    const padded = (from: number, to: number) =>
      `${Array.from({ length: to - from }, (_, index) => `line-${from + index} ${'x'.repeat(60)}`).join('\n')}\n`;
    writeFileSync(logPath, padded(0, 20_000));
    const env = paneEnv(testEnv(backend), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, [run(8, { logPath })])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-19999 '), { timeout: 10_000 });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('of 20000)'), { timeout: 10_000 });
    await press(view, 'g');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-0 '), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('(lines 1-');
    await press(view, PGDN);
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('line-0 '));
    await press(view, 'G');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-19999 '), { timeout: 10_000 });
  });

  it('/ searches a long finished log in its file: Enter from the view, n and N, round the end, no match said', async () => {
    const logPath = join(dir, 'home/logs/8.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    const lines = Array.from({ length: 20_000 }, (_, index) => `line-${index} ${'x'.repeat(60)}`);
    lines[120] = 'line-120 deleting needle/a';
    lines[15_000] = 'line-15000 sending NEEDLE/b';
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    const say = vi.fn();
    const env = paneEnv(testEnv(backend, { say }), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, [run(8, { logPath })])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-19999 '), { timeout: 10_000 });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('of 20000)'), { timeout: 10_000 });
    await press(view, '/', 'needle');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/needle▏'));
    // j types, it does not scroll, while the search text has the keyboard; Backspace takes it back.
    await press(view, 'j', BACKSPACE, ENTER);
    // From the end nothing follows: the search goes round to the first match.
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-120 deleting needle/a'), { timeout: 10_000 });
    expect(view.lastFrame()).toContain('/needle (n/N)');
    expect(say).toHaveBeenCalledWith({ kind: 'info', text: 'search went round the log of run #8' });
    await press(view, 'n');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-15000 sending NEEDLE/b'), { timeout: 10_000 });
    expect(view.lastFrame()).not.toContain('line-120 ');
    await press(view, 'N');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-120 deleting needle/a'), { timeout: 10_000 });
    await press(view, '/', 'nowhere', ENTER);
    await vi.waitFor(() => expect(say).toHaveBeenCalledWith({ kind: 'warn', text: 'no match for "nowhere" in the log of run #8' }), {
      timeout: 10_000,
    });
    expect(view.lastFrame()).toContain('line-120 deleting needle/a');
  });

  it('/ searches the log the view holds (a running one), from the view on', async () => {
    const logPath = join(dir, 'home/logs/7.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    const lines = Array.from({ length: 60 }, (_, index) => `>f+++++++++ data/file-${index}`);
    lines[3] = '>f+++++++++ data/secret-3';
    lines[30] = '>f+++++++++ data/secret-30';
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    const say = vi.fn();
    const env = paneEnv(testEnv(backend, { say }), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, [run(7, { status: 'running', logPath, finishedAt: null })])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('data/file-59'), { timeout: 10_000 });
    await press(view, ENTER, 'g', '/SECRET', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/log of run #7 running \(\d+ lines back\)/));
    expect(view.lastFrame()).toContain('data/secret-3');
    await press(view, 'n');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('data/secret-30'));
    expect(view.lastFrame()).not.toMatch(/data\/secret-3\s*$/m);
    // Out of the log and back, the search is still there for n.
    await press(view, ESC, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/SECRET (n/N)'));
  });

  it('says how to read the start of a running log the ring has dropped', async () => {
    const logPath = join(dir, 'home/logs/9.log');
    mkdirSync(join(dir, 'home/logs'), { recursive: true });
    writeFileSync(logPath, numbered(0, 5000));
    const env = paneEnv(testEnv(backend), { width: 90, height: 20 });
    const view = await renderView(<PaneHarness use={() => useRuns(env, [run(9, { status: 'running', logPath, finishedAt: null })])} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('line-4999'), { timeout: 10_000 });
    await press(view, ENTER, 'g');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('earlier lines: pobsync log 9'));
  });
});

describe('retention pane', () => {
  const plan: RetentionView = {
    host: 'web1',
    policy: {
      keepWithin: null,
      keepLast: 0,
      keepHourly: 0,
      keepDaily: 2,
      keepWeekly: 0,
      keepMonthly: 0,
      keepYearly: 0,
      scope: 'scheduled',
    },
    policySource: 'host',
    timeZone: 'UTC',
    now: '2026-11-23T12:00:00.000Z',
    entries: [
      {
        name: '2026-11-23T021500Z',
        kind: 'scheduled',
        status: 'complete',
        startedAt: '2026-11-23T02:15:00.000Z',
        protected: false,
        action: 'keep',
        reasons: ['daily #1', 'latest'],
      },
      {
        name: '2026-11-22T021500Z',
        kind: 'scheduled',
        status: 'complete',
        startedAt: '2026-11-22T02:15:00.000Z',
        protected: false,
        action: 'keep',
        reasons: ['daily #2'],
      },
      {
        name: '2026-11-21T021500Z',
        kind: 'scheduled',
        status: 'complete',
        startedAt: '2026-11-21T02:15:00.000Z',
        protected: false,
        action: 'remove',
        reasons: [],
      },
      {
        name: '2026-11-20T090000Z',
        kind: 'manual',
        status: 'complete',
        startedAt: '2026-11-20T09:00:00.000Z',
        protected: false,
        action: 'keep',
        reasons: ['out of scope (manual)'],
      },
    ],
    kept: 3,
    removed: 1,
    bytesFreed: null,
  };

  it('shows every snapshot with KEEP or REMOVE and why, and switches the preview scope with s/m/a', async () => {
    const env = paneEnv(testEnv(backend), { width: 90, height: 12 });
    const view = await renderView(<PaneHarness use={() => useRetention(env, plan, useLive<RetentionScope | undefined>(undefined))} />);
    const frame = view.lastFrame()!;
    expect(frame).toMatch(/2026-11-23T021500Z\s+KEEP\s+daily #1, latest/);
    expect(frame).toMatch(/2026-11-21T021500Z\s+REMOVE/);
    expect(frame).toMatch(/out of scope \(manual\)/);
    expect(frame).toContain('kinds: [scheduled]');
    expect(frame).toContain('3 kept, 1 to remove');
    await press(view, 'm');
    expect(view.lastFrame()).toContain('[manual]');
    await press(view, 'a');
    expect(view.lastFrame()).toContain('[all]');
  });

  it('asks for the host name before applying, and deletes what the plan showed', async () => {
    const app = testEnv(backend);
    const view = await renderView(
      <PaneHarness
        use={() => useRetention(paneEnv(app, { width: 90, height: 12 }), plan, useLive<RetentionScope | undefined>(undefined))}
      />,
    );
    await press(view, 'x');
    expect(app.open).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'type-word',
        word: 'web1',
        answer: { do: 'apply-retention', host: 'web1', scope: undefined, remove: ['2026-11-21T021500Z'] },
      }),
    );
  });

  it('applies only after the host name is typed: a wrong name does nothing', async () => {
    const app = testEnv(backend);
    const view = await renderView(
      <DialogHarness
        env={app}
        dialog={{
          kind: 'type-word',
          word: 'web1',
          message: 'This deletes 1 snapshot of web1 from disk.',
          answer: { do: 'quit' },
          cancelled: 'nothing was deleted',
        }}
      />,
    );
    expect(view.lastFrame()).toContain('Type web1 to confirm, or press Escape to cancel');
    await press(view, 'web2', ENTER);
    expect(view.lastFrame()).toContain('"web2" is not web1: nothing was done');
    expect(app.exit).not.toHaveBeenCalled();
    await press(view, ESC);
    expect(view.lastFrame()).toContain('(closed)');
    expect(app.say).toHaveBeenCalledWith({ kind: 'info', text: 'nothing was deleted' });
    expect(app.exit).not.toHaveBeenCalled();
  });
});

describe('forms', () => {
  it('the host form refuses a bad address with the same message as the CLI', async () => {
    const view = await renderView(<DialogHarness env={testEnv(backend)} dialog={hostForm(undefined)} />);
    await press(view, 'web2', DOWN, '-oProxyCommand=x', DOWN);
    expect(flat(view.lastFrame())).toContain(
      'address "-oProxyCommand=x" is not allowed: use a hostname, an IPv4 or IPv6 address, or "local" for this server',
    );
    await press(view, ENTER);
    expect(view.lastFrame()).toContain('Add a host');
    await expect(backend.hostSettings('web2')).rejects.toThrow();
  });

  it('the host form edits rsync args, dumps and enabled, each checked as the CLI checks its flag', async () => {
    mkdirSync(join(dir, 'source'));
    await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
    const said = vi.fn();
    const env = testEnv(backend, { say: said, panes: () => ({ hosts: { select: () => undefined } }) as never });
    const view = await renderView(<DialogHarness env={env} dialog={hostForm(await getHost(app, 'web1'))} />);
    const cliError = (check: () => unknown) => {
      try {
        check();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the CLI took it');
    };
    // address, ssh user, ssh port, sources, excludes: then rsync args.
    await press(view, DOWN, DOWN, DOWN, DOWN, DOWN, '--delete-everything', DOWN);
    expect(flat(view.lastFrame())).toContain(cliError(() => validateRsyncArgs(['--delete-everything'])));
    await press(view, UP, CTRL_U, '--bwlimit=10m', DOWN, 'app.sql', DOWN);
    expect(flat(view.lastFrame())).toContain(cliError(() => validateDumps(['app.sql'])));
    await press(view, UP, CTRL_U, 'app.sql=echo "a;b" ;; hostname=cat /etc/hostname', DOWN, CTRL_U, 'maybe', ENTER);
    expect(flat(view.lastFrame())).toContain('enabled "maybe" is not allowed: answer yes or no');
    await press(view, CTRL_U, 'no', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('(closed)'), { timeout: 10_000 });
    expect(said).toHaveBeenCalledWith({ kind: 'info', text: 'saved host web1' });
    const saved = await getHost(app, 'web1');
    expect(saved.rsyncArgs).toEqual(['--bwlimit=10m']);
    expect(saved.dumps).toEqual([
      { name: 'app.sql', command: 'echo "a;b"' },
      { name: 'hostname', command: 'cat /etc/hostname' },
    ]);
    expect(saved.enabled).toBe(false);
    // Opened again, the form shows what was saved.
    const again = hostForm(saved).form.values;
    expect(again).toMatchObject({ rsyncArgs: '--bwlimit=10m', dumps: 'app.sql=echo "a;b" ;; hostname=cat /etc/hostname', enabled: 'no' });
  });

  it('takes pasted text whole into the field, and a tab in it moves on to the next field', async () => {
    const view = await renderView(<DialogHarness env={testEnv(backend)} dialog={hostForm(undefined)} />);
    await press(view, DOWN, 'local\t\t\t/srv/www /etc');
    const lines = view.lastFrame()!.split('\n');
    expect(lines.find((line) => line.includes('address'))).toMatch(/address\s+local\s*║/);
    expect(lines.find((line) => line.includes('sources'))).toMatch(/› sources\s+\/srv\/www \/etc\s*║/);
    // The frame stays whole: every line as wide as the first.
    expect(new Set(lines.map((line) => [...line].length)).size).toBe(1);
  });

  it('the schedule form says when the saved schedule runs next in local time, not in ISO', async () => {
    await configureHost(app, 'web1', { address: 'local', sources: [dir] });
    const env = testEnv(backend, { timeZone: 'Europe/Berlin' });
    const view = await renderView(<DialogHarness env={env} dialog={scheduleForm('web1', undefined)} />);
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('(closed)'));
    const said = vi.mocked(env.say).mock.calls[0]![0].text;
    expect(said).toMatch(/^saved schedule web1\/default: next run \w{3} \d{4}-\d\d-\d\d 02:15:00 [+-]\d\d:\d\d$/);
  });

  it('text fields take Ctrl-U, Ctrl-W, Home and End as a shell does', async () => {
    const view = await renderView(<DialogHarness env={testEnv(backend)} dialog={hostForm(undefined)} />);
    const nameLine = () =>
      view
        .lastFrame()!
        .split('\n')
        .find((line) => line.includes('› name'))!;
    await press(view, 'web1 two three', CTRL_W);
    expect(nameLine()).toMatch(/› name\s+web1 two /);
    await press(view, CTRL_W, CTRL_W);
    expect(nameLine()).toMatch(/› name\s+ {2}/);
    await press(view, 'web9', HOME, 'x', END, 'y');
    expect(nameLine()).toMatch(/› name\s+xweb9y/);
    await press(view, CTRL_A, 'a', CTRL_E, 'e');
    expect(nameLine()).toMatch(/› name\s+axweb9ye/);
    await press(view, CTRL_U);
    expect(nameLine()).not.toContain('web9');
  });

  it('the schedule form checks the cron expression as it is typed and shows the next runs', async () => {
    const env = testEnv(backend, { timeZone: 'Europe/Berlin', now: new Date('2026-11-23T12:00:00Z') });
    const view = await renderView(<DialogHarness env={env} dialog={scheduleForm('web1', undefined)} />);
    expect(view.lastFrame()).toContain('Tue 2026-11-24 02:15:00 +01:00');
    // The cursor is at the end of a field: ten backspaces, in one read, remove "15 2 * * *".
    await press(view, DOWN, BACKSPACE.repeat(10), '61 * * * *');
    expect(view.lastFrame()).toContain('cron expression "61 * * * *" is not allowed: minute "61" must be 0-59');
    const erase = Array.from({ length: 10 }, () => BACKSPACE);
    await press(view, ...erase, '0 */6 * * *');
    expect(view.lastFrame()).toContain('next runs:');
    expect(view.lastFrame()).toContain('Mon 2026-11-23 18:00:00 +01:00');
    await press(view, ...erase, BACKSPACE, 'H(9-1) 2 * * *');
    expect(view.lastFrame()).toContain('minute field "H(9-1)": the range must run from');
    await press(view, ...Array.from({ length: 14 }, () => BACKSPACE), 'H 2 * * *');
    const minute = resolveCron('H 2 * * *', 'web1').split(' ')[0]!;
    expect(view.lastFrame()).toContain(`H for web1: ${minute} 2 * * *`);
    expect(view.lastFrame()).toContain(`Tue 2026-11-24 02:${minute.padStart(2, '0')}:00 +01:00`);
  });
});
