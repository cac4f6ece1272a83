/**
 * This machine's pobsync server name: POBSYNC_SERVER_NAME from the environment, else from the
 * installer's environment file (which the service reads too, so the CLI and the daemon agree),
 * else the hostname. Several servers share one catalogue; each knows itself by this name.
 */
import { hostname } from 'node:os';
import { serverNameFromHostname, validateServerName } from '../domain/validation.js';
import { environment } from './environment.js';
import { installedEnvFile, readInstalledEnv } from './install-env.js';

/**
 * The environment file's name and the hostname's, per file: read once per process (serverName()
 * is asked for on every heartbeat, claim and listing). The environment variable itself is read
 * on each call, so a process that changes it (a test standing in for several servers) is followed.
 */
const fromFile = new Map<string, string | undefined>();
let fromHostname: string | undefined;

export function serverName(env: NodeJS.ProcessEnv = environment()): string {
  const file = installedEnvFile(env);
  if (!fromFile.has(file)) fromFile.set(file, readInstalledEnv(file)?.['POBSYNC_SERVER_NAME'] || undefined);
  const chosen = env['POBSYNC_SERVER_NAME'] || fromFile.get(file);
  if (chosen) return validateServerName(chosen, 'POBSYNC_SERVER_NAME');
  fromHostname ??= serverNameFromHostname(hostname());
  return fromHostname;
}
