import { ArchiveSchema } from './archive.js';
import { GlobalConfigSchema } from './global-config.js';
import { HostSchema } from './host.js';
import { RunSchema } from './run.js';
import { ScheduleSchema } from './schedule.js';
import { SchedulerLeaseSchema } from './scheduler-lease.js';
import { ServerSchema } from './server.js';
import { SnapshotRecordSchema } from './snapshot-record.js';

export type { Archive } from './archive.js';
export type { GlobalConfig } from './global-config.js';
export type { Host } from './host.js';
export type { Run } from './run.js';
export type { Schedule } from './schedule.js';
export type { SchedulerLease } from './scheduler-lease.js';
export type { Server } from './server.js';
export type { SnapshotRecord } from './snapshot-record.js';
export {
  ArchiveSchema,
  GlobalConfigSchema,
  HostSchema,
  RunSchema,
  SchedulerLeaseSchema,
  ScheduleSchema,
  ServerSchema,
  SnapshotRecordSchema,
};

export const ENTITIES = [
  GlobalConfigSchema,
  HostSchema,
  ScheduleSchema,
  SnapshotRecordSchema,
  RunSchema,
  SchedulerLeaseSchema,
  ArchiveSchema,
  ServerSchema,
];
