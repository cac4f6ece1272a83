/** What the scheduler, the worker and the lease report, one line each (the daemon logs them). */
import type { RunStatus } from '../../domain/types.js';

export type EventLevel = 'error' | 'warning' | 'notice' | 'info';

export interface SupervisorEvent {
  type: 'fired' | 'skipped' | 'catch-up' | 'started' | 'finished' | 'lease' | 'recovered' | 'shutdown' | 'error' | 'retry' | 'alert';
  message: string;
  runId?: number;
  host?: string;
  /** how loud: errors are what `journalctl -p err` shows; unset: by the type */
  level?: EventLevel;
}

export type EventSink = (event: SupervisorEvent) => void;

/** How loud an event is: given, or what its type usually means. */
export function eventLevel(event: SupervisorEvent): EventLevel {
  if (event.level) return event.level;
  if (event.type === 'error') return 'error';
  if (event.type === 'skipped' || event.type === 'recovered') return 'warning';
  if (event.type === 'catch-up' || event.type === 'retry') return 'notice';
  return 'info';
}

/** A finished run's level: a failure is an error, a partial, cancelled or interrupted run a warning. */
export function runEndLevel(status: RunStatus): EventLevel {
  if (status === 'failed') return 'error';
  if (status === 'succeeded') return 'info';
  return 'warning';
}
