/**
 * The MariaDB pass's global setup: one private mariadbd for every file of the pass (mariadb.ts),
 * its address in the environment the test processes inherit, stopped after the last file.
 */
import { MARIADB_TEST_ENV, startPrivateMariaDb } from './mariadb.js';

export default async function setup(): Promise<() => Promise<void>> {
  const mariadb = await startPrivateMariaDb();
  process.env[MARIADB_TEST_ENV] = JSON.stringify({ dir: mariadb.dir, port: mariadb.port, password: mariadb.password });
  return async () => {
    delete process.env[MARIADB_TEST_ENV];
    await mariadb.stop();
  };
}
