/**
 * This machine's pobsync server name: POBSYNC_SERVER_NAME from the environment, else from the
 * installer's environment file (which the service reads too, so the CLI and the daemon agree),
 * else the hostname. Several servers share one catalogue; each knows itself by this name.
 */
import { hostname } from 'node:os';
import { validateServerName } from '../domain/validation.js';
import { environment } from './environment.js';
import { installedEnvFile, readInstalledEnv } from './install-env.js';

export function serverName(env: NodeJS.ProcessEnv = environment()): string {
  const chosen = env['POBSYNC_SERVER_NAME'] || readInstalledEnv(installedEnvFile(env))?.['POBSYNC_SERVER_NAME'];
  return chosen ? validateServerName(chosen, 'POBSYNC_SERVER_NAME') : hostname().toLowerCase().split('.')[0] || 'localhost';
}
