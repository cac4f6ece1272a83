/**
 * Talking to a peer (another pobsync server) over ssh, with this server's key and the peer's
 * pinned host key: what its pobsync lists. The files are pulled with rsync (domain/rsync-args.ts
 * replicaArgs) by the replicate service.
 */
import { OperationError } from '../domain/errors.js';
import { formatPeer, type Peer, peerListingCommand, peerTarget } from '../domain/peer.js';
import { remoteCommandArgs, type SshFiles } from '../domain/ssh-args.js';
import { runCommand } from './process.js';

/** stdout of `<remote pobsync> snapshots <host> --json` on the peer. */
export async function readPeerListing(peer: Peer, files: SshFiles, remotePobsync: readonly string[], host: string): Promise<string> {
  const args = remoteCommandArgs(peerTarget(peer), files, peerListingCommand(remotePobsync, host));
  const result = await runCommand('ssh', args, { timeoutMs: 120_000 });
  if (result.code === 0) return result.stdout;
  const said = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  const where = formatPeer(peer);
  if (result.code === 255 && /host key|REMOTE HOST IDENTIFICATION/i.test(result.stderr)) {
    throw new OperationError(
      `the host key of peer ${where} is not pinned or has changed: run "pobsync trust-peer ${where}" and compare the fingerprint` +
        (said ? ` (ssh: ${said})` : ''),
    );
  }
  if (result.code === 255) throw new OperationError(`could not reach peer ${where} over ssh: ${said ?? 'exit 255'}`);
  throw new OperationError(
    `"snapshots ${host} --json" failed on peer ${where} (exit ${result.code})${said ? `: ${said}` : ''}; ` +
      'is the host known there, and is --remote-pobsync the command that runs pobsync on it?',
  );
}
