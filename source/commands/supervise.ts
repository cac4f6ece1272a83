/**
 * Shared by `daemon`, `scheduler --loop` and `worker --loop`: run a supervisor in the foreground,
 * one log line per event on stdout (journald adds its own time, a terminal gets ours), until
 * SIGTERM or SIGINT; then stop claiming, give running backups the grace period, exit 0.
 * A second signal interrupts running backups at once.
 */

import type { App } from '../services/app.js';
import type { SupervisorEvent } from '../services/schedule/events.js';
import { type SupervisorOptions, startSupervisor } from '../services/schedule/supervisor.js';
import { loadSettings } from '../services/settings.js';

export function logEvent(event: SupervisorEvent): void {
  process.stdout.write(`${new Date().toISOString()} ${event.type}: ${event.message}\n`);
}

export async function superviseUntilSignal(app: App, options: Omit<SupervisorOptions, 'emit'>): Promise<number> {
  const supervisor = await startSupervisor(app, { ...options, emit: logEvent });
  logEvent({ type: 'lease', message: `${options.role} started, pid ${process.pid}, catalogue ${app.catalogue.path}` });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const graceMs = (await loadSettings(app.catalogue.em())).shutdownGraceSeconds * 1000;
  logEvent({
    type: 'shutdown',
    message: `${signal}: no new backups; running ones get ${graceMs / 1000}s (send it again to interrupt them now)`,
  });
  let stopNow: () => void = () => {};
  const again = new Promise<void>((resolve) => (stopNow = resolve));
  const onAgain = () => stopNow();
  process.on('SIGTERM', onAgain);
  process.on('SIGINT', onAgain);
  await Promise.race([supervisor.stop(graceMs), again.then(() => supervisor.stop(0))]);
  logEvent({ type: 'shutdown', message: 'stopped' });
  return 0;
}
