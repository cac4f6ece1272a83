/**
 * `npm run bench`: figures, not tests. Each section measures pobsync against a baseline taken in
 * the same run on the same machine, and prints both with their ratio and the goal.
 *
 *   backup     raw rsync vs `pobsync backup` (scripts/bench/backup.ts)
 *   retention  the planner on 100,000 snapshots, and `retention --json` over them
 *   tui        first frame on 200 hosts / 50,000 snapshots; a log streaming 20,000 lines a second
 *   trust      manifests against the backup without them and b2sum; archives against tar czf and b2sum
 *
 * `npm run bench -- retention tui` runs some sections; no argument runs them all.
 */
import { benchBackup } from './bench/backup.js';
import { benchRetention } from './bench/retention.js';
import { benchTrust } from './bench/trust.js';
import { benchTui } from './bench/tui.js';

const SECTIONS: Record<string, () => Promise<void>> = { backup: benchBackup, retention: benchRetention, tui: benchTui, trust: benchTrust };
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(SECTIONS)) {
  const section = SECTIONS[name];
  if (!section) throw new Error(`unknown bench section ${name}: ${Object.keys(SECTIONS).join(', ')}`);
  await section();
}
