import { useEffect, useRef, useState } from 'react';
import { errorText } from '../components/chrome.js';

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** fetch again now (after an action changed something) */
  refresh(): void;
}

/**
 * Calls `load` now and every `intervalMs` while mounted, never two at once, and again when a
 * dependency changes. The last good result stays on screen while the next one loads.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[], initial?: T): Polled<T> {
  const [data, setData] = useState<T | undefined>(initial);
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps say when to load again; `load` itself is read through a ref
  useEffect(() => {
    let alive = true;
    let timer: NodeJS.Timeout | undefined;
    const run = async () => {
      try {
        const result = await loadRef.current();
        if (alive) {
          setData(result);
          setError(undefined);
        }
      } catch (failure) {
        if (alive) setError(errorText(failure));
      }
      if (alive) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [intervalMs, tick, ...deps]);

  return { data, error, refresh: () => setTick((value) => value + 1) };
}
