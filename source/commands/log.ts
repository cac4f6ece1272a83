import { setTimeout as sleep } from 'node:timers/promises';
import { escapeLines } from '../domain/format.js';
import { getRun, isActiveRun, readRunLog } from '../services/runs/runs.js';
import { defineCommand } from './command.js';
import { print } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync log <run-id> [--follow]

Prints a run's log: pobsync's notes and every line of rsync and ssh output.

  --follow, -f   keep printing new lines until the run ends (a queued run: until it starts
                 and ends)
`,
  flags: { follow: { type: 'boolean', shortFlag: 'f' } },
  positionals: 1,
  async run({ args, flags, app }) {
    const opened = await app();
    let run = await getRun(opened, args[0]);
    let offset = 0;
    let lastCheck = Date.now();
    for (;;) {
      const chunk = run.logPath ? await readRunLog(run.logPath, offset) : { text: '', offset };
      // A host writes into the log (dump commands' stderr): on a terminal, its bytes are shown, not obeyed.
      if (chunk.text) process.stdout.write(process.stdout.isTTY ? escapeLines(chunk.text) : chunk.text);
      offset = chunk.offset;
      if (!run.logPath && (!flags.follow || !isActiveRun(run))) return print(`run #${run.id} has no log (${run.status})`);
      if (!flags.follow || (!isActiveRun(run) && !chunk.text)) return;
      if (!chunk.text) await sleep(200);
      if (Date.now() - lastCheck > 1000) {
        run = await getRun(opened, args[0]);
        lastCheck = Date.now();
      }
    }
  },
});
