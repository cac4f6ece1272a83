import { OperationError } from '../domain/errors.js';
import { EXIT_CODES_HELP, runExitCode } from '../domain/exit-codes.js';
import { formatCount } from '../domain/format.js';
import { queueReplicate, replicateHost } from '../services/replicas/replicate.js';
import { readLease } from '../services/schedule/lease.js';
import { defineCommand } from './command.js';
import { interruptible, stoppedBySignal } from './interrupt.js';
import { print, printJson, warn } from './output.js';
import { progressReporter } from './progress.js';

export default defineCommand({
  help: `
Usage: pobsync replicate <host> --from <user@address[:port]|SERVER> [--remote-pobsync CMD]
                         [--remote-home DIR] [--prune] [--retry-skipped] [--queue] [--json]

Off-site copies (3-2-1): copies the host's complete snapshots that this server lacks from a
peer, another pobsync server, oldest first, each one newer than the newest snapshot of the host
held here. Over ssh with this server's key ("pobsync key"; put it in the peer's authorized_keys)
and the peer's pinned host key ("pobsync trust-peer"). The peer's pobsync lists them
("snapshots <host> --json" there); rsync pulls each into .incomplete/ here, hard-linked
against the newest snapshot held here, so a replica costs what changed. Each is checked
against the manifest it brought along before it is published. A copy that does not match is
pulled once more with --checksum (a transfer may have damaged it) and checked again; one that
still does not match, or cannot be checked (no manifest, not shaped like a snapshot), is never
published: it is skipped, with the reason, and the newer ones are copied. Later runs leave a
skipped snapshot alone until --retry-skipped asks for it (after it is repaired on the peer).
A snapshot whose transfer ends partial (rsync exit 23 or 24: a file the peer could not read, or
that vanished) is left unfinished in .incomplete/, never published, and the newer ones are
copied; every next replication tries it again, resuming its tree.
Replicas are snapshots of kind "replica" with their origin; the host's own retention policy
applies to them here. A host this server does not know is created, disabled for backups and
marked as a replica of the peer.

  --from PEER            the peer: user@address, user@address:port, user@[IPv6]:port; or on a
                         shared catalogue a server's name, reached at the address it set
                         ("pobsync configure-global --server-address" run there)
  --remote-pobsync CMD   the command that runs pobsync on the peer (default "pobsync"), words
                         split on spaces, no shell: "/usr/bin/node /opt/pobsync/dist/pobsync.mjs"
  --remote-home DIR      the peer's pobsync home (passed there as --home=DIR)
  --prune                after a good replication, delete what the host's policy removes here
  --retry-skipped        try again the snapshots earlier runs skipped because they failed their check
  --queue                do not run it here: queue it for the daemon's worker
  --json                 print the run and the replicas as JSON when done

Exit status: 0 when every missing snapshot was copied (or none was missing); 3 when this run
skipped one that failed its check or left one unfinished (the others were copied); 1 when the
transfer failed otherwise (the peer unreachable: the ones before stay published; the next run
resumes); 4 when another run holds the host; 130 after Ctrl-C, 143 after SIGTERM.

${EXIT_CODES_HELP}
`,
  flags: {
    from: { type: 'string' },
    remotePobsync: { type: 'string' },
    remoteHome: { type: 'string' },
    prune: { type: 'boolean' },
    retrySkipped: { type: 'boolean' },
    queue: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, app }) {
    const input = {
      host: args[0],
      from: flags.from,
      remotePobsync: flags.remotePobsync,
      remoteHome: flags.remoteHome,
      prune: flags.prune ?? false,
      retrySkipped: flags.retrySkipped ?? false,
    };
    if (flags.queue) {
      const opened = await app();
      const { runId, host } = await queueReplicate(opened, input);
      const lease = await readLease(opened);
      if (flags.json) return printJson({ runId, host, queued: true });
      print(`queued run #${runId}: replication of ${host}`);
      if (!lease?.live) warn('no daemon or TUI is running the scheduler: "pobsync worker" runs queued runs now');
      return;
    }
    const reporter = progressReporter(flags.json ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain');
    const opened = await app();
    const { run, copied, skipped, unfinished, createdHost } = await interruptible('rsync', reporter.note, (signal) =>
      replicateHost(opened, input, {
        signal,
        onProgress: (progress) => reporter.progress(progress),
        onNote: (message) => reporter.note(message),
      }),
    )
      .catch((error: unknown) => {
        if (flags.json && error instanceof OperationError)
          printJson({ run: null, copied: [], skipped: [], unfinished: [], error: error.message, exitCode: error.exitCode });
        throw error;
      })
      .finally(() => reporter.done());
    const exitCode = runExitCode(run.status, stoppedBySignal());
    if (flags.json) {
      printJson({ run, copied, skipped, unfinished, createdHost, exitCode });
      return exitCode;
    }
    if (createdHost) print(`created host ${run.host} (disabled for backups, a replica of ${flags.from})`);
    if (run.status === 'succeeded') {
      print(
        copied.length > 0
          ? `${run.status}: run #${run.id}, ${formatCount(copied.length, 'replica')}: ${copied.map((snapshot) => snapshot.name).join(' ')}`
          : `${run.status}: run #${run.id}, nothing to copy`,
      );
    } else {
      if (run.status === 'partial' && copied.length > 0)
        print(`copied ${formatCount(copied.length, 'replica')}: ${copied.map((snapshot) => snapshot.name).join(' ')}`);
      warn(`run #${run.id} ${run.status}: ${run.error ?? ''} (see "pobsync log ${run.id}")`);
    }
    const earlier = skipped.filter((skip) => skip.runId !== run.id);
    for (const skip of earlier) print(`skipped earlier: ${skip.name} (run #${skip.runId}): ${skip.reason}`);
    if (earlier.length > 0 && !flags.retrySkipped)
      print(`"pobsync replicate ${run.host} --from ${flags.from} --retry-skipped" tries them again once they are repaired on the peer`);
    return exitCode;
  },
});
