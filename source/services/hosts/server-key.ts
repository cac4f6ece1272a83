/**
 * The server's SSH key, created on first use. It needs the home's paths and nothing of the
 * catalogue: `pobsync key` neither opens nor loads one.
 */
import { validateFromPattern } from '../../domain/validation.js';
import { ensureServerKey, fingerprint, keyFiles } from '../../engine/ssh-keys.js';
import type { App } from '../app.js';

export interface ServerKeyView {
  publicKey: string;
  fingerprint: string;
  /** the line to append to ~/.ssh/authorized_keys of the backup user on each host */
  authorizedKeysLine: string;
  /**
   * The same key forced to run a read-only rrsync of the host's whole tree, and nothing else, from
   * the given addresses only: for hosts configured with `--access restricted`.
   */
  restrictedKeysLine: string;
  path: string;
  created: boolean;
}

export async function serverKey(app: Pick<App, 'paths'>, options: { from?: string | undefined } = {}): Promise<ServerKeyView> {
  const from = options.from === undefined ? undefined : validateFromPattern(options.from);
  const { publicKey, created } = await ensureServerKey(app.paths.keys);
  return {
    publicKey,
    fingerprint: fingerprint(publicKey.split(/\s+/)[1] ?? ''),
    // "restrict" turns off forwarding and ttys: rsync and the dump commands need neither.
    authorizedKeysLine: `restrict ${publicKey}`,
    // rrsync ships with Debian's rsync (/usr/bin/rrsync); -ro refuses every write.
    restrictedKeysLine: `command="rrsync -ro /",restrict${from ? `,from="${from}"` : ''} ${publicKey}`,
    path: keyFiles(app.paths.keys).publicKeyFile,
    created,
  };
}
