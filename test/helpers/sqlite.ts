/**
 * The catalogue from outside pobsync, as another program (or an admin's sqlite3 shell) would
 * touch it: one statement, or a write lock held until released.
 */
import sqlite3 from 'sqlite3';

function open(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(db)));
  });
}

function exec(db: sqlite3.Database, statement: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(statement, (error) => (error ? reject(error) : resolve())));
}

/** Runs one statement (or several) on the SQLite file at `path`. */
export async function sqlite(path: string, statement: string): Promise<void> {
  const db = await open(path);
  try {
    await exec(db, statement);
  } finally {
    db.close();
  }
}

/** Takes the catalogue's write lock (BEGIN EXCLUSIVE) and holds it until `release`. */
export async function lockCatalogue(path: string): Promise<{ release(): Promise<void> }> {
  const db = await open(path);
  await exec(db, 'PRAGMA busy_timeout = 30000; BEGIN EXCLUSIVE');
  return {
    release: async () => {
      await exec(db, 'COMMIT');
      db.close();
    },
  };
}
