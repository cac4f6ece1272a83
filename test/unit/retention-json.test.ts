/**
 * `retention --json` streamed from the plan's columns must be JSON.stringify of the plan's view,
 * byte for byte: names from a host hold any character, times reach outside 1970..9999, and the
 * buffers it writes into are handed on, come back and are reused, also while the reader is behind.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ChunkWriter } from '../../source/commands/output.js';
import { writeRetentionJson } from '../../source/commands/retention-json.js';
import { columnsOf, type PlanInput, type PolicyInput, planColumns, validatePolicy } from '../../source/domain/retention.js';
import { type PlannedRetention, viewOf } from '../../source/services/snapshots/retention-plan.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const HOUR = 3_600_000;

/**
 * A sink that reads what it is given only when it finishes writing it, as a pipe does (the writer
 * must not reuse a buffer before then), and is behind every other write.
 */
class SlowSink extends EventEmitter {
  readonly chunks: Buffer[] = [];
  writes = 0;
  write(chunk: Uint8Array, done: (error?: Error | null) => void): boolean {
    const index = this.chunks.length;
    this.chunks.push(Buffer.alloc(0));
    this.writes += 1;
    const behind = this.writes % 2 === 0;
    setImmediate(() => {
      this.chunks[index] = Buffer.from(chunk);
      done();
      if (behind) this.emit('drain');
    });
    return !behind;
  }
}

function planned(snapshots: PlanInput[], whatIf: PolicyInput, host = 'web1', activeBases = new Map<number, number>()): PlannedRetention {
  const policy = validatePolicy(whatIf);
  const columns = columnsOf(snapshots);
  const plan = planColumns(columns, policy, { now: NOW, timeZone: 'Europe/Berlin', activeBases });
  return {
    backupRoot: '/backups',
    summary: {
      host,
      policy,
      policySource: 'what-if',
      savedSource: 'global',
      timeZone: 'Europe/Berlin',
      now: NOW.toISOString(),
      kept: plan.kept,
      removed: plan.removed,
      bytesFreed: null,
    },
    snapshots: columns,
    plan,
  };
}

async function streamed(plan: PlannedRetention, size: number): Promise<{ text: string; sink: SlowSink }> {
  const sink = new SlowSink();
  const out = new ChunkWriter(sink, size);
  await writeRetentionJson(plan, out);
  await out.end();
  return { text: Buffer.concat(sink.chunks).toString('utf8'), sink };
}

const AWKWARD = [
  'odd, "name"\tone\n',
  'back\\slash',
  'nul\u0000 and \u001f and del\u007f',
  'é ü 名前',
  'emoji 🦀 astral',
  'lone \ud800 surrogate',
  'line\u2028separator',
  '</script>',
  '',
  'x'.repeat(3000),
];

describe('retention --json from the columns', () => {
  it('is JSON.stringify of the view for names, hosts and times of any kind', async () => {
    const base = Date.parse('2026-11-20T00:00:00.000Z');
    const snapshots: PlanInput[] = [
      ...AWKWARD.map((name, index) => ({
        id: index + 1,
        name,
        kind: index % 3 === 0 ? ('manual' as const) : ('scheduled' as const),
        status: index % 4 === 0 ? ('partial' as const) : ('complete' as const),
        startedAt: new Date(base + index * 7 * HOUR + index * 17),
        protected: index === 5,
      })),
      // Times Date.toISOString writes in other forms, and the edges of the four-digit years.
      ...[-1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 4e14, 0, 999, 86_399_999].map(
        (time, index) => ({
          id: 100 + index,
          name: `edge-${index}`,
          kind: 'scheduled' as const,
          status: 'complete' as const,
          startedAt: new Date(time),
          protected: false,
        }),
      ),
      ...Array.from({ length: 500 }, (_, index) => ({
        id: 1000 + index,
        name: `2026-10-${String(1 + (index % 28)).padStart(2, '0')}T0${index % 10}0000Z`,
        kind: index % 50 === 0 ? ('safety' as const) : ('scheduled' as const),
        status: 'complete' as const,
        startedAt: new Date(base - (index + 1) * HOUR),
        protected: index % 97 === 0,
      })),
    ];
    const policies: PolicyInput[] = [
      { keepHourly: 3, keepDaily: 2, keepWeekly: 1, scope: 'all' },
      { keepWithin: '2d', keepLast: 5 },
      {},
      { keepLast: 1, scope: 'manual' },
    ];
    for (const whatIf of policies) {
      for (const host of ['web1', 'host "quoted"\n\u001b[31m']) {
        const plan = planned(snapshots, whatIf, host, new Map([[1010, 7]]));
        for (const size of [64, 1 << 20]) {
          const { text, sink } = await streamed(plan, size);
          expect(text, `${JSON.stringify(whatIf)} ${size}`).toBe(JSON.stringify(viewOf(plan)));
          if (size === 64) expect(sink.writes).toBeGreaterThan(100);
        }
      }
    }
  });

  it('writes an empty plan', async () => {
    const plan = planned([], { keepLast: 1 });
    expect((await streamed(plan, 64)).text).toBe(JSON.stringify(viewOf(plan)));
  });
});
