import { useEffect, useRef, useState } from 'react';
import { errorText } from '../components/chrome.js';

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** fetch again now (after an action changed something) */
  refresh(): void;
}

export interface PollOptions<T> {
  /** what to show before the first load */
  initial?: T | undefined;
  /** false: no loading (a tab not on screen); what was loaded stays */
  enabled?: boolean;
  /**
   * A cheap look at whether anything `load` reads may have changed (the catalogue's version):
   * while it says the same, `load` runs only every `maxAgeMs` (for what changes with time alone).
   */
  version?: () => Promise<unknown>;
  maxAgeMs?: number;
}

/** Loads at most this far apart while the version stays the same: ages, staleness and the lease change with time alone. */
export const MAX_AGE_MS = 30_000;

/**
 * After this many polls in a row found the version unchanged, the poll looks only every
 * QUIET_FACTOR intervals, until it changes: an idle screen costs a third of the probes.
 */
const QUIET_POLLS = 10;
const QUIET_FACTOR = 3;

/**
 * Calls `load` now and every `intervalMs` while enabled, never two at once, and again when a
 * dependency changes. The last good result stays on screen while the next one loads, and while
 * disabled. A result equal to the one shown is dropped: a poll that finds nothing new does not
 * render again. With a `version`, a poll whose version is unchanged does not even load, and a
 * version unchanged for QUIET_POLLS polls is looked at less often.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[], options: PollOptions<T> = {}): Polled<T> {
  const [data, setData] = useState<T | undefined>(options.initial);
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const versionRef = useRef(options.version);
  versionRef.current = options.version;
  const shown = useRef(options.initial);
  const failed = useRef<string>(undefined);
  const enabled = options.enabled ?? true;
  const maxAgeMs = options.maxAgeMs ?? MAX_AGE_MS;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps say when to load again; `load` itself is read through a ref
  useEffect(() => {
    if (!enabled) return;
    let alive = true;
    let timer: NodeJS.Timeout | undefined;
    /** the version the data on screen was loaded at, and when; none yet in this effect: load */
    let loaded: { version: unknown; at: number } | undefined;
    /** polls in a row that found the version unchanged */
    let quiet = 0;
    const run = async () => {
      try {
        // A version that cannot be read is no reason not to load: loading says what is wrong, if anything.
        const version = versionRef.current ? await versionRef.current().catch(() => undefined) : undefined;
        const current =
          loaded !== undefined && version !== undefined && Object.is(version, loaded.version) && Date.now() - loaded.at < maxAgeMs;
        quiet = loaded !== undefined && version !== undefined && Object.is(version, loaded.version) ? quiet + 1 : 0;
        if (!current && alive) {
          const result = await loadRef.current();
          loaded = { version, at: Date.now() };
          if (alive) {
            if (!sameValue(result, shown.current)) {
              shown.current = result;
              setData(result);
            }
            if (failed.current !== undefined) {
              failed.current = undefined;
              setError(undefined);
            }
          }
        }
      } catch (failure) {
        if (alive) {
          failed.current = errorText(failure);
          setError(failed.current);
        }
      }
      if (alive) timer = setTimeout(run, quiet >= QUIET_POLLS ? intervalMs * QUIET_FACTOR : intervalMs);
    };
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [intervalMs, maxAgeMs, enabled, tick, ...deps]);

  return { data, error, refresh: () => setTick((value) => value + 1) };
}

/** Deep equality of what a service returns (plain objects, arrays, dates, primitives); anything else only when identical. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameValue(item, b[index]));
  }
  const plain = (value: object) => {
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
  };
  if (!plain(a) || !plain(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
