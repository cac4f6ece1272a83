/**
 * The TUI in a real terminal for tests: a tmux server of the test's own (-L), a session `ui`
 * running `pobsync` on a home; keys go in with send-keys, the screen comes back with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { CLI, waitFor } from './pobsync.js';

export interface Terminal {
  /** Starts `pobsync` (the TUI) on the home, with more environment; the pane stays after it exits and says how. */
  open(home: string, env?: Record<string, string>): void;
  screen(): string;
  keys(...names: string[]): void;
  /** Waits for the screen to match; on a timeout the error shows the screen as it was. */
  waitForScreen(what: string, match: (text: string) => boolean, timeoutMs?: number): Promise<void>;
  /** A tmux command on this terminal's server, for what the others do not cover. */
  tmux(...args: string[]): string;
  close(): void;
}

export function terminal(name: string, size = { columns: 100, rows: 30 }): Terminal {
  const socket = `pobsync-test-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'ui');
  return {
    tmux,
    screen,
    open(home, env = {}) {
      const vars = Object.entries({ POBSYNC_HOME: home, NO_COLOR: '1', ...env }).map(([key, value]) => `${key}=${value}`);
      const command = `env ${vars.join(' ')} ${process.execPath} ${CLI}; echo "pobsync exited $?"; sleep 600`;
      tmux('new-session', '-d', '-s', 'ui', '-x', String(size.columns), '-y', String(size.rows), command);
    },
    keys: (...names) => {
      tmux('send-keys', '-t', 'ui', ...names);
    },
    async waitForScreen(what, match, timeoutMs) {
      try {
        await waitFor(what, () => match(screen()), timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}; the screen:\n${screen()}`);
      }
    },
    close() {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
