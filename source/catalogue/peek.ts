/**
 * A look into another home's SQLite catalogue, read-only and without migrating it: who holds its
 * scheduler lease. A command that opens a different catalogue than the running daemon's says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE_FILE } from './file.js';

export interface PeekedLease {
  role: string;
  pid: number;
  node: string;
  home: string | null;
  heartbeatAt: Date;
  expiresAt: Date;
}

/** The scheduler lease in `home`'s catalogue; undefined when there is none or it cannot be read. */
export async function peekLease(home: string): Promise<PeekedLease | undefined> {
  const file = join(home, CATALOGUE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const { default: sqlite3 } = await import('sqlite3');
    const db = await new Promise<import('sqlite3').Database>((resolve, reject) => {
      const opened = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
    });
    try {
      const row = await new Promise<Record<string, unknown> | undefined>((resolve, reject) =>
        db.get(
          "select * from scheduler_lease where name = 'scheduler'",
          (error: Error | null, found: Record<string, unknown> | undefined) => (error ? reject(error) : resolve(found)),
        ),
      );
      if (!row) return undefined;
      return {
        role: String(row['role']),
        pid: Number(row['pid']),
        node: String(row['node']),
        home: typeof row['home'] === 'string' ? row['home'] : null,
        heartbeatAt: new Date(Number(row['heartbeat_at'])),
        expiresAt: new Date(Number(row['expires_at'])),
      };
    } finally {
      await new Promise((resolve) => db.close(resolve));
    }
  } catch {
    return undefined;
  }
}
