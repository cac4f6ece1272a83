import { setTimeout as sleep } from 'node:timers/promises';
import { readLogFrom } from '../engine/run-log.js';
import { getRun } from '../services/runs.js';
import { defineCommand } from './command.js';
import { print } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync log <run-id> [--follow]

Prints a run's log: pobsync's notes and every line of rsync and ssh output.

  --follow, -f   keep printing new lines until the run ends
`,
  flags: { follow: { type: 'boolean', shortFlag: 'f' } },
  async run({ args, flags, app }) {
    const opened = await app();
    let run = await getRun(opened, args[0]);
    const logPath = run.logPath;
    if (!logPath) return print(`run #${run.id} has no log yet (${run.status})`);
    let offset = 0;
    let lastCheck = Date.now();
    for (;;) {
      const chunk = await readLogFrom(logPath, offset);
      if (chunk.text) process.stdout.write(chunk.text);
      offset = chunk.offset;
      const active = run.status === 'running' || run.status === 'queued';
      if (!flags.follow || (!active && !chunk.text)) return;
      if (!chunk.text) await sleep(200);
      if (Date.now() - lastCheck > 1000) {
        run = await getRun(opened, args[0]);
        lastCheck = Date.now();
      }
    }
  },
});
