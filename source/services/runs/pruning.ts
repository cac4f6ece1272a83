/**
 * Run rows and run logs do not pile up for ever: each host keeps its newest runs (configure-global
 * --keep-runs, default 100) and every run whose snapshot is still there, whatever its age. The
 * log goes first, then the row, so a crash in between leaves a row without a log, never the
 * other way round.
 */
import { rm } from 'node:fs/promises';
import { HostSchema } from '../../catalogue/entities/index.js';
import * as runs from '../../catalogue/runs.js';
import { runLogPath } from '../../engine/run-log.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { loadSettings } from '../settings.js';

/** `signal`: stops before the next host (a stopping daemon or TUI does not wait for every host's). */
export async function pruneRuns(app: App, options: { host?: string | undefined; signal?: AbortSignal } = {}): Promise<{ deleted: number }> {
  const em = app.catalogue.em();
  const keep = (await loadSettings(em)).keepRuns;
  const hosts = options.host === undefined ? await em.find(HostSchema, {}) : [await findHost(em, options.host)];
  let deleted = 0;
  for (const host of hosts) {
    if (options.signal?.aborted) break;
    const prunable = await runs.prunableRuns(em, host.id, keep);
    if (prunable.length === 0) continue;
    // The log's path is pobsync's own (logs/<id>.log), never what a row says.
    for (const run of prunable) await rm(runLogPath(app.paths.logs, run.id), { force: true });
    deleted += await runs.deleteRuns(
      em,
      prunable.map((run) => run.id),
    );
  }
  return { deleted };
}
