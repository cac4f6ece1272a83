/**
 * pobsync's own SSH identity and known_hosts, under `$POBSYNC_HOME/keys/`: the server key it
 * logs in with, and the host keys it has pinned (by pobsync host name, see domain/ssh-args).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OperationError } from '../domain/errors.js';
import { runCommand } from './process.js';

export interface KeyFiles {
  keyFile: string;
  publicKeyFile: string;
  knownHostsFile: string;
}

export function keyFiles(keysDir: string): KeyFiles {
  return {
    keyFile: join(keysDir, 'id_ed25519'),
    publicKeyFile: join(keysDir, 'id_ed25519.pub'),
    knownHostsFile: join(keysDir, 'known_hosts'),
  };
}

/** Creates the server's ed25519 key on first use. Returns the public key line and whether it is new. */
export async function ensureServerKey(keysDir: string): Promise<{ publicKey: string; created: boolean }> {
  const files = keyFiles(keysDir);
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  let created = false;
  if (!existsSync(files.keyFile)) {
    const result = await runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `pobsync@${hostname()}`, '-f', files.keyFile]);
    if (result.code !== 0) throw new OperationError(`ssh-keygen failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    created = true;
  }
  const publicKey = (await readFile(files.publicKeyFile, 'utf8')).trim();
  return { publicKey, created };
}

export interface HostKey {
  type: string;
  /** base64 key blob */
  key: string;
  /** `SHA256:...`, as ssh-keygen -l prints it */
  fingerprint: string;
}

export function fingerprint(keyBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** Asks the host for its keys with ssh-keyscan. */
export async function scanHostKeys(address: string, port: number): Promise<HostKey[]> {
  const result = await runCommand('ssh-keyscan', ['-T', '10', '-p', String(port), '-t', 'ed25519,ecdsa,rsa', address], {
    timeoutMs: 30_000,
  });
  const keys = parseKnownHosts(result.stdout).map(({ type, key }) => ({ type, key, fingerprint: fingerprint(key) }));
  if (keys.length === 0) {
    const reason = result.stderr
      .split('\n')
      .find((line) => line.trim() !== '' && !line.startsWith('#'))
      ?.trim();
    throw new OperationError(`ssh-keyscan got no host key from ${address} port ${port}${reason ? `: ${reason}` : ''}`);
  }
  return keys;
}

/** The keys pinned for one pobsync host. */
export async function pinnedKeys(knownHostsFile: string, alias: string): Promise<HostKey[]> {
  return parseKnownHosts(await readKnownHosts(knownHostsFile))
    .filter((entry) => entry.names.includes(alias))
    .map(({ type, key }) => ({ type, key, fingerprint: fingerprint(key) }));
}

/** Replaces whatever was pinned for `alias` with `keys`; the file is rewritten atomically. */
export async function pinKeys(knownHostsFile: string, alias: string, keys: readonly HostKey[]): Promise<void> {
  const kept = (await readKnownHosts(knownHostsFile)).split('\n').filter((line) => line.trim() !== '' && !namesOf(line).includes(alias));
  await writeKnownHosts(knownHostsFile, [...kept, ...keys.map((key) => `${alias} ${key.type} ${key.key}`)]);
}

/** Forgets the keys pinned for `alias` (a removed host). Returns how many there were. */
export async function unpinKeys(knownHostsFile: string, alias: string): Promise<number> {
  const lines = (await readKnownHosts(knownHostsFile)).split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => !namesOf(line).includes(alias));
  if (kept.length !== lines.length) await writeKnownHosts(knownHostsFile, kept);
  return lines.length - kept.length;
}

/**
 * Pins the keys of `from` under `to` instead (a renamed host): the host is the same machine,
 * so its keys stay trusted. Whatever `to` had pinned goes. Returns how many keys moved.
 */
export async function renamePinnedAlias(knownHostsFile: string, from: string, to: string): Promise<number> {
  const lines = (await readKnownHosts(knownHostsFile)).split('\n').filter((line) => line.trim() !== '');
  let moved = 0;
  const renamed = lines
    .filter((line) => !namesOf(line).includes(to))
    .map((line) => {
      const names = namesOf(line);
      if (!names.includes(from)) return line;
      moved += 1;
      const rest = line.trim().slice(line.trim().split(/\s+/)[0]!.length);
      return `${names.map((name) => (name === from ? to : name)).join(',')}${rest}`;
    });
  if (moved > 0) await writeKnownHosts(knownHostsFile, renamed);
  return moved;
}

function namesOf(line: string): string[] {
  return line.trim().split(/\s+/)[0]!.split(',');
}

async function writeKnownHosts(knownHostsFile: string, lines: readonly string[]): Promise<void> {
  const temporary = `${knownHostsFile}.tmp-${process.pid}`;
  await writeFile(temporary, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
  await rename(temporary, knownHostsFile);
}

function parseKnownHosts(text: string): { names: string[]; type: string; key: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([names, type, key]) => ({ names: names!.split(','), type: type!, key: key! }));
}

async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}
