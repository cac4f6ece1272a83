import { useEffect, useState } from 'react';
import type { LogIndex } from '../../services/runs/runs.js';
import type { Backend } from '../backend.js';

export interface LogFile {
  /** how many lines the file has; undefined until it is indexed (or while not asked for) */
  lines: number | undefined;
  /** the first line of the window (0-based) */
  start: number;
  /** the window's lines, once read; the last window read while the next one loads */
  shown: readonly string[];
  /** where its lines start, once indexed: for a search of the whole file */
  index: LogIndex | undefined;
  /** a line near the window (read with it), or undefined */
  lineAt(line: number): string | undefined;
}

/** How often the index of a log still being written catches up with what was appended. */
const LIVE_INDEX_MS = 250;

/** Lines read around the window at once, so that scrolling a page does not read the file again. */
const SPARE_PAGES = 4;

/**
 * Any stretch of a finished run's log, read from its file on demand: the file is indexed once
 * (where every thousandth line starts), then only the lines around the window are read. This is
 * how the log view reaches line 1 of a log far longer than the tail it streams. A `live` log (a
 * running run's) is indexed again as it grows, from where its index ended.
 */
export function useLogFile(
  backend: Backend,
  path: string | null | undefined,
  enabled: boolean,
  /** the window's first line; undefined: the end */
  first: number | undefined,
  count: number,
  live = false,
): LogFile {
  const [indexed, setIndexed] = useState<{ path: string; index: LogIndex }>();
  const [read, setRead] = useState<{ path: string; first: number; lines: string[]; size: number; total: number }>();

  useEffect(() => {
    if (!enabled || !path) return;
    let alive = true;
    let timer: NodeJS.Timeout | undefined;
    let last: LogIndex | undefined;
    const index = async () => {
      try {
        const next = await backend.indexLog(path, last);
        if (!alive) return;
        if (next.size !== last?.size || next.lines !== last.lines) setIndexed({ path, index: next });
        last = next;
      } catch {
        // Not there yet (a run just starting): the next look finds it.
      }
      if (alive && (live || !last)) timer = setTimeout(index, LIVE_INDEX_MS);
    };
    void index();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [backend, path, enabled, live]);

  const index = enabled && indexed && indexed.path === path ? indexed.index : undefined;
  const lines = index?.lines;
  const last = Math.max(0, (lines ?? 0) - count);
  const start = Math.max(0, Math.min(last, first ?? last));
  // What was read covers the window, unless the window reaches the last line read then, which may have grown since.
  const covered =
    read !== undefined &&
    read.path === path &&
    start >= read.first &&
    start + count <= read.first + read.lines.length &&
    (read.size === index?.size || start + count < read.total);

  useEffect(() => {
    if (!index || !path || covered) return;
    let alive = true;
    const from = Math.max(0, start - SPARE_PAGES * count);
    backend
      .logLines(path, index, from, (2 * SPARE_PAGES + 1) * count)
      .then((got) => alive && setRead({ path, first: from, lines: got, size: index.size, total: index.lines }))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [backend, path, index, start, count, covered]);

  const shown =
    read && read.path === path ? read.lines.slice(Math.max(0, start - read.first), Math.max(0, start - read.first) + count) : [];
  const lineAt = (line: number) => (read && read.path === path ? read.lines[line - read.first] : undefined);
  return { lines, start, shown, index, lineAt };
}
