/**
 * The environment file the installer writes for the service, which the `pobsync` command reads
 * too: one file decides the home for both. POBSYNC_ENV_FILE points elsewhere (a staged install).
 */
import { readFileSync } from 'node:fs';
import { parseEnvironmentFile } from '../domain/env-file.js';
import { environment } from './environment.js';

export const INSTALLED_ENV_FILE = '/etc/pobsync/pobsync.env';

export function installedEnvFile(env: NodeJS.ProcessEnv = environment()): string {
  return env['POBSYNC_ENV_FILE'] || INSTALLED_ENV_FILE;
}

/** The variables of the installer's environment file; undefined when there is none (or it cannot be read). */
export function readInstalledEnv(path: string): Record<string, string> | undefined {
  try {
    return parseEnvironmentFile(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
