/**
 * The environment pobsync reads its settings from (POBSYNC_HOME, POBSYNC_SERVER_NAME,
 * POBSYNC_CATALOGUE, POBSYNC_DATABASE_URL, ...): the process's, or the one withEnvironment gives
 * the code it runs. A process that acts as several pobsync servers at once (a test with several
 * workspaces) passes each its own environment instead of swapping process.env under code that
 * runs meanwhile.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const given = new AsyncLocalStorage<NodeJS.ProcessEnv>();

export function environment(): NodeJS.ProcessEnv {
  return given.getStore() ?? process.env;
}

/** Runs `use` (and everything it awaits) with `env` as the environment. */
export function withEnvironment<T>(env: NodeJS.ProcessEnv, use: () => T): T {
  return given.run(env, use);
}
