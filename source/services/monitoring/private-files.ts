/**
 * doctor's "private files": what only the user pobsync runs as may read. The installer's
 * environment file (it may hold the MariaDB catalogue's password), the SQLite catalogue with its
 * -wal and -shm, the logs (every file name of every host) and the keys. pobsync creates them
 * owner-only; an older installer, a restore from a copy or a hand-made file may not have.
 */
import { readFileSync } from 'node:fs';
import { DATABASE_URL_ENV } from '../../catalogue/location.js';
import { parseEnvironmentFile } from '../../domain/env-file.js';
import { pathState } from '../../engine/local-state.js';
import type { App } from '../app.js';
import type { DoctorCheck } from './doctor.js';

interface Exposed {
  path: string;
  /** what the fix names: the SQLite files as one glob (the -wal and -shm come and go with the connections) */
  fixPath: string;
  mode: number;
  /** what the file gives away, for the message */
  why?: string;
  /** readable by others, this one is a failure rather than a warning */
  secret: boolean;
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** A password in the URL of the environment file's POBSYNC_DATABASE_URL. */
function holdsPassword(envFile: string): boolean {
  try {
    const url = parseEnvironmentFile(readFileSync(envFile, 'utf8'))[DATABASE_URL_ENV];
    return Boolean(url && new URL(url).password);
  } catch {
    return false;
  }
}

export async function privateFilesCheck(app: App, envFile: string): Promise<DoctorCheck> {
  const files = [envFile, ...(app.catalogue.dialect === 'sqlite' ? ['', '-wal', '-shm'].map((end) => app.catalogue.path + end) : [])];
  const dirs = [app.paths.logs, app.paths.keys];
  const looked: string[] = [];
  const exposed: Exposed[] = [];
  for (const path of [...files, ...dirs]) {
    const state = await pathState(path);
    if (!state) continue;
    looked.push(path);
    if ((state.mode & 0o077) === 0) continue;
    const password = path === envFile && holdsPassword(envFile);
    const fixPath = path.startsWith(app.catalogue.path) && path !== envFile ? `${app.catalogue.path}*` : path;
    exposed.push({ path, fixPath, mode: state.mode, secret: password, ...(password ? { why: "the catalogue's password" } : {}) });
  }
  if (exposed.length === 0) {
    return { name: 'private files', status: 'ok', message: `owner-only: ${looked.join(' ')}` };
  }
  const named = exposed.map((item) => `${item.path} (${octal(item.mode)}${item.why ? `, holds ${item.why}` : ''})`);
  const chmod600 = [...new Set(exposed.filter((item) => files.includes(item.path)).map((item) => item.fixPath))];
  const chmod700 = exposed.filter((item) => dirs.includes(item.path)).map((item) => item.path);
  return {
    name: 'private files',
    status: exposed.some((item) => item.secret) ? 'fail' : 'warn',
    message: `others can read ${named.join(', ')}`,
    fix: [
      ...(chmod600.length > 0 ? [`chmod 600 ${chmod600.join(' ')}`] : []),
      ...(chmod700.length > 0 ? [`chmod 700 ${chmod700.join(' ')}`] : []),
    ].join(' && '),
  };
}
