/** What the scheduler, the worker and the lease report, one line each (the daemon logs them). */
export interface SupervisorEvent {
  type: 'fired' | 'skipped' | 'catch-up' | 'started' | 'finished' | 'lease' | 'recovered' | 'shutdown' | 'error';
  message: string;
  runId?: number;
  host?: string;
}

export type EventSink = (event: SupervisorEvent) => void;
