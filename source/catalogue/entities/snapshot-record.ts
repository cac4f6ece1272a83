import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { type RsyncStats, SNAPSHOT_KINDS, SNAPSHOT_STATUSES, type SnapshotDump, type SnapshotOrigin } from '../../domain/types.js';
import { HostSchema } from './host.js';

/** A finished snapshot directory, `<backup_root>/<host>/<name>`. */
export const SnapshotRecordSchema = defineEntity({
  name: 'SnapshotRecord',
  tableName: 'snapshot',
  // One copy per server: on a shared catalogue a replica has the name of the snapshot it copies (services/snapshots/snapshots.ts).
  uniques: [{ properties: ['host', 'server', 'name'] }],
  indexes: [
    { properties: ['host', 'startedAt'] },
    // A host's count of snapshots per server and its newest, over those not deleting and not missing, from the index alone
    // (named: MariaDB takes 64 characters).
    { name: 'snapshot_host_id_server_counts_index', properties: ['host', 'server', 'deletingAt', 'missingSince', 'kind', 'startedAt'] },
  ],
  properties: {
    id: p.integer().primary(),
    host: () => p.manyToOne(HostSchema).deleteRule('cascade'),
    name: p.string(),
    kind: p.enum([...SNAPSHOT_KINDS]),
    status: p.enum([...SNAPSHOT_STATUSES]),
    /** absolute path of the snapshot directory (holds data/ and meta.json) */
    path: p.string(),
    startedAt: p.datetime(),
    finishedAt: p.datetime(),
    /** the snapshot this one was hard-linked against */
    base: () => p.manyToOne(SnapshotRecordSchema).nullable().deleteRule('set null'),
    stats: p.json<RsyncStats>().nullable(),
    protected: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    /**
     * Set before the tree is deleted, cleared never: the record goes once the tree is gone. A
     * record with it set is a deletion a crash interrupted, never a snapshot to use.
     */
    deletingAt: p.datetime().nullable(),
    /** the dumps in `dumps/`, as meta.json lists them */
    dumps: p.json<SnapshotDump[]>().default('[]'),
    /**
     * When the directory was found gone (deleted by hand, a disk lost): the record stays, listed
     * as missing, and is never planned, never a base and never the newest good backup. Cleared
     * when the directory is back (a filesystem mounted again).
     */
    missingSince: p.datetime().nullable(),
    /** bytes on disk that deleting it would free: its files no other snapshot links to, and its directories */
    sizeFreed: p.integer().nullable(),
    /** bytes on disk of all of it, each hard-linked file once */
    sizeTotal: p.integer().nullable(),
    /** when the two were measured */
    sizedAt: p.datetime().nullable(),
    /** how many snapshots the host had then: with another count, what it frees may have changed */
    sizedAmong: p.integer().nullable(),
    /** a replica's peer and its name there (meta.json keeps it too); null for a snapshot made here */
    origin: p.json<SnapshotOrigin>().nullable(),
    /** the server whose backup root holds it; null: recorded before servers, the only server's */
    server: p.string().nullable(),
  },
});

export type SnapshotRecord = InferEntity<typeof SnapshotRecordSchema>;
