/**
 * Starts the TUI: the scheduler and worker run in this process while it holds the lease (no
 * daemon does), the screen is the terminal's alternate screen, and whatever ends the TUI (q,
 * Ctrl-C, SIGTERM, a crash) gives the terminal back as it was.
 */
import { render } from 'ink';
import { openApp } from '../services/app.js';
import { startSupervisor } from '../services/schedule/supervisor.js';
import { App } from './app.js';
import { createBackend, EventHub } from './backend.js';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l\x1b[?25h';

export async function runTui(home: string): Promise<number> {
  const app = await openApp(home);
  const events = new EventHub();
  const supervisor = await startSupervisor(app, {
    role: 'tui',
    schedule: true,
    work: true,
    schedulerIntervalMs: 15_000,
    workerIntervalMs: 5_000,
    emit: events.emit,
  });
  const backend = createBackend(app, supervisor, events);
  // The first frame shows the hosts at once, instead of an empty list that fills a moment later.
  const initialOverview = await backend.overview().catch(() => undefined);

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALTERNATE_SCREEN);
  };
  process.once('exit', restore);
  process.stdout.write(ENTER_ALTERNATE_SCREEN);

  // The root is one row shorter than the terminal: a frame as tall as the terminal makes Ink
  // clear the whole screen on every frame. Ink 6.8's incremental mode draws every frame after
  // the first one row too low when the frame ends in a newline (which a shorter frame does), so
  // frames are drawn whole, at most 30 a second, in one synchronized write.
  const instance = render(<App backend={backend} {...(initialOverview ? { initialOverview } : {})} />, {
    exitOnCtrlC: false,
    incrementalRendering: false,
    maxFps: 30,
  });
  const onTerm = () => instance.unmount();
  process.once('SIGTERM', onTerm);
  process.once('SIGHUP', onTerm);
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    restore();
    // Backups still running here are interrupted (q asked first); their trees stay for the next run.
    await supervisor.stop(0);
    await app.close();
  }
  return 0;
}
