/**
 * The real borg 1.2, as the reference pobsync's retention planner is held against: a throwaway
 * repository driven through borg's CLI, and borg's own prune functions called from the Python
 * that runs borg, for histories too long to create archive by archive.
 *
 * A missing borg is an error, never a skip: CI installs borgbackup, and a differential test that
 * quietly does not run proves nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { RetentionPolicy } from '../../source/domain/retention.js';

/** borg's decision on one archive: the rule that keeps it in pobsync's spelling ('daily #3', 'weekly [oldest]'), or 'prune'. */
export type BorgDecision = string;

/** Runs borg with an argument array, no shell. borg writes --list to stderr, so both are kept. */
function borg(args: readonly string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const result = spawnSync('borg', args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) {
    throw new Error(`borg ${args[0]} could not start (${result.error.message}): install borgbackup (apt-get install borgbackup)`);
  }
  if (result.status !== 0) {
    throw new Error(`borg ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

export function borgVersion(): string {
  return borg(['--version'], process.env).stdout.trim();
}

/** The flags of a policy as `borg prune` takes them; keep-last is borg's keep-secondly. */
export function borgPruneFlags(policy: RetentionPolicy): string[] {
  const flags: string[] = [];
  if (policy.keepWithin !== null) flags.push(`--keep-within=${policy.keepWithin.replace(/h$/, 'H')}`);
  const counts: [string, number][] = [
    ['--keep-last', policy.keepLast],
    ['--keep-hourly', policy.keepHourly],
    ['--keep-daily', policy.keepDaily],
    ['--keep-weekly', policy.keepWeekly],
    ['--keep-monthly', policy.keepMonthly],
    ['--keep-yearly', policy.keepYearly],
  ];
  for (const [flag, count] of counts) if (count > 0) flags.push(`${flag}=${count}`);
  return flags;
}

/** borg's rule names and numbering, in pobsync's words: secondly is keep-last, "daily[oldest] #4" is "daily [oldest]". */
export function translateBorgRule(rule: string, number: number, keepWithin: string | null): string {
  const oldest = /^(\w+)\[oldest\]$/.exec(rule);
  const name = (oldest ? oldest[1]! : rule).replace(/^secondly$/, 'last');
  if (name === 'within') return `within ${keepWithin}`;
  return oldest ? `${name} [oldest]` : `${name} #${number}`;
}

export interface BorgRepository {
  /** Adds an archive named `name` whose time is `time` (borg takes it in UTC, to the second). */
  create(name: string, time: Date): void;
  /**
   * Adds many archives, as `create` one by one would, from one Python process: `borg create`
   * costs about a second of CPU each, most of it starting Python and importing borg.
   */
  createMany(archives: readonly { name: string; time: Date }[]): void;
  /** `borg prune --dry-run --list`: archive name -> borg's decision, with TZ set to `timeZone`. */
  prune(policy: RetentionPolicy, timeZone: string): Map<string, BorgDecision>;
  cleanup(): void;
}

export function borgRepository(): BorgRepository {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-borg-'));
  const repo = join(dir, 'repo');
  const source = join(dir, 'source');
  mkdirSync(source);
  writeFileSync(join(source, 'file'), 'one small file\n');
  const env = {
    ...process.env,
    BORG_BASE_DIR: join(dir, 'base'),
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
    BORG_SHOW_SYSINFO: 'no',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
  };
  borg(['init', '--encryption=none', repo], env);
  const timestamp = (time: Date) => time.toISOString().replace(/\.\d{3}Z$/, '');
  return {
    create(name, time) {
      borg(['create', '--timestamp', timestamp(time), `${repo}::${name}`, source], env);
    },
    createMany(archives) {
      const script = join(dir, 'create-many.py');
      const list = join(dir, 'archives.json');
      writeFileSync(script, CREATE_MANY_SCRIPT);
      writeFileSync(list, JSON.stringify(archives.map(({ name, time }) => [`${repo}::${name}`, timestamp(time)])));
      const result = spawnSync(borgPython(), [script, source, list], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (result.error || result.status !== 0) {
        throw new Error(`borg create (in one process) failed: ${result.error?.message ?? result.stderr}`);
      }
    },
    prune(policy, timeZone) {
      const { stderr } = borg(['prune', '--dry-run', '--list', ...borgPruneFlags(policy), repo], { ...env, TZ: timeZone });
      const decisions = new Map<string, BorgDecision>();
      for (const line of stderr.split('\n')) {
        const kept = /^Keeping archive \(rule: (\S+) #(\d+)\):\s+(\S+)/.exec(line);
        const pruned = /^Would prune:\s+(\S+)/.exec(line);
        if (kept) decisions.set(kept[3]!, translateBorgRule(kept[1]!, Number(kept[2]), policy.keepWithin));
        else if (pruned) decisions.set(pruned[1]!, 'prune');
      }
      return decisions;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One history for borg's own prune functions: archive times in ms, newest first, and a policy. */
export interface BorgRulesCase {
  times: number[];
  policy: RetentionPolicy;
  timeZone: string;
  now: Date;
}

/**
 * Calls borg's prune_within and prune_split (what `borg prune` runs, in its order) from the
 * Python that runs borg, for many histories in one process. Returns, per case, borg's decision
 * for each time in the order given.
 */
export function borgRuleDecisions(cases: readonly BorgRulesCase[]): BorgDecision[][] {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-borg-rules-'));
  try {
    const script = join(dir, 'rules.py');
    writeFileSync(script, RULES_SCRIPT);
    const input = join(dir, 'cases.json');
    writeFileSync(
      input,
      JSON.stringify(
        cases.map(({ times, policy, timeZone, now }) => ({
          times,
          timeZone,
          now: now.getTime(),
          within: policy.keepWithin?.replace(/h$/, 'H') ?? null,
          rules: {
            secondly: policy.keepLast,
            hourly: policy.keepHourly,
            daily: policy.keepDaily,
            weekly: policy.keepWeekly,
            monthly: policy.keepMonthly,
            yearly: policy.keepYearly,
          },
        })),
      ),
    );
    const python = borgPython();
    const result = spawnSync(python, [script, input], { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (result.error || result.status !== 0) {
      throw new Error(`borg's prune functions could not run with ${python}: ${result.error?.message ?? result.stderr}`);
    }
    const decided = JSON.parse(result.stdout) as ([string, number] | null)[][];
    return decided.map((decisions, index) =>
      decisions.map((kept) => (kept ? translateBorgRule(kept[0], kept[1], cases[index]!.policy.keepWithin) : 'prune')),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The interpreter on borg's #! line: the one Python that can import borg. */
function borgPython(): string {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'borg'))
    .find((candidate) => existsSync(candidate));
  if (!path) throw new Error('borg is not installed: install borgbackup (apt-get install borgbackup)');
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(path, 'utf8').split('\n', 1)[0]!);
  if (!shebang) throw new Error(`${path} is not a Python script: cannot find the Python that runs borg`);
  return shebang[1]!;
}

// Exactly what `borg create --timestamp TIME REPO::NAME SOURCE` does, once per archive, through
// borg's own command-line entry point, in one process.
const CREATE_MANY_SCRIPT = `
import json, sys
from borg.archiver import Archiver
source, archives = sys.argv[1], json.load(open(sys.argv[2]))
for location, timestamp in archives:
    archiver = Archiver()
    code = archiver.run(archiver.get_args(['borg', 'create', '--timestamp', timestamp, location, source], None))
    if code != 0:
        sys.exit(code)
`;

// The case's own TZ is set before borg's time helpers read it; prune_within reads the clock
// through the module's `datetime`, so that is swapped for one stopped at the case's `now`.
const RULES_SCRIPT = `
import json, os, sys, time
from datetime import datetime, timezone
import borg.helpers.misc as misc
from borg.helpers import prune_split, prune_within, PRUNING_PATTERNS

class Archive:
    def __init__(self, id, ts):
        self.id = id
        self.ts = ts

out = []
for case in json.load(open(sys.argv[1])):
    os.environ['TZ'] = case['timeZone']
    time.tzset()
    now = datetime.fromtimestamp(case['now'] / 1000, timezone.utc)
    class StoppedClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return now
    misc.datetime = StoppedClock
    archives = [Archive(i, datetime.fromtimestamp(t / 1000, timezone.utc)) for i, t in enumerate(case['times'])]
    kept_because = {}
    if case['within']:
        from borg.helpers import interval
        prune_within(archives, interval(case['within']), kept_because)
    for rule in PRUNING_PATTERNS.keys():
        count = case['rules'].get(rule, 0)
        if count:
            prune_split(archives, rule, count, kept_because)
    out.append([list(kept_because[a.id]) if a.id in kept_because else None for a in archives])
print(json.dumps(out))
`;
