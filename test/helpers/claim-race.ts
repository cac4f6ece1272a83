/**
 * One claimer of the claim race (test/integration/mariadb.test.ts): opens the catalogue the
 * environment names, says "ready", waits for "go" on stdin, then claims until nothing is left and
 * prints the ids it got, one JSON array. Run with `node --import tsx`.
 */
import { createInterface } from 'node:readline';
import { openApp } from '../../source/services/app.js';
import { claimNextRun } from '../../source/services/runs/queue.js';

const [home, maxConcurrent] = process.argv.slice(2);
const app = await openApp(home!);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const claimed: number[] = [];
for (;;) {
  const run = await claimNextRun(app, Number(maxConcurrent));
  if (!run) break;
  claimed.push(run.id);
}
await app.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
