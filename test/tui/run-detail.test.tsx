/** The run details (`i` in the Runs tab): a run's figures, whole, for a finished run, a running one and a restore. */
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../source/services/runs/runs.js';
import type { Backend } from '../../source/tui/backend.js';
import { flat, renderView } from '../helpers/ink.js';
import { DialogHarness, testEnv } from './harness.js';
import { runView } from './run-fixture.js';

const run = (overrides: Partial<RunView>): RunView =>
  runView(9, {
    kind: 'scheduled',
    finishedAt: '2026-11-23T02:17:00.000Z',
    durationSeconds: 120,
    logPath: '/var/lib/pobsync/logs/9.log',
    base: '2026-11-22T021500Z',
    snapshot: '2026-11-23T021500Z',
    ...overrides,
  });

const env = testEnv({} as Backend);
const details = async (shown: RunView) =>
  flat((await renderView(<DialogHarness env={env} dialog={{ kind: 'run-detail', run: shown }} />)).lastFrame());

describe('run details', () => {
  it("shows a finished run's figures: files, bytes transferred of the total, sent and received, speed, duration", async () => {
    const frame = await details(
      run({
        stats: {
          files: 48_211,
          createdFiles: 120,
          deletedFiles: 7,
          transferredFiles: 310,
          totalSize: 12 * 1024 ** 3,
          transferredSize: 240 * 1024 ** 2,
          literalData: 200 * 1024 ** 2,
          matchedData: 40 * 1024 ** 2,
          bytesSent: 1024 ** 2,
          bytesReceived: 201 * 1024 ** 2,
        },
      }),
    );
    expect(frame).toContain('took 2m0s');
    expect(frame).toContain('files 48211 files, 310 files transferred, 120 created, 7 deleted');
    expect(frame).toContain('bytes 12 GiB in all, 240 MiB transferred (200 MiB sent as data, 40 MiB matched)');
    expect(frame).toContain('network 1.0 MiB sent, 201 MiB received');
    expect(frame).toContain('speed 2.0 MiB/s transferred on average');
  });

  it("shows a running run's progress as rsync last reported it", async () => {
    const frame = await details(
      run({
        status: 'running',
        finishedAt: null,
        durationSeconds: 54,
        snapshot: null,
        progress: {
          bytes: 1.5 * 1024 ** 3,
          percent: 45,
          rate: 31 * 1024 ** 2,
          elapsedSeconds: 54,
          transferredFiles: 9120,
          toCheck: 11_000,
          totalFiles: 20_411,
          scanComplete: true,
        },
      }),
    );
    expect(frame).toContain('progress 45%, 1.5 GiB, 31 MiB/s, 9120 files transferred, 9411 of 20411 files checked');
    expect(frame).toContain('took 54s');
  });

  it('says what a restore restored, where to, and its safety snapshot', async () => {
    const frame = await details(
      run({
        kind: 'restore',
        restore: {
          snapshot: '2026-11-22T021500Z',
          target: { kind: 'host' },
          paths: ['/etc/nginx', '/srv/www'],
          delete: true,
          safetySnapshot: '2026-11-23T101500Z',
        },
      }),
    );
    expect(frame).toContain(
      'restore /etc/nginx /srv/www from 2026-11-22T021500Z to the host web1, deleting files not in the snapshot; ' +
        'safety snapshot 2026-11-23T101500Z',
    );
  });
});
