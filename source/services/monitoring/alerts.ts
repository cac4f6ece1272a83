/**
 * Alerts: a backup that failed (after its retries), a host whose newest snapshot is older than
 * its max age, and the first good backup after either. Each goes once: the host's alert state
 * (catalogue/alerts.ts) is changed with compare-and-set, and only the process that changed it
 * alerts. An alert runs the host's hook for the event (or the global one) and mails the notify
 * address through the local sendmail; neither may hold anything up for longer than the hook
 * timeout, and what they print goes into the run's log (the daemon's log for a stale host).
 */
import { hostname } from 'node:os';
import * as alertState from '../../catalogue/alerts.js';
import { type Host, HostSchema } from '../../catalogue/entities/index.js';
import { type AlertEvent, type AlertHooks, effectiveHooks, HOOK_FIELDS } from '../../domain/alerting.js';
import { formatInterval } from '../../domain/interval.js';
import { type HookResult, runShellHook } from '../../engine/hook.js';
import { findSendmail, sendMail } from '../../engine/mail.js';
import { RunLog } from '../../engine/run-log.js';
import type { App } from '../app.js';
import type { RunView } from '../runs/runs.js';
import type { EventSink } from '../schedule/events.js';
import { loadSettings } from '../settings.js';
import { hostHealths } from './health.js';

/** What an alert says: in the hook's environment (POBSYNC_*) and, as JSON, on its stdin. */
export interface AlertDetails {
  event: AlertEvent;
  host: string;
  address: string;
  /** one line for a person: what happened */
  message: string;
  /** this backup server */
  server: string;
  time: string;
  run: { id: number; kind: string; status: string; error: string | null; attempt: number; log: string | null } | null;
  newestSnapshot: { name: string; at: string; ageSeconds: number } | null;
  maxAgeSeconds: number | null;
}

/** How one alert went: each hook or mail that ran, and how it ended. */
export interface AlertDelivery {
  target: 'hook' | 'mail';
  /** the command, or the mail address */
  to: string;
  ok: boolean;
  summary: string;
  output: string[];
}

export function alertEnvironment(details: AlertDetails): Record<string, string> {
  const env: Record<string, string> = {
    POBSYNC_EVENT: details.event,
    POBSYNC_HOST: details.host,
    POBSYNC_ADDRESS: details.address,
    POBSYNC_MESSAGE: details.message,
    POBSYNC_SERVER: details.server,
    POBSYNC_TIME: details.time,
  };
  if (details.run) {
    env['POBSYNC_RUN_ID'] = String(details.run.id);
    env['POBSYNC_RUN_KIND'] = details.run.kind;
    env['POBSYNC_STATUS'] = details.run.status;
    env['POBSYNC_ATTEMPT'] = String(details.run.attempt);
    if (details.run.error) env['POBSYNC_ERROR'] = details.run.error;
    if (details.run.log) env['POBSYNC_LOG'] = details.run.log;
  }
  if (details.newestSnapshot) {
    env['POBSYNC_SNAPSHOT'] = details.newestSnapshot.name;
    env['POBSYNC_SNAPSHOT_AGE_SECONDS'] = String(details.newestSnapshot.ageSeconds);
  }
  if (details.maxAgeSeconds !== null) env['POBSYNC_MAX_AGE_SECONDS'] = String(details.maxAgeSeconds);
  return env;
}

/** Runs the alert's hook and sends its mail, each within the hook timeout; never throws. */
export async function deliverAlert(app: App, host: Host, details: AlertDetails): Promise<AlertDelivery[]> {
  const settings = await loadSettings(app.catalogue.em());
  const hooks: AlertHooks = effectiveHooks(settings.alerts, host.alerts);
  const timeoutMs = settings.hookTimeoutSeconds * 1000;
  const deliveries: AlertDelivery[] = [];
  const command = hooks[HOOK_FIELDS[details.event]];
  if (command) {
    const result = await runShellHook(command, {
      env: alertEnvironment(details),
      input: `${JSON.stringify(details)}\n`,
      timeoutMs,
    }).catch((error: unknown) => failedToStart(error));
    deliveries.push({ target: 'hook', to: command, ...judge(result, settings.hookTimeoutSeconds) });
  }
  if (hooks.notifyMail) {
    const sendmail = findSendmail();
    if (!sendmail) {
      deliveries.push({
        target: 'mail',
        to: hooks.notifyMail,
        ok: false,
        summary: 'no sendmail on this server: install an MTA (postfix, or nullmailer to relay) to get alert mail',
        output: [],
      });
    } else {
      const result = await sendMail(
        sendmail,
        { to: hooks.notifyMail, subject: `pobsync on ${details.server}: ${details.message}`, body: mailBody(details) },
        timeoutMs,
      ).catch((error: unknown) => failedToStart(error));
      deliveries.push({ target: 'mail', to: hooks.notifyMail, ...judge(result, settings.hookTimeoutSeconds) });
    }
  }
  return deliveries;
}

function failedToStart(error: unknown): HookResult {
  return {
    code: null,
    signal: null,
    timedOut: false,
    output: [`could not start: ${error instanceof Error ? error.message : String(error)}`],
  };
}

function judge(result: HookResult, timeoutSeconds: number): Pick<AlertDelivery, 'ok' | 'summary' | 'output'> {
  const ok = result.code === 0 && !result.timedOut;
  const summary = result.timedOut
    ? `stopped after the hook timeout (${timeoutSeconds}s)`
    : result.code !== null
      ? `exited ${result.code}`
      : `killed by ${result.signal ?? 'a signal'}`;
  return { ok, summary, output: result.output };
}

function mailBody(details: AlertDetails): string {
  return [
    details.message,
    '',
    `host:     ${details.host} (${details.address})`,
    `event:    ${details.event}`,
    `server:   ${details.server}`,
    `time:     ${details.time}`,
    ...(details.run
      ? [
          `run:      #${details.run.id} (${details.run.kind}, ${details.run.status}, attempt ${details.run.attempt})`,
          ...(details.run.error ? [`error:    ${details.run.error}`] : []),
          ...(details.run.log ? [`log:      ${details.run.log}  (pobsync log ${details.run.id})`] : []),
        ]
      : []),
    ...(details.newestSnapshot
      ? [`newest:   ${details.newestSnapshot.name}, ${formatInterval(Math.max(1, details.newestSnapshot.ageSeconds))} old`]
      : ['newest:   no snapshot yet']),
    '',
    `pobsync status --check and pobsync doctor on ${details.server} say more.`,
  ].join('\n');
}

/** The lines an alert leaves in a log: which hook or mail ran, how it ended, what it printed. */
export function deliveryLines(event: AlertEvent, deliveries: readonly AlertDelivery[]): string[] {
  return deliveries.flatMap((delivery) => [
    `${event} alert: ${delivery.target === 'hook' ? `hook ${JSON.stringify(delivery.to)}` : `mail to ${delivery.to}`} ${delivery.summary}`,
    ...delivery.output.map((line) => `  | ${line}`),
  ]);
}

/**
 * After a backup run ends: a failure alerts (every final failure, once: retries come first), and
 * a good backup after a failure or a stale spell alerts recovery. Returns the event sent, if any,
 * and how its hook and mail went.
 */
export async function alertOnRunEnd(
  app: App,
  run: RunView,
  now = new Date(),
): Promise<{ event: AlertEvent; deliveries: AlertDelivery[] } | undefined> {
  if (run.kind !== 'scheduled' && run.kind !== 'manual') return undefined;
  const em = app.catalogue.em();
  const host = await em.findOne(HostSchema, { name: run.host });
  if (!host) return undefined;
  let event: AlertEvent | undefined;
  if (run.status === 'failed') {
    await alertState.markFailing(em, host.id, now);
    event = 'failure';
  } else if (run.status === 'succeeded' || run.status === 'partial') {
    if (await alertState.recover(em, host.id)) event = 'recovery';
  }
  if (!event) return undefined;
  const message =
    event === 'failure'
      ? `backup of ${host.name} failed: ${run.error ?? 'no reason recorded'}`
      : `backup of ${host.name} ${run.status === 'partial' ? 'made a (partial) snapshot' : 'succeeded'} again`;
  const details: AlertDetails = {
    event,
    host: host.name,
    address: host.address,
    message,
    server: hostname(),
    time: now.toISOString(),
    run: { id: run.id, kind: run.kind, status: run.status, error: run.error, attempt: run.attempt ?? 1, log: run.logPath },
    ...(await freshnessOf(app, host.id, now)),
  };
  const deliveries = await deliverAlert(app, host, details);
  if (run.logPath && deliveries.length > 0) {
    const log = new RunLog(run.logPath);
    for (const line of deliveryLines(event, deliveries)) log.note(line, now);
    await log.close();
  }
  return { event, deliveries };
}

async function freshnessOf(app: App, hostId: number, now: Date): Promise<Pick<AlertDetails, 'newestSnapshot' | 'maxAgeSeconds'>> {
  const health = (await hostHealths(app, now)).find((candidate) => candidate.hostId === hostId);
  return {
    newestSnapshot: health?.newestSnapshot
      ? { name: health.newestSnapshot.name, at: health.newestSnapshot.at, ageSeconds: health.ageSeconds ?? 0 }
      : null,
    maxAgeSeconds: health?.maxAgeSeconds ?? null,
  };
}

/**
 * Alerts each enabled host (or replica host a replicate schedule keeps) that has gone stale since the last look (once per stale spell), and
 * quietly forgets the stale state of one that is fresh again without a run (a raised max age).
 * Only the scheduler lease holder calls it. Returns the hosts it alerted.
 */
export async function checkStaleHosts(app: App, now: Date, emit: EventSink, signal?: AbortSignal): Promise<string[]> {
  const em = app.catalogue.em();
  const alerted: string[] = [];
  for (const health of await hostHealths(app, now)) {
    if (signal?.aborted) break;
    if (!health.monitored) continue;
    if (!health.stale) {
      if (health.staleSince) await alertState.clearStale(em, health.hostId);
      continue;
    }
    if (health.staleSince || !(await alertState.markStale(em, health.hostId, now))) continue;
    const host = await em.findOneOrFail(HostSchema, { id: health.hostId });
    const maxAge = formatInterval(health.maxAgeSeconds!);
    const message = health.newestSnapshot
      ? `${host.name} is stale: its newest snapshot ${health.newestSnapshot.name} is older than its max age of ${maxAge}`
      : `${host.name} is stale: no snapshot since it was added, more than its max age of ${maxAge} ago`;
    alerted.push(host.name);
    emit({ type: 'alert', host: host.name, level: 'warning', message });
    const deliveries = await deliverAlert(app, host, {
      event: 'stale',
      host: host.name,
      address: host.address,
      message,
      server: hostname(),
      time: now.toISOString(),
      run: null,
      newestSnapshot: health.newestSnapshot
        ? { name: health.newestSnapshot.name, at: health.newestSnapshot.at, ageSeconds: health.ageSeconds ?? 0 }
        : null,
      maxAgeSeconds: health.maxAgeSeconds,
    });
    for (const delivery of deliveries) {
      const [first, ...output] = deliveryLines('stale', [delivery]);
      emit({ type: 'alert', host: host.name, level: delivery.ok ? 'info' : 'error', message: first! });
      for (const line of output) emit({ type: 'alert', host: host.name, message: line });
    }
  }
  return alerted;
}
