/** Runs as the Runs tab gets them, and run logs to write, for the tests of the run log views. */
import type { RunView } from '../../source/services/runs/runs.js';

/** A finished manual run of web1, its fields as `overrides` say. */
export function runView(id: number, overrides: Partial<RunView> = {}): RunView {
  return {
    id,
    host: 'web1',
    kind: 'manual',
    status: 'succeeded',
    queuedAt: '2026-11-23T02:15:00.000Z',
    startedAt: '2026-11-23T02:15:00.000Z',
    finishedAt: '2026-11-23T02:16:00.000Z',
    durationSeconds: 60,
    pid: 1,
    node: 'backup1',
    logPath: null,
    progress: null,
    stats: null,
    error: null,
    base: null,
    snapshot: null,
    restore: null,
    ...overrides,
  };
}

/** Log lines `line-<from>` up to `line-<to - 1>`, each followed by `pad` (long lines, to wrap), newline-ended. */
export const numberedLines = (from: number, to: number, pad = '') =>
  `${Array.from({ length: to - from }, (_, index) => `line-${from + index}${pad ? ` ${pad}` : ''}`).join('\n')}\n`;
