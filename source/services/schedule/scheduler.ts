/**
 * The scheduler: turns due schedule fires into queued runs. It only decides *when*; workers
 * run the backups. Only the holder of the scheduler lease calls it (see supervisor.ts).
 */
import { ScheduleSchema } from '../../catalogue/entities/index.js';
import { formatTime } from '../../domain/format.js';
import { dueFire, nextFires, resolveCron } from '../../domain/schedule.js';
import type { App } from '../app.js';
import { fireSchedule } from '../runs/queue.js';
import { recoverStaleRuns } from '../runs/runs.js';
import { loadSettings, settingsView } from '../settings.js';
import type { EventSink } from './events.js';

/**
 * The schedules that fire: enabled ones of enabled hosts, and replicate schedules of any host (a
 * host filled by replication is disabled for backups, never for its copies).
 */
const FIRING = { enabled: true, $or: [{ host: { enabled: true } }, { action: 'replicate' as const }] };

/** A fire handled later than this counts as a catch-up in the log. */
const LATE_MS = 90_000;

/** Fires every enabled schedule (of an enabled host, or a replicate schedule) that is due at `now`, once. */
/** `signal`: a stopping scheduler fires no further schedule (a tick over a thousand takes seconds). */
export async function schedulerTick(app: App, now: Date, emit: EventSink, signal?: AbortSignal): Promise<number> {
  // A run whose process died would make every fire of its host a skipped one.
  await recoverStaleRuns(app, emit);
  const em = app.catalogue.em();
  const zone = settingsView(await loadSettings(em)).timeZone;
  const schedules = await em.find(ScheduleSchema, FIRING, { populate: ['host'], orderBy: { id: 'asc' } });
  let fired = 0;
  for (const schedule of schedules) {
    if (signal?.aborted) break;
    const timeZone = schedule.timeZone ?? zone;
    const due = dueFire(resolveCron(schedule.cron, schedule.host.name), timeZone, schedule.lastFiredAt ?? schedule.createdAt, now);
    if (!due) continue;
    const label = `${schedule.host.name}/${schedule.name}`;
    if (due.missed > 1 || now.getTime() - due.at.getTime() > LATE_MS) {
      emit({
        type: 'catch-up',
        host: schedule.host.name,
        message:
          `${label} should have fired at ` +
          `${formatTime(due.at)}${due.missed > 1 ? ` (${due.missed} fire times passed since its last fire)` : ''}: running it once now`,
      });
    }
    const result = await fireSchedule(app, schedule, due.at, now);
    if (result.outcome === 'queued') {
      fired += 1;
      emit({
        type: 'fired',
        host: schedule.host.name,
        runId: result.runId,
        message: `${label} fired for ${formatTime(due.at)}: run #${result.runId} queued`,
      });
    } else if (result.outcome === 'skipped') {
      emit({
        type: 'skipped',
        host: schedule.host.name,
        runId: result.runId,
        message: `${label} fire for ${formatTime(due.at)} skipped: ${result.reason}`,
      });
    }
  }
  return fired;
}

/** When the next schedule fires, or undefined when none is enabled. */
export async function nextScheduledFire(app: App, now: Date): Promise<Date | undefined> {
  const em = app.catalogue.em();
  const zone = settingsView(await loadSettings(em)).timeZone;
  const schedules = await em.find(ScheduleSchema, FIRING, { populate: ['host'] });
  let next: Date | undefined;
  for (const schedule of schedules) {
    const [fire] = nextFires(resolveCron(schedule.cron, schedule.host.name), schedule.timeZone ?? zone, now, 1);
    if (fire && (!next || fire < next)) next = fire;
  }
  return next;
}
