/**
 * Shared by `daemon`, `scheduler --loop` and `worker --loop`: run a supervisor in the foreground,
 * one log line per event on stdout (journald adds its own time and reads our priority), until
 * SIGTERM or SIGINT; then stop claiming, give running backups the grace period, exit 0.
 * A second signal interrupts running backups at once.
 */

import type { App } from '../services/app.js';
import { type EventLevel, eventLevel, type SupervisorEvent } from '../services/schedule/events.js';
import { type SupervisorOptions, startSupervisor } from '../services/schedule/supervisor.js';
import { loadSettings } from '../services/settings.js';

/** sd-daemon(3) priorities: journald reads `<3>` at the start of a line as "err". */
const PRIORITY: Record<EventLevel, number> = { error: 3, warning: 4, notice: 5, info: 6 };

/**
 * One line per event. On a terminal with our time; otherwise (journald, a pipe) without it, since
 * journald adds its own, and with the sd-daemon priority prefix, so `journalctl -p err` shows the
 * failures and `-p warning` the partial and skipped runs too.
 */
export function logEvent(event: SupervisorEvent): void {
  process.stdout.write(formatEvent(event, Boolean(process.stdout.isTTY)));
}

export function formatEvent(event: SupervisorEvent, terminal: boolean, now = new Date()): string {
  const lines = `${event.type}: ${event.message}`.split('\n');
  const prefix = terminal ? `${now.toISOString()} ` : `<${PRIORITY[eventLevel(event)]}>`;
  return lines.map((line) => `${prefix}${line}\n`).join('');
}

export async function superviseUntilSignal(app: App, options: Omit<SupervisorOptions, 'emit'>): Promise<number> {
  logEvent({
    type: 'lease',
    message:
      `${options.role} started, pid ${process.pid}, home ${app.paths.home} (from ${app.homeSource}), ` + `catalogue ${app.catalogue.path}`,
  });
  const supervisor = await startSupervisor(app, { ...options, emit: logEvent });
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
