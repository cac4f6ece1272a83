/**
 * The catalogue from outside pobsync, as another program (or an admin's sqlite3 shell) would
 * touch it: one statement, or a write lock held until released.
 */
import { join } from 'node:path';
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

function all<T>(db: sqlite3.Database, query: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(query, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
}

/** Every row of every table of the home's SQLite catalogue, as one text: to prove a refused command wrote nothing. */
export async function dumpCatalogue(home: string): Promise<string> {
  const db = await open(join(home, 'pobsync.sqlite'));
  try {
    const tables = await all<{ name: string }>(db, "select name from sqlite_master where type = 'table' order by name");
    const dump: Record<string, unknown> = {};
    for (const { name } of tables) dump[name] = await all(db, `select * from \`${name}\` order by rowid`);
    return JSON.stringify(dump);
  } finally {
    db.close();
  }
}
