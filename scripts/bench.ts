/**
 * `npm run bench`: figures, not tests. Each section measures pobsync against a baseline taken in
 * the same run on the same machine, and prints both with their ratio and the goal.
 *
 *   backup     pobsync backup vs raw rsync, raw rsync + sync -f, rsnapshot and pobsync's own rsync
 *              command (scripts/bench/backup.ts)
 *   startup    hosts, status, snapshots vs node -e 0 on 200 hosts / 50,000 snapshots (startup.ts)
 *   retention  the planner on 100,000 snapshots, and retention --json vs hosts --json over them
 *   tui        first frame on 200 hosts / 50,000 snapshots; a log streaming 20,000 lines a second
 *   trust      manifests against the backup without them and b2sum; archives against tar czf and b2sum
 *   scale      status, snapshots, runs --json on 1,000 hosts / 1,000,000 snapshots / 1,000,000 runs,
 *              with and without the scale indexes, vs node -e 0 and pobsync --help (scale.ts)
 *
 * `npm run bench -- backup startup` runs some sections; no section runs them all. `--profile`
 * (or `--profile=DIR`) also writes CPU profiles of pobsync's process and prints where the time went.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchBackup } from './bench/backup.js';
import type { BenchOptions } from './bench/common.js';
import { benchRetention } from './bench/retention.js';
import { benchScale } from './bench/scale.js';
import { benchStartup } from './bench/startup.js';
import { benchTrust } from './bench/trust.js';
import { benchTui } from './bench/tui.js';

const SECTIONS: Record<string, (options: BenchOptions) => Promise<void>> = {
  backup: benchBackup,
  startup: benchStartup,
  retention: benchRetention,
  tui: benchTui,
  trust: benchTrust,
  scale: benchScale,
};
const argv = process.argv.slice(2);
const profile = argv.find((arg) => arg === '--profile' || arg.startsWith('--profile='));
const options: BenchOptions = {
  profileDir: profile && (profile.includes('=') ? resolve(profile.slice('--profile='.length)) : join(tmpdir(), 'pobsync-profiles')),
};
const chosen = argv.filter((arg) => !arg.startsWith('--'));
for (const name of chosen.length > 0 ? chosen : Object.keys(SECTIONS)) {
  const section = SECTIONS[name];
  if (!section) throw new Error(`unknown bench section ${name}: ${Object.keys(SECTIONS).join(', ')}`);
  await section(options);
}
if (options.profileDir) console.log(`\nCPU profiles are in ${options.profileDir}`);
