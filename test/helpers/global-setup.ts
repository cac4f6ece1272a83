/**
 * vitest's global setup: one sshd for the whole run, shared by every test file (see sshd.ts).
 * Starting it here, before the test processes fork, puts its address in the environment they
 * inherit; stopping it here, after the last file, leaves nothing running.
 */
import { SHARED_SSHD_ENV, startPrivateSshd } from './sshd.js';

export default async function setup(): Promise<() => Promise<void>> {
  const sshd = await startPrivateSshd();
  process.env[SHARED_SSHD_ENV] = JSON.stringify({ port: sshd.port, user: sshd.user, dir: sshd.dir });
  return async () => {
    delete process.env[SHARED_SSHD_ENV];
    await sshd.stop();
  };
}
