/** Schedule rows: what the scheduler writes as it fires them. */
import type { EntityManager } from '@mikro-orm/sqlite';
import { ScheduleSchema } from './entities/index.js';

/** The fire time `at` is handled (queued or skipped): catch-up starts after it. */
export async function markScheduleFired(em: EntityManager, scheduleId: number, at: Date): Promise<void> {
  await em.nativeUpdate(ScheduleSchema, { id: scheduleId }, { lastFiredAt: at });
}
