/**
 * Starts the TUI: the scheduler and worker run in this process while it holds the lease (no
 * daemon does), the screen is the terminal's alternate screen, and whatever ends the TUI (q,
 * Ctrl-C, SIGTERM, a crash) gives the terminal back as it was.
 *
 * The first frame comes before anything else: only Ink is loaded to draw it. The catalogue opens
 * while Ink loads (startLoading), the panes' modules load behind the first frame, then the hosts fill it, then the ORM loads (for the
 * runs, the writes and run control), then the scheduler and worker start. On a SQLite catalogue
 * that needs nothing done first, the hosts are read as `status` reads them, straight through the
 * driver: MikroORM and knex take longer to load than the whole overview takes to read.
 */
import { setFlagsFromString } from 'node:v8';
import { render } from 'ink';
import { catalogueName, type App as OpenApp, type ReadApp } from '../services/app.js';
import type { Supervisor } from '../services/schedule/supervisor.js';
import { Starting } from './components/starting.js';
import type { TuiLoading } from './loading.js';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l\x1b[?25h';
/** Starts the TUI on what `startLoading` began (the catalogue opening, its overview being read). */
export async function runTui({ home, services, reading, overview }: TuiLoading): Promise<number> {
  // The panes' modules load behind the first frame (render() draws it at once).
  const panes = Promise.all([import('./app.js'), import('./backend.js')]);
  panes.catch(() => undefined);
  const openOrm = () => services.then(({ openApp }) => openApp(home));

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
  let quit = false;
  const stop = () => {
    quit = true;
    instance.unmount();
  };
  const instance = render(<Starting catalogue={catalogueName(home)} onQuit={stop} />, {
    exitOnCtrlC: false,
    incrementalRendering: false,
    maxFps: 30,
  });
  const exited = instance.waitUntilExit();
  exited.catch(() => undefined);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  /** `opening`, unless q comes first (the catalogue may wait on a lock): then it is closed once it opens. */
  const unlessQuit = async <T extends { close(): Promise<void> } | undefined>(opening: Promise<T>): Promise<T | 'quit'> => {
    if ((await Promise.race([opening.then(() => 'open' as const), exited.then(() => 'quit' as const)])) === 'open') return opening;
    opening.then((late) => late?.close()).catch(() => undefined);
    return 'quit';
  };

  let supervisor: Supervisor | undefined;
  let app: OpenApp | undefined;
  let reader: ReadApp | undefined;
  try {
    const read = await unlessQuit(reading.catch(() => undefined));
    if (read === 'quit') return 0;
    reader = read;
    // A catalogue the driver cannot read as it is (to create or migrate, MariaDB): the ORM opens it first.
    if (!reader) {
      const opened = await unlessQuit(openOrm());
      if (opened === 'quit') return 0;
      app = opened;
    }
    const [{ App }, { createBackend, EventHub, warm }] = await panes;
    const events = new EventHub();
    let ormOpened!: (opening: Promise<OpenApp>) => void;
    const orm = app ?? new Promise<OpenApp>((resolve) => (ormOpened = resolve));
    const backend = createBackend(orm, () => supervisor, events, reader);
    // The hosts are in the frame that replaces the first one, not an empty list that fills a moment later.
    const status = await (reader ? overview : backend.overview().then((each) => each.status)).catch(() => undefined);
    if (quit) return 0;
    const initialOverview = status && { status, schedulerHere: false, runningHere: [] };
    instance.rerender(<App backend={backend} {...(initialOverview ? { initialOverview } : {})} />);
    // That frame is out (Ink draws it as it renders): only now the ORM loads, for the panes' runs and what they do.
    if (!app) {
      const opening = openOrm();
      ormOpened(opening);
      const opened = await unlessQuit(opening);
      if (opened === 'quit') return 0;
      app = opened;
    }
    // A log streaming thousands of lines a second makes garbage fast, and V8 then lets the heap
    // grow to several times what is alive (about 60 MB): RSS climbed by half over a million lines.
    // Grown by at most 30% at a time, it stays near what is alive, for no measurable CPU. Only
    // from the first full frame on: loading the modules under it spent twice as long collecting garbage.
    setFlagsFromString('--heap-growing-percent=30');
    const { startSupervisor } = await import('../services/schedule/supervisor.js');
    if (quit) return 0;
    supervisor = await startSupervisor(app, {
      role: 'tui',
      schedule: true,
      work: true,
      schedulerIntervalMs: 15_000,
      workerIntervalMs: 5_000,
      emit: events.emit,
    });
    // The services the first screen did not need load now, before a key asks for one.
    warm().catch(() => undefined);
    await exited;
  } finally {
    instance.unmount();
    instance.cleanup();
    restore();
    // Backups still running here are interrupted (q asked first); their trees stay for the next run.
    await supervisor?.stop(0);
    await app?.close();
    await reader?.close();
  }
  return 0;
}
