/**
 * What the status line says: the outcome of an action, or what the scheduler and worker of this
 * process report. A message goes away after a while (news sooner than an error); one about work
 * still going on stays until its outcome replaces it. `!` shows the recent ones whole.
 */
import type { HostStatus } from '../services/monitoring/status.js';
import { eventLevel, type SupervisorEvent } from '../services/schedule/events.js';

export interface Message {
  text: string;
  kind: 'info' | 'warn' | 'error' | 'busy';
  /** when it was said (ms since the epoch); undefined: now */
  at?: number;
}

/** How long each kind of message stays on the status line. */
const SHOWN_SECONDS: Record<Message['kind'], number> = { info: 10, warn: 20, error: 30, busy: Number.POSITIVE_INFINITY };

/** How many messages `!` keeps to show. */
export const KEPT_MESSAGES = 20;

/** The message while it is still to be shown at `now`, else undefined. */
export function shownMessage(message: Message | undefined, now: Date): Message | undefined {
  if (!message || message.at === undefined) return message;
  return now.getTime() - message.at < SHOWN_SECONDS[message.kind] * 1000 ? message : undefined;
}

/** When the message leaves the status line (ms since the epoch); undefined: it stays (or there is none). */
export function expiryOf(message: Message | undefined): number | undefined {
  if (!message || message.at === undefined || !Number.isFinite(SHOWN_SECONDS[message.kind])) return undefined;
  return message.at + SHOWN_SECONDS[message.kind] * 1000;
}

/** A supervisor event as a message, as loud as the event: a failed run is an error, never news. */
export function eventMessage(event: SupervisorEvent, at: number): Message {
  const level = eventLevel(event);
  return { kind: level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'info', text: event.message, at };
}

/** The newest run of each host, as the last overview showed it. */
export type LastRuns = Map<string, number>;

/**
 * Runs that ended badly since the last overview, as messages: how the TUI hears of a failure in
 * another process (a daemon's run, a backup started in another shell); its own worker's runs
 * come as events. Returns what to remember for the next overview; the first one only fills it.
 */
export function runEndMessages(
  seen: LastRuns | undefined,
  hosts: readonly HostStatus[],
  at: number,
): { seen: LastRuns; ended: { runId: number; message: Message }[] } {
  const next: LastRuns = new Map();
  const ended: { runId: number; message: Message }[] = [];
  for (const host of hosts) {
    const run = host.lastRun;
    if (!run) continue;
    next.set(host.host, run.id);
    if (!seen || seen.get(host.host) === run.id) continue;
    if (run.status === 'failed' || run.status === 'interrupted' || run.status === 'partial') {
      ended.push({
        runId: run.id,
        message: {
          kind: run.status === 'partial' ? 'warn' : 'error',
          text: `run #${run.id} ${host.host} ${run.status}${run.error ? `: ${run.error}` : ''}`,
          at,
        },
      });
    }
  }
  return { seen: next, ended };
}
