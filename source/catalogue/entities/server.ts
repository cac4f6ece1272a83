import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * A pobsync server that uses this catalogue: its own backup root, and a heartbeat its daemon or
 * worker writes while it runs. Hosts are assigned to a server by name; its snapshots and runs
 * carry the name too.
 */
export const ServerSchema = defineEntity({
  name: 'Server',
  tableName: 'server',
  properties: {
    name: p.string().primary(),
    /** where this server's snapshots live; null until configure-global sets it there */
    backupRoot: p.string().nullable(),
    /**
     * How another server reaches it over ssh to replicate from it (`--from NAME`), as a peer:
     * `user@address:port`; null until configure-global --server-address sets it there
     */
    address: p.string().nullable(),
    registeredAt: p.datetime(),
    /** when its daemon or worker last started, and last said it is alive */
    startedAt: p.datetime().nullable(),
    heartbeatAt: p.datetime().nullable(),
    /** that process, and the pobsync version it runs */
    pid: p.integer().nullable(),
    node: p.string().nullable(),
    version: p.string().nullable(),
  },
});

export type Server = InferEntity<typeof ServerSchema>;
