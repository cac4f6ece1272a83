/**
 * The server's SSH key, created on first use. It needs the home's paths and nothing of the
 * catalogue: `pobsync key` neither opens nor loads one.
 */
import { ensureServerKey, fingerprint, keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';

export interface ServerKeyView {
  publicKey: string;
  fingerprint: string;
  /** the line to append to ~/.ssh/authorized_keys of the backup user on each host */
  authorizedKeysLine: string;
  path: string;
  created: boolean;
}

export async function serverKey(app: Pick<App, 'paths'>): Promise<ServerKeyView> {
  const { publicKey, created } = await ensureServerKey(app.paths.keys);
  return {
    publicKey,
    fingerprint: fingerprint(publicKey.split(/\s+/)[1] ?? ''),
    // "restrict" turns off forwarding and ttys: rsync and the dump commands need neither.
    authorizedKeysLine: `restrict ${publicKey}`,
    path: keyFiles(app.paths.keys).publicKeyFile,
    created,
  };
}
