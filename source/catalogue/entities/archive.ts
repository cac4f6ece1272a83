import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { OptionSet } from '../../domain/archive.js';
import { HostSchema } from './host.js';
import { RunSchema } from './run.js';
import { SnapshotRecordSchema } from './snapshot-record.js';

/**
 * One `.tar.gz` of a snapshot. Per host and option set the newest is current; making a newer one
 * deprecates the older ones, for good. A purged archive's file is gone; its row stays.
 */
export const ArchiveSchema = defineEntity({
  name: 'Archive',
  tableName: 'archive',
  indexes: [{ properties: ['host', 'optionSet', 'createdAt'] }],
  properties: {
    id: p.integer().primary(),
    host: () => p.manyToOne(HostSchema).deleteRule('cascade'),
    /** the snapshot's name, kept when the snapshot itself is deleted */
    snapshotName: p.string(),
    snapshot: () => p.manyToOne(SnapshotRecordSchema).nullable().deleteRule('set null'),
    /** data, dumps or data+dumps (a plain string: no CHECK to widen later) */
    optionSet: p.string().$type<OptionSet>(),
    /** absolute path of the .tar.gz */
    path: p.string(),
    bytes: p.integer(),
    /** BLAKE2b-512 of the whole file, as `b2sum` prints it */
    blake2b: p.string(),
    files: p.integer(),
    createdAt: p.datetime(),
    deprecatedAt: p.datetime().nullable(),
    purgedAt: p.datetime().nullable(),
    /** the run that made it (or imported it) */
    run: () => p.manyToOne(RunSchema).nullable().deleteRule('set null'),
  },
});

export type Archive = InferEntity<typeof ArchiveSchema>;
