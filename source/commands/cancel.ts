import { setTimeout as sleep } from 'node:timers/promises';
import { getRun, requestCancel } from '../services/runs/runs.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

const WAIT_LIMIT_MS = 60_000;

export default defineCommand({
  help: `
Usage: pobsync cancel <run-id> [--no-wait] [--json]

Cancels a run, whichever process runs it. A queued run is cancelled at once. A running one is
marked in the catalogue; the process running it stops rsync (SIGTERM, then SIGKILL) and the
run ends "cancelled"; its unfinished tree stays in .incomplete/ for the next run. Waits until
the run has ended, unless --no-wait.
`,
  flags: { wait: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, app }) {
    const opened = await app();
    let { run, outcome } = await requestCancel(opened, args[0]);
    if (outcome === 'requested' && flags.wait !== false) {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (run.status === 'running' && Date.now() < deadline) {
        await sleep(250);
        run = await getRun(opened, String(run.id));
      }
    }
    if (flags.json) return printJson({ outcome, run });
    if (outcome === 'interrupted') print(`run #${run.id}: its process was gone; marked interrupted`);
    else if (run.status === 'running')
      print(`run #${run.id}: cancel requested; the process running it (pid ${run.pid} on ${run.node}) will stop it`);
    else print(`run #${run.id}: ${run.status}`);
  },
});
