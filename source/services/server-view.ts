/** A server as listings show it: kept apart from servers.ts (its writes) so a listing loads no ORM. */
import type { Server } from '../catalogue/entities/index.js';
import { serverName } from '../engine/server-name.js';

/** How often a running server says it is alive: the scheduler lease's heartbeat. */
export const SERVER_HEARTBEAT_MS = 10_000;
/** A server is down after this long without a heartbeat: three heartbeats missed. */
export const SERVER_DOWN_AFTER_MS = 3 * SERVER_HEARTBEAT_MS;

export type ServerState = 'up' | 'down';

export interface ServerView {
  name: string;
  backupRoot: string | null;
  /** how other servers reach it to replicate from it (`user@address:port`); null: not set there */
  address: string | null;
  /** up: its daemon or worker heartbeats; down: none for three heartbeats (or it never ran one) */
  state: ServerState;
  heartbeatAt: string | null;
  startedAt: string | null;
  pid: number | null;
  node: string | null;
  version: string | null;
  /** the server this process is */
  self: boolean;
}

export function serverView(server: Server, now: Date, self = serverName()): ServerView {
  const beat = server.heartbeatAt?.getTime();
  return {
    name: server.name,
    backupRoot: server.backupRoot ?? null,
    address: server.address ?? null,
    state: beat !== undefined && now.getTime() - beat < SERVER_DOWN_AFTER_MS ? 'up' : 'down',
    heartbeatAt: server.heartbeatAt?.toISOString() ?? null,
    startedAt: server.startedAt?.toISOString() ?? null,
    pid: server.pid ?? null,
    node: server.node ?? null,
    version: server.version ?? null,
    self: server.name === self,
  };
}
