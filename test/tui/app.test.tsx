/**
 * The whole App on a real catalogue (temp SQLite, a local host, a real backup), in the fake
 * terminal at 80x24: navigation, the retention scope switch re-planning, filter and help.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelQueuedRun, finishRun, insertQueuedRun, insertRunningRun } from '../../source/catalogue/runs.js';
import { serverName } from '../../source/engine/server-name.js';
import { openApp, openDirectReadApp, type App as PobsyncApp } from '../../source/services/app.js';
import { listArchives } from '../../source/services/archives/archives.js';
import { backupHost } from '../../source/services/backup/backup.js';
import { configureHost, findHost, listHosts } from '../../source/services/hosts/hosts.js';
import { serverKey } from '../../source/services/hosts/server-key.js';
import { status } from '../../source/services/monitoring/status.js';
import { queueReplicate } from '../../source/services/replicas/replicate.js';
import { listRuns } from '../../source/services/runs/runs.js';
import { configureSchedule, listSchedules } from '../../source/services/schedule/schedules.js';
import { configureGlobal } from '../../source/services/settings.js';
import { savePolicy } from '../../source/services/snapshots/retention.js';
import { listSnapshots } from '../../source/services/snapshots/snapshots.js';
import { App } from '../../source/tui/app.js';
import { createBackend, EventHub } from '../../source/tui/backend.js';
import { BACKSPACE, CTRL_U, DOWN, ENTER, ESC, flat, press, renderView, type View } from '../helpers/ink.js';

let dir: string;
let app: PobsyncApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pobsync-tui-app-'));
  app = await openApp(join(dir, 'home'));
  mkdirSync(join(dir, 'source'));
  writeFileSync(join(dir, 'source/a.txt'), 'a\n');
  await configureGlobal(app, { backupRoot: join(dir, 'backups'), timeZone: 'UTC' });
  await configureHost(app, 'web1', { address: 'local', sources: [join(dir, 'source')] });
  await configureHost(app, 'db1', { address: 'local', sources: [join(dir, 'source')] });
  await backupHost(app, 'web1');
  await savePolicy(app, 'web1', { keepLast: 1 });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TUI app', () => {
  it('fits 80x24, and the retention tab re-plans when the scope switches', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    const frame = view.lastFrame()!;
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(Math.max(...frame.split('\n').map((line) => [...line].length))).toBeLessThanOrEqual(80);

    await press(view, 'j'); // hosts are sorted: db1, web1
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/5 Archives\s+web1/), { timeout: 15_000 });
    await press(view, '3');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('out of scope (manual)'), { timeout: 15_000 });
    expect(view.lastFrame()).toContain('last 1; kinds: scheduled');
    await press(view, 'l', 'm');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('[manual]'), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/KEEP\s+last #1, latest/), { timeout: 15_000 });
    view.unmount();
  });

  it('filters hosts with /, and shows every key with ?', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, '/', 'w', 'e', 'b');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/web'));
    expect(view.lastFrame()).not.toContain('db1');
    await press(view, ESC);
    // db1 is back: the Esc was read on its own (press() lets Ink flush a lone Esc before the next
    // key, which would otherwise read as Alt+?).
    await vi.waitFor(() => expect(view.lastFrame()).toContain('db1'));
    await press(view, '?');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Keys (Esc or ? closes)'));
    // More keys than rows: the help scrolls, and its last page holds the keys that work everywhere.
    expect(view.lastFrame()).toMatch(/lines 1-\d+ of \d+: j\/k scroll/);
    await press(view, ...Array(8).fill('\u001B[6~'));
    await vi.waitFor(() => expect(view.lastFrame()).toContain('queue a backup of the host'));
    expect(view.lastFrame()).toContain('Keys (Esc or ? closes)');
    view.unmount();
  });

  it('keeps the selected host and the Runs log mode while help is open', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #1 succeeded (following)  Enter: into the log'), {
      timeout: 15_000,
    });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Esc runs'));
    expect(view.lastFrame()).not.toContain('Enter: into the log');

    await press(view, '?');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Keys (Esc or ? closes)'));
    expect(view.lastFrame()).toContain('Run log:');
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('Keys (Esc or ? closes)'));
    expect(view.lastFrame()).toMatch(/5 Archives\s+web1/);
    expect(view.lastFrame()).toContain('Esc runs');
    expect(view.lastFrame()).toContain('log of run #1 succeeded (following)');
    expect(view.lastFrame()).not.toContain('Enter: into the log');
  });

  it('keeps where the run log is scrolled to while help and the run details are open', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('log of run #1 succeeded (following)'), { timeout: 15_000 });
    // The log is read (its last line shows) before it is scrolled.
    await vi.waitFor(() => expect(view.lastFrame()).toContain('succeeded: snapshot'), { timeout: 15_000 });
    await press(view, ENTER, 'k', 'k');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('(2 lines back)'));
    // All but the header, whose clock ticks.
    const panes = () => view.lastFrame()!.split('\n').slice(1).join('\n');
    const scrolled = panes();
    for (const key of ['?', 'i']) {
      await press(view, key);
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(/closes\)/));
      await press(view, ESC);
      await vi.waitFor(() => expect(view.lastFrame()).not.toMatch(/closes\)/));
      expect(panes()).toBe(scrolled);
    }
    view.unmount();
  });

  it('takes a filter typed in the same read as the / that starts it', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, '/db');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('/db'));
    expect(view.lastFrame()).toContain('Hosts (1)');
    expect(view.lastFrame()).not.toContain('web1');
  });

  it('creates, verifies and deprecates an archive from the Archives tab', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '5', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('no archives yet: a creates one'), { timeout: 15_000 });
    await press(view, 'a');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Archive a snapshot of web1'));
    await press(view, DOWN, BACKSPACE.repeat('+dumps'.length), ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/archive #1 of \S+: 1 file/), { timeout: 30_000 });
    const [archive] = await listArchives(app, { host: 'web1' });
    expect(archive).toMatchObject({ optionSet: 'data', state: 'current' });
    expect(existsSync(archive!.path)).toBe(true);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/1\s+\S+\s+data\s+current/), { timeout: 15_000 });
    expect(view.lastFrame()).toContain(`b2sum ${archive!.blake2b.slice(0, 40)}`);

    await press(view, 'v');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('archive #1 ok: checksum matches, 1 file'), { timeout: 30_000 });

    await press(view, 'D');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('This cannot be undone'));
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/1\s+\S+\s+data\s+deprecated/), { timeout: 15_000 });
    expect((await listArchives(app, { host: 'web1' }))[0]!.state).toBe('deprecated');
    view.unmount();
  });

  it('renames a host, and removes one after its name is typed, keeping its snapshots', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '4', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/name\s+web1/), { timeout: 15_000 });
    await press(view, 'R');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Rename host web1'));
    await press(view, BACKSPACE, '2', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web1 is now web2'), { timeout: 15_000 });
    expect(readdirSync(join(dir, 'backups'))).toContain('web2');
    expect(readdirSync(join(dir, 'backups'))).not.toContain('web1');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/name\s+web2/), { timeout: 15_000 });

    await press(view, 'X');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('DELETE its 1 snapshot'));
    await press(view, 'web', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('"web" is not web2: nothing was done'));
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web2 was not removed'));

    await press(view, 'D');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('keeping its 1 snapshot'));
    await press(view, 'web2', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('host web2 is disabled, its schedules removed'), { timeout: 15_000 });
    const web2 = (await listHosts(app)).find((host) => host.name === 'web2');
    expect(web2?.enabled).toBe(false);
    view.unmount();
  });
});

describe('TUI status line', () => {
  const failure =
    'rsync exited 23 (some files could not be transferred): rsync: [sender] link_stat "/srv/www/missing" failed: ' +
    'No such file or directory (2); see pobsync log 5';

  it('announces a failed run as an error, and ! reads the whole message', async () => {
    const events = new EventHub();
    const view = await renderView(<App backend={createBackend(app, undefined, events)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await act(async () => {
      events.emit({ type: 'finished', runId: 5, host: 'web1', level: 'error', message: `run #5 web1 failed: ${failure}` });
    });
    await vi.waitFor(() => expect(view.lastFrame()).toContain('error: run #5 web1 failed: rsync exited 23'));
    expect(view.lastFrame()).toContain('! reads it all');
    expect(view.lastFrame()).not.toContain('see pobsync log 5');
    await press(view, '!');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`run #5 web1 failed: ${failure}`));
    await press(view, ESC);
    await vi.waitFor(() => expect(flat(view.lastFrame())).not.toContain('see pobsync log 5'));
    view.unmount();
  });
});

describe('TUI layout and focus', () => {
  const CTRL_C = '\u0003';
  const lines = (frame: string | undefined) => (frame ?? '').split('\n');

  it('at 80 columns the footer keeps ? help and q quit, on every tab', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    for (const keys of [[], ['l'], ['2'], ['3'], ['4'], ['1', ENTER]]) {
      await press(view, ...keys);
      const footer = lines(view.lastFrame()).at(-1)!;
      expect(footer).toContain('? help');
      expect(footer).toContain('q quit');
      expect([...footer].length).toBeLessThanOrEqual(80);
    }
    view.unmount();
  });

  it('the header counts what needs a look: running, queued, failed, stale', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    expect(lines(view.lastFrame())[0]).toMatch(/▶ 0 running {2}… 0 queued {2}✗ 0 failed {2}~ \d stale/);
    expect(lines(view.lastFrame())[1]).toContain('scheduler: stopped');
    view.unmount();
  });

  it('says the terminal is too small below 80x24', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 70, rows: 20 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('terminal too small'));
    expect(view.lastFrame()).toContain('70x20');
    expect(view.lastFrame()).toContain('80x24');
    expect(view.lastFrame()).not.toContain('Hosts (');
    view.unmount();
  });

  it('Esc goes back to the hosts, whose focus takes the tab keys', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', 'l');
    await vi.waitFor(() => expect(lines(view.lastFrame()).at(-1)).toContain('i details'));
    await press(view, ESC);
    await vi.waitFor(() => expect(lines(view.lastFrame()).at(-1)).toContain('Enter open'));
    await press(view, '2');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/SNAPSHOT\s+KIND/));
    expect(lines(view.lastFrame()).at(-1)).toContain('Enter open');
    view.unmount();
  });

  it('the host found by a filter stays selected when the filter is cleared', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/5 Archives\s+db1/), { timeout: 15_000 });
    await press(view, '/web', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/5 Archives\s+web1/));
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'));
    expect(view.lastFrame()).toMatch(/5 Archives\s+web1/);
    view.unmount();
  });

  it('Ctrl-C in a dialog does what it does outside: asks to quit while backups run here', async () => {
    const backend = createBackend(app, undefined);
    const busy = { ...backend, overview: async () => ({ ...(await backend.overview()), runningHere: [7] }) };
    const view = await renderView(<App backend={busy} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, '?');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Keys (Esc or ? closes)'));
    await press(view, CTRL_C);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('1 backup running in this process (#7)'));
    expect(view.lastFrame()).not.toContain('Keys (Esc or ? closes)');
    view.unmount();
  });

  it('the retention preview scope stays with its host', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '3');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('last 1; kinds: scheduled  (host policy)'), { timeout: 15_000 });
    await press(view, 'l', 'm');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('[manual]'));
    await vi.waitFor(() => expect(view.lastFrame()).toContain('(host policy, previewed on manual snapshots)'), { timeout: 15_000 });
    await press(view, 'h', 'k');
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/5 Archives\s+db1/));
    await vi.waitFor(() => expect(view.lastFrame()).toContain('[scheduled]'));
    view.unmount();
  });
});

describe('TUI as a window onto a daemon', () => {
  it('announces a run that failed elsewhere as an error', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    const em = app.catalogue.em();
    const web1 = await findHost(em, 'web1');
    const owner = { pid: process.pid, node: 'test', pidStart: null, server: serverName() };
    const run = await insertRunningRun(em, web1.id, 'scheduled', owner, (id) => join(dir, `home/logs/${id}.log`));
    await finishRun(em, run!.id, { status: 'failed', error: 'ssh: connect to host web1 port 22: Connection refused' });
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`error: run #${run!.id} web1 failed: ssh: connect to host web1`), {
      timeout: 15_000,
    });
    view.unmount();
  });
});

describe('TUI host marks', () => {
  it('a host backing up shows ▶, even when a newer queued run of it was cancelled', async () => {
    const em = app.catalogue.em();
    const web1 = await findHost(em, 'web1');
    const owner = { pid: process.pid, node: 'test', pidStart: null, server: serverName() };
    await insertRunningRun(em, web1.id, 'manual', owner, (id) => join(dir, `home/logs/${id}.log`));
    await cancelQueuedRun(em, await insertQueuedRun(em, web1.id, 'manual', false));
    const report = await status(app);
    expect(report.hosts.find((host) => host.host === 'web1')).toMatchObject({ lastRun: { status: 'cancelled' }, active: 'running' });
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/▶ web1/), { timeout: 15_000 });
    view.unmount();
  });
});

describe('TUI snapshot sizes', () => {
  it('the Snapshots tab shows what deleting each would free and its full size, measured in the background', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '2');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('FREES/TOTAL'), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(/manual\s+complete.*\s\d+(\.\d)?K\/\d+(\.\d)?K/), { timeout: 15_000 });
    const [snapshot] = await listSnapshots(app, 'web1');
    expect(snapshot!.size).toMatchObject({ current: true });
    view.unmount();
  });
});

describe('TUI server key', () => {
  it('K shows both authorized_keys lines as pobsync key prints them, each whole on a line of its own', async () => {
    const key = await serverKey(app);
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 200, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'K');
    await vi.waitFor(() => expect(view.lastFrame()).toContain("The server's SSH key"), { timeout: 15_000 });
    const frameLines = view.lastFrame()!.split('\n');
    // Copied from the terminal, a line reads exactly as the key line: nothing drawn beside it.
    expect(frameLines.map((line) => line.trimEnd())).toContain(key.authorizedKeysLine);
    expect(frameLines.map((line) => line.trimEnd())).toContain(key.restrictedKeysLine);
    expect(key.restrictedKeysLine).toContain('command="rrsync -ro /"');
    expect(view.lastFrame()).not.toContain('it wraps');
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain("The server's SSH key"));
    view.unmount();
  });

  it('says when the terminal is too narrow to copy a key line whole', async () => {
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'K');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('wide: it wraps, and a copy of it would break'), { timeout: 15_000 });
  });
});

describe('TUI schedules', () => {
  it('adds a further schedule under a new name, refuses a taken one, and deletes the selected one after y', async () => {
    await configureSchedule(app, 'web1', 'default', { cron: '15 2 * * *' });
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '4', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('default: "15 2 * * *"'), { timeout: 15_000 });

    await press(view, 'a');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('New schedule of web1'));
    // The name offered is free; typed back to a taken one, the save is refused with why.
    expect(view.lastFrame()).toContain('backup2');
    await press(view, '\u0015', 'default', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('web1 has a schedule "default" already'));
    await press(view, '\u0015', 'weekly', DOWN, '\u0015', '0 4 * * 0', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('saved schedule web1/weekly'), { timeout: 15_000 });
    expect((await listSchedules(app, { host: 'web1' })).map((schedule) => schedule.name).sort()).toEqual(['default', 'weekly']);

    await vi.waitFor(() => expect(view.lastFrame()).toContain('weekly: "0 4 * * 0"'), { timeout: 15_000 });
    await press(view, 'x');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Delete schedule default of web1'));
    await press(view, 'n');
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('Delete schedule'));
    expect(await listSchedules(app, { host: 'web1' })).toHaveLength(2);
    await press(view, 'j', 'x');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Delete schedule weekly of web1'));
    await press(view, 'y');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('removed schedule weekly of web1'), { timeout: 15_000 });
    expect((await listSchedules(app, { host: 'web1' })).map((schedule) => schedule.name)).toEqual(['default']);
    view.unmount();
  });
});

describe('TUI find and restore', () => {
  it('deletes a snapshot after the host name is typed; refuses a protected one and the base of a queued backup, with why', async () => {
    const [snapshot] = await listSnapshots(app, 'web1');
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '2', 'l');
    await vi.waitFor(() => expect(view.lastFrame()).toContain(snapshot!.name), { timeout: 15_000 });

    await press(view, 'p');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('is protected: retention never removes it'), { timeout: 15_000 });
    await press(view, 'D');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`error: snapshot ${snapshot!.name} of web1 is protected`), {
      timeout: 15_000,
    });
    expect(view.lastFrame()).not.toContain('Type web1 to confirm');
    await press(view, 'p');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('is no longer protected'), { timeout: 15_000 });

    const web1 = await findHost(app.catalogue.em(), 'web1');
    const queued = await insertQueuedRun(app.catalogue.em(), web1.id, 'manual', false);
    await press(view, 'D');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`is the newest of web1, and queued run #${queued}`), {
      timeout: 15_000,
    });
    await cancelQueuedRun(app.catalogue.em(), queued);

    await press(view, 'D');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Type web1 to confirm'), { timeout: 15_000 });
    expect(flat(view.lastFrame())).toContain(`Delete snapshot ${snapshot!.name} of web1`);
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`deleted snapshot ${snapshot!.name} of web1`), { timeout: 15_000 });
    expect(await listSnapshots(app, 'web1')).toEqual([]);
    expect(existsSync(snapshot!.path)).toBe(false);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('no snapshots yet'), { timeout: 15_000 });
    view.unmount();
  });
});

describe('TUI snapshot browser', () => {
  it('lists a snapshot as ls does, directories first, goes into directories and up, and shows a file’s versions', async () => {
    mkdirSync(join(dir, 'source/zdir'));
    writeFileSync(join(dir, 'source/zdir/b.txt'), 'b\n');
    writeFileSync(join(dir, 'source/bad\nname'), 'x\n');
    writeFileSync(join(dir, 'source/a.txt'), 'a, changed\n');
    await backupHost(app, 'web1');
    const [, newest] = await listSnapshots(app, 'web1');
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
    await press(view, 'j', '2', 'l');
    // Both snapshots listed (a name taken twice in one second gets a suffix the column may cut): the newest is on top.
    await vi.waitFor(() => expect(view.lastFrame()!.match(/manual\s+complete/g)).toHaveLength(2), { timeout: 15_000 });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`${newest!.name}:/`), { timeout: 15_000 });
    // The snapshot holds the source's path from /: down to it, one directory at a time.
    const parts = join(dir, 'source').split('/').filter(Boolean);
    for (const [index, part] of parts.entries()) {
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`drwx\\S+\\s+-\\s+\\S+ \\S+Z\\s+${part}/`)), { timeout: 15_000 });
      await press(view, ENTER);
      await vi.waitFor(() => expect(view.lastFrame()).toContain(`:/${parts.slice(0, index + 1).join('/')}`), { timeout: 15_000 });
    }
    await vi.waitFor(() => expect(view.lastFrame()).toContain('a.txt'), { timeout: 15_000 });
    const frame = view.lastFrame()!;
    // Directories first; a name with a newline escaped as ls -b writes it, never a line of its own.
    expect(frame.indexOf('zdir/')).toBeLessThan(frame.indexOf('a.txt'));
    expect(frame).toContain('bad\\nname');
    expect(frame).toMatch(/-rw\S+\s+11 B\s+\S+ \S+Z\s+a\.txt/);

    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`:${join(dir, 'source/zdir')}`), { timeout: 15_000 });
    await vi.waitFor(() => expect(view.lastFrame()).toContain('b.txt'), { timeout: 15_000 });
    await press(view, BACKSPACE);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('a.txt'), { timeout: 15_000 });
    // Up again, the cursor is on the directory it came from: j moves to the first file.
    await press(view, 'j', 'v');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`Versions of ${join(dir, 'source/a.txt')} on web1`), {
      timeout: 15_000,
    });
    expect(flat(view.lastFrame())).toMatch(/#1 -rw\S+ 2 B modified .* in \S+ .*#2 -rw\S+ 11 B modified .* in \S+/);
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).not.toContain('Versions of'));
    await press(view, ESC);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('FREES/TOTAL'));
    view.unmount();
  });
});

/** From the top of a snapshot in the browser down to `path`, one directory at a time, as a person would go. */
async function browseTo(view: View, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (const [index, part] of parts.entries()) {
    await vi.waitFor(() => expect(view.lastFrame()).toMatch(new RegExp(`\\s${part}/`)), { timeout: 15_000 });
    await press(view, ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`:/${parts.slice(0, index + 1).join('/')}`), { timeout: 15_000 });
  }
}

/** The App at 100x30 with web1's snapshot `name` open in the browser, at the source directory that holds a.txt. */
async function browseToSource(name: string): Promise<View> {
  const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 100, rows: 30 }} />);
  await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
  await press(view, 'j', '2', 'l');
  await vi.waitFor(() => expect(view.lastFrame()).toContain(name), { timeout: 15_000 });
  await press(view, ENTER);
  await browseTo(view, join(dir, 'source'));
  await vi.waitFor(() => expect(view.lastFrame()).toMatch(/\sa\.txt/), { timeout: 15_000 });
  return view;
}

describe('TUI restore from the snapshot browser', () => {
  it('restores a file into a directory after its dry run and the host name; refuses the backup root in the form', async () => {
    const [snapshot] = await listSnapshots(app, 'web1');
    const view = await browseToSource(snapshot!.name);

    await press(view, 'r');
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`Restore ${join(dir, 'source/a.txt')} from ${snapshot!.name} of web1`));
    await press(view, join(dir, 'backups/out'), ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`overlaps ${join(dir, 'backups')}, which holds pobsync's backups`), {
      timeout: 15_000,
    });
    await press(view, CTRL_U, join(dir, 'restored'), ENTER);
    // The file and the three directories above it, as the snapshot has them.
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Dry run: 4 to create, 0 to update, 0 to delete.'), {
      timeout: 15_000,
    });
    expect(existsSync(join(dir, 'restored'))).toBe(false);
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`restored ${join(dir, 'source/a.txt')} from`), { timeout: 30_000 });
    await press(view, '!');
    await vi.waitFor(() =>
      expect(flat(view.lastFrame())).toContain(`from ${snapshot!.name} to ${join(dir, 'restored')}: 4 created, 0 updated, 0 deleted`),
    );
    await press(view, ESC);
    const restored = join(dir, 'restored', dir, 'source/a.txt');
    expect(readFileSync(restored)).toEqual(readFileSync(join(dir, 'source/a.txt')));
    const [restore] = (await listRuns(app, { host: 'web1' })).filter((run) => run.kind === 'restore');
    expect(restore).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(restore!.logPath!, 'utf8')).toContain(`restore of web1 from snapshot ${snapshot!.name}`);
    view.unmount();
  });

  it('restores a file back onto the host after a safety snapshot of it, which holds what was overwritten', async () => {
    const [snapshot] = await listSnapshots(app, 'web1');
    writeFileSync(join(dir, 'source/a.txt'), 'a, overwritten by mistake\n');
    const view = await browseToSource(snapshot!.name);
    await press(view, 'r');
    await vi.waitFor(() => expect(view.lastFrame()).toContain('restore to'));
    await press(view, 'host', ENTER);
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain('Dry run: 0 to create, 1 to update, 0 to delete.'), {
      timeout: 15_000,
    });
    expect(flat(view.lastFrame())).toContain('to the host web1? A safety snapshot of');
    await press(view, 'web1', ENTER);
    await vi.waitFor(() => expect(view.lastFrame()).toContain(`restored ${join(dir, 'source/a.txt')} from`), { timeout: 30_000 });
    expect(readFileSync(join(dir, 'source/a.txt'), 'utf8')).toBe('a\n');
    const safety = (await listSnapshots(app, 'web1')).find((each) => each.kind === 'safety');
    await press(view, '!');
    await vi.waitFor(() => expect(flat(view.lastFrame())).toContain(`safety snapshot ${safety!.name} holds what was overwritten`));
    expect(readFileSync(join(safety!.path, 'data', dir, 'source/a.txt'), 'utf8')).toBe('a, overwritten by mistake\n');
    view.unmount();
  });

  it('b on a replica host queues a replication from its peer, with the remote pobsync its last one used', async () => {
    const peer = 'backup@peer.example:2222';
    const first = await queueReplicate(app, { host: 'off1', from: peer, remotePobsync: '/usr/bin/node /opt/p.mjs', remoteHome: '/srv/p' });
    await cancelQueuedRun(app.catalogue.em(), first.runId);
    const view = await renderView(<App backend={createBackend(app, undefined)} size={{ columns: 80, rows: 24 }} />);
    await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (3)'), { timeout: 15_000 });
    await press(view, 'j', 'b'); // db1, off1, web1
    await vi.waitFor(() => expect(flat(view.lastFrame())).toMatch(/queued run #\d+ for off1/), { timeout: 15_000 });
    const [queued] = await listRuns(app, { host: 'off1', limit: 1 });
    expect(queued).toMatchObject({ kind: 'replicate', status: 'queued' });
    expect(queued!.id).not.toBe(first.runId);
    expect(queued!.details).toEqual({ action: 'replicate', peer, remotePobsync: ['/usr/bin/node', '/opt/p.mjs', '--home=/srv/p'] });
    // web1 is no replica: b queues a backup.
    await press(view, 'j', 'b');
    await vi.waitFor(async () =>
      expect((await listRuns(app, { host: 'web1', limit: 1 }))[0]).toMatchObject({ kind: 'manual', status: 'queued' }),
    );
    view.unmount();
  });

  it('lists the hosts and the snapshots of a host through the driver while the ORM is still to open', async () => {
    const reader = (await openDirectReadApp(join(dir, 'home')))!;
    expect(reader).toBeDefined();
    // The ORM's App never comes: what the first screen shows must not wait for it.
    const never = new Promise<PobsyncApp>(() => undefined);
    const view = await renderView(<App backend={createBackend(never, undefined, undefined, reader)} size={{ columns: 100, rows: 30 }} />);
    try {
      await vi.waitFor(() => expect(view.lastFrame()).toContain('Hosts (2)'), { timeout: 15_000 });
      expect(view.lastFrame()).toContain('web1');
      await press(view, 'j', '2');
      await vi.waitFor(() => expect(view.lastFrame()).toMatch(/\d{4}-\d\d-\d\dT\d{6}Z/), { timeout: 15_000 });
    } finally {
      view.unmount();
      await reader.close();
    }
  });
});
