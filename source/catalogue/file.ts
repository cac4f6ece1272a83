import { join, resolve } from 'node:path';

/** The catalogue's file in the home: named apart from orm.ts, so naming it loads no ORM. */
export const CATALOGUE_FILE = 'pobsync.sqlite';

/**
 * Where the home's catalogue is: `<home>/pobsync.sqlite`, or POBSYNC_CATALOGUE, a SQLite file
 * that several pobsync servers on one machine share (each with its own home, keys and logs).
 */
export function catalogueFile(home: string, env: NodeJS.ProcessEnv = process.env): string {
  return env['POBSYNC_CATALOGUE'] ? resolve(env['POBSYNC_CATALOGUE']) : join(home, CATALOGUE_FILE);
}
