/**
 * What the TUI's first frames need, started before Ink is loaded: the catalogue opens and its
 * overview is read on the driver's own threads while this one parses and runs Ink and React
 * (the larger part of the TUI's start-up). Nothing here imports Ink.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadApp } from '../services/app.js';
import type { StatusReport } from '../services/monitoring/status.js';

/**
 * How long the driver's reader waits for a locked catalogue before the ORM opens it instead (and
 * waits as long as it takes): a query waiting on a lock holds up the process's exit, so q would
 * not quit at once while it waits.
 */
const READER_WAIT_MS = 500;
/**
 * How long Ink waits for the catalogue to open. Each query of the overview needs this thread for
 * a moment, and Ink's loading holds it for long stretches: opened first, the overview's queries
 * fit in the gaps of that loading and it is read when the panes are loaded (begun together, it
 * was read a tenth of a second after them, on a loaded machine more). A catalogue that is slow
 * to open (locked) does not hold up the first frame for longer than this.
 */
const HEAD_START_MS = 150;

export interface TuiLoading {
  home: string;
  services: Promise<typeof import('../services/app.js')>;
  /** the catalogue opened through the driver; undefined where the ORM must open it (see openDirectReadApp) */
  reading: Promise<ReadApp | undefined>;
  /** the hosts of the first full frame, read through that reader */
  overview: Promise<StatusReport | undefined>;
  /** the catalogue is open, or HEAD_START_MS have passed: Ink may load */
  headStart: Promise<unknown>;
}

export function startLoading(home: string): TuiLoading {
  const services = import('../services/app.js');
  // Loaded while the catalogue opens, not after.
  const statusModule = import('../services/monitoring/status.js');
  statusModule.catch(() => undefined);
  const reading = services.then(({ openDirectReadApp }) => openDirectReadApp(home, undefined, READER_WAIT_MS));
  const overview = reading.then(async (reader) => reader && (await statusModule).status(reader));
  overview.catch(() => undefined);
  const headStart = Promise.race([reading.catch(() => undefined), sleep(HEAD_START_MS, undefined, { ref: false })]);
  return { home, services, reading, overview, headStart };
}
