/**
 * Several backup servers on one catalogue. Each server is a name (POBSYNC_SERVER_NAME, else the
 * hostname) with its own backup root; hosts are assigned to one, its workers run only their
 * runs, and a snapshot can be read only where it is held.
 *
 * A server is up while its daemon or worker heartbeats; one that missed three heartbeats is
 * shown as down. Its runs left running are recovered by itself alone when it comes back: the
 * pid a run records means nothing on another machine.
 */
import type { EntityManager } from '@mikro-orm/sqlite';
import type { Server } from '../catalogue/entities/index.js';
import * as servers from '../catalogue/servers.js';
import { UserError } from '../domain/errors.js';
import { validateServerName } from '../domain/validation.js';
import { pobsyncVersion } from '../engine/package-root.js';
import { currentProcess } from '../engine/process-identity.js';
import { serverName } from '../engine/server-name.js';
import type { App } from './app.js';
import { type ServerView, serverView } from './server-view.js';

export { SERVER_DOWN_AFTER_MS, SERVER_HEARTBEAT_MS, type ServerState, type ServerView, serverView } from './server-view.js';
export { serverName };

/**
 * The filter for rows (snapshots, runs) of this server: its own, and those recorded before
 * servers (null: the only server's).
 */
export function heldHere(): { $or: [{ server: string }, { server: null }] } {
  return { $or: [{ server: serverName() }, { server: null }] };
}

/**
 * Every server of the catalogue, this one included (registered if it was not yet), up or down at
 * `now`, else by the database's clock: the one their heartbeats are written by.
 */
export async function listServers(app: App, at?: Date): Promise<ServerView[]> {
  const em = app.catalogue.em();
  const now = at ?? (await servers.databaseNow(em));
  const self = serverName();
  await servers.ensureServer(em, self, now);
  return (await servers.listServers(em)).map((server) => serverView(server, now, self));
}

/** This server's row, registered on first use. */
export function ownServer(em: EntityManager): Promise<Server> {
  return servers.ensureServer(em, serverName());
}

/**
 * Writes this server's heartbeat, at `now` or else by the database's clock (another server judges
 * it by that clock, not by this machine's); `started` when its daemon or worker has just started.
 */
export async function heartbeat(app: App, now?: Date, started = false): Promise<void> {
  const { pid, node } = currentProcess();
  await servers.beatServer(app.catalogue.em(), serverName(), { now, pid, node, version: pobsyncVersion(), started });
  // Its own heartbeat is nothing a viewer shows: a TUI idling here does not read everything again for it.
  if (!started) app.catalogue.unversioned(1);
}

/** A server name given by the admin: valid, and a server that has registered with this catalogue. */
export async function requireKnownServer(em: EntityManager, value: string | undefined): Promise<string> {
  const name = validateServerName(value, 'server');
  if (await servers.findServer(em, name)) return name;
  const known = (await servers.listServers(em)).map((server) => server.name);
  throw new UserError(
    `unknown server "${name}": the servers of this catalogue are ${known.join(', ') || '(none yet)'}; a server registers when ` +
      'pobsync first runs there (with POBSYNC_SERVER_NAME set to its name)',
  );
}

/**
 * The server a host's backups run on: its assigned one, or for a host from before servers
 * (none assigned), this one while it is the only server.
 */
export async function hostServer(em: EntityManager, host: { server?: string | null }): Promise<string | null> {
  if (host.server) return host.server;
  return (await servers.serverCount(em)) <= 1 ? serverName() : null;
}

/** Refuses to back up, here, a host that another server backs up. */
export async function requireHostHere(em: EntityManager, host: { name: string; server?: string | null }, what: string): Promise<void> {
  const owner = await hostServer(em, host);
  const self = serverName();
  if (owner === self) return;
  if (owner === null) {
    throw new UserError(
      `host "${host.name}" is not assigned to a server and this catalogue has several: assign it with ` +
        `"pobsync configure-host ${host.name} --server NAME"`,
    );
  }
  throw new UserError(
    `host "${host.name}" is backed up by server ${owner}, this is ${self}: ${what} there, or queue it here with ` +
      `"pobsync backup ${host.name} --queue" (${owner}'s worker runs it)`,
  );
}

/**
 * Refuses to read or change, here, a snapshot another server's backup root holds: one line
 * saying where it is, instead of a missing path.
 */
export async function requireSnapshotHere(
  em: EntityManager,
  snapshot: { name: string; server?: string | null },
  hostName: string,
): Promise<void> {
  const self = serverName();
  if (!snapshot.server || snapshot.server === self) return;
  const holder = await servers.findServer(em, snapshot.server);
  throw new UserError(
    `snapshot ${snapshot.name} of ${hostName} is held by server ${snapshot.server} (its backup root ` +
      `${holder?.backupRoot ?? 'unknown'}): run this there; this is ${self}`,
  );
}
