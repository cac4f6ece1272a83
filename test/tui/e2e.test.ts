/**
 * The TUI in a real terminal: tmux runs `pobsync` (at 100x30, and at 80x24, the smallest it
 * supports) on a temp catalogue with a host behind the test sshd; keys go in with send-keys,
 * the screen comes back with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setUpRemoteHost, sshdForFile, type Workspace, workspace, writeTree } from '../helpers/pobsync.js';
import { terminal } from '../helpers/tmux.js';

const sshd = sshdForFile();
let ws: Workspace;
const { open, screen, keys, waitForScreen, tmux, close } = terminal('e2e');
const small = terminal('e2e-small', { columns: 80, rows: 24 });

afterEach(() => {
  close();
  small.close();
  ws?.cleanup();
});

describe('pobsync TUI in tmux', () => {
  it(
    'queues a backup with b, streams its log, shows the run, its log on the whole terminal from line 1, the new snapshot and its ' +
      'size, restores it into a directory (diff finds no difference); q leaves the terminal clean',
    async () => {
      ws = workspace();
      writeTree(
        ws.source,
        Object.fromEntries(
          Array.from({ length: 300 }, (_, index) => [`files/file-${String(index).padStart(3, '0')}.txt`, `content ${index}\n`]),
        ),
      );
      await setUpRemoteHost(ws, sshd, 'web1');

      // CI=true as in a CI job's environment (or an admin's shell that exports it): Ink would then
      // draw nothing until exit, and the TUI must draw on a terminal whatever the environment says.
      open(ws.home, { CI: 'true' });
      await waitForScreen('the TUI to draw', (text) => text.includes('Hosts (1)'), 30_000);
      // The scheduler and worker start once the hosts are drawn. The header says so from a poll that
      // an effect of the first frame started: the effects that attach the key handlers have run
      // too then (a key sent earlier could meet none).
      await waitForScreen('the scheduler to run here', (text) => text.includes('scheduler: running here'));
      keys('b');
      // The worker in the TUI picks the queued run up at once; its log streams into the Runs tab.
      await waitForScreen('the log to stream', (text) => /files\/file-\d{3}\.txt/.test(text), 60_000);
      expect(screen()).toContain('log of run #1');
      await waitForScreen('the run to finish', (text) => /#1\s+succeeded/.test(text), 60_000);
      const [snapshot] = await ws.json(['snapshots', 'web1']);

      // The run whole: its times, figures and where its log is.
      keys('l');
      keys('i');
      await waitForScreen('the run details', (text) => text.includes('Run #1 of web1: succeeded') && text.includes('pobsync log 1'));
      keys('Escape');
      await waitForScreen('the run details to close', (text) => !text.includes('Run #1 of web1'));

      // The log on the whole terminal: its end first, then line 1 with g; q goes back to the tab.
      keys('L');
      await waitForScreen('the full-screen log', (text) => /^web1 {2}run #1 succeeded {2}line \d+ of \d+ {2}end/.test(text));
      expect(screen()).not.toContain('Hosts (1)');
      keys('g');
      await waitForScreen(
        "the log's line 1",
        (text) => /line 1 of \d+/.test(text) && /^\[pobsync [^\]]+\] run #1/.test(text.split('\n')[1] ?? ''),
      );
      keys('q');
      await waitForScreen('the Runs tab again', (text) => text.includes('Hosts (1)') && text.includes('log of run #1 succeeded'));

      keys('2');
      await waitForScreen('the snapshot in the Snapshots tab', (text) => new RegExp(`${snapshot.name}\\s+manual\\s+complete`).test(text));
      // What deleting it would free and its full size, measured in the background.
      await waitForScreen('the snapshot measured', (text) => /complete\s+\S+\s+(P\s+)?\d+(\.\d)?[KMG]\/\d+(\.\d)?[KMG]/.test(text));

      // The source restored into a directory from the snapshot browser, then compared with diff.
      keys('Enter');
      const parts = ws.source.split('/').filter(Boolean);
      for (const [index, part] of parts.slice(0, -1).entries()) {
        await waitForScreen(`${part}/ in the browser`, (text) => new RegExp(`\\s${part}/`).test(text));
        keys('Enter');
        await waitForScreen(`into /${parts.slice(0, index + 1).join('/')}`, (text) =>
          text.includes(`${snapshot.name}:/${parts.slice(0, index + 1).join('/')}`),
        );
      }
      await waitForScreen('the source directory under the cursor', (text) => new RegExp(`\\s${parts.at(-1)}/`).test(text));
      keys('r');
      await waitForScreen('the restore form', (text) => text.includes('restore to'));
      const restored = join(ws.dir, 'restored');
      keys('-l', restored);
      keys('Enter');
      await waitForScreen('the dry run', (text) => /Dry run: \d+ to create/.test(text), 60_000);
      keys('-l', 'web1');
      keys('Enter');
      await waitForScreen('the restore', (text) => text.includes(`restored ${ws.source} from`), 60_000);
      expect(execFileSync('diff', ['-r', ws.source, join(restored, ws.source)], { encoding: 'utf8' })).toBe('');
      keys('Escape');
      await waitForScreen('the snapshots again', (text) => text.includes('FREES/TOTAL'));

      keys('q');
      await waitForScreen('pobsync to exit', (text) => text.includes('pobsync exited 0'));
      expect(screen()).not.toContain('Hosts (1)');
      expect(tmux('display-message', '-p', '-t', 'ui', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
    },
  );

  it(
    'at 80x24: the footer keeps ? help and q quit, a failed run shows its whole error, a schedule is added and deleted, ' +
      'a snapshot is deleted once its host name is typed',
    async () => {
      ws = workspace();
      const source = join(ws.dir, 'not-yet');
      await setUpRemoteHost(ws, sshd, 'web1', { sources: [source] });
      small.open(ws.home);
      await small.waitForScreen('the TUI to draw', (text) => text.includes('Hosts (1)'), 30_000);
      await small.waitForScreen('the scheduler to run here', (text) => text.includes('scheduler: running here'));
      const footer = small.screen().trimEnd().split('\n').at(-1)!;
      expect(footer).toContain('? help');
      expect(footer).toContain('q quit');

      // The source does not exist yet: the run fails, and its error is longer than the terminal is wide.
      small.keys('b');
      await small.waitForScreen('the run to fail', (text) => /#1\s+failed/.test(text), 60_000);
      const [failed] = await ws.json(['runs', '--host', 'web1']);
      expect(failed.error.length).toBeGreaterThan(80);
      small.keys('l');
      small.keys('i');
      await small.waitForScreen('the run details', (text) => text.includes('Run #1 of web1: failed'));
      // Wrapped over several lines, inside the dialog's frame: every word of the error is there, in order.
      const words = (text: string) =>
        text
          .replace(/[\u2500-\u257f]/g, ' ')
          .split(/\s+/)
          .filter(Boolean)
          .join(' ');
      expect(words(small.screen())).toContain(words(failed.error));
      small.keys('Escape');
      await small.waitForScreen('the run details to close', (text) => !text.includes('Run #1 of web1'));

      writeTree(source, { 'a.txt': 'a\n' });
      small.keys('b');
      await small.waitForScreen('the second run to succeed', (text) => /#2\s+succeeded/.test(text), 60_000);
      const [snapshot] = await ws.json(['snapshots', 'web1']);
      expect(existsSync(snapshot.path)).toBe(true);

      // A schedule added from the Host tab, its cron typed over the default, then deleted.
      small.keys('4');
      await small.waitForScreen('the Host tab', (text) => text.includes('Schedules: none'));
      small.keys('a');
      await small.waitForScreen('the schedule form', (text) => text.includes('New schedule of web1'));
      small.keys('Tab', 'C-u');
      small.keys('-l', '0 3 * * *');
      small.keys('Enter');
      await small.waitForScreen('the schedule saved', (text) => text.includes('saved schedule web1/default'));
      expect((await ws.json(['schedules'])).map((schedule: { cron: string }) => schedule.cron)).toEqual(['0 3 * * *']);
      small.keys('x');
      await small.waitForScreen('the question', (text) => text.includes('Delete schedule default of web1'));
      small.keys('y');
      await small.waitForScreen('the schedule removed', (text) => text.includes('removed schedule default of web1'));
      expect(await ws.json(['schedules'])).toEqual([]);

      // The snapshot deleted from the Snapshots tab: the host's name typed first.
      small.keys('2');
      await small.waitForScreen('the snapshot', (text) => text.includes(snapshot.name));
      small.keys('D');
      await small.waitForScreen('the confirmation', (text) => text.includes(`Delete snapshot ${snapshot.name} of web1`));
      small.keys('-l', 'web1');
      small.keys('Enter');
      await small.waitForScreen('the snapshot deleted', (text) => text.includes(`deleted snapshot ${snapshot.name} of web1`), 60_000);
      expect(await ws.json(['snapshots', 'web1'])).toEqual([]);
      expect(existsSync(snapshot.path)).toBe(false);

      small.keys('q');
      await small.waitForScreen('pobsync to exit', (text) => text.includes('pobsync exited 0'));
    },
  );
});
