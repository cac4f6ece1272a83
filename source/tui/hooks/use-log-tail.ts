import { useEffect, useRef, useState } from 'react';
import type { Backend } from '../backend.js';
import { LogBuffer } from '../log-buffer.js';

const READ_INTERVAL_MS = 100;
/** React hears of new lines at most this often, however fast rsync writes. */
const FLUSH_INTERVAL_MS = 100;

/**
 * Tails a run's log file from its end into a LogBuffer (outside React), and re-renders at most
 * ten times a second with its current version. Switching runs starts a new tail.
 */
export function useLogTail(backend: Backend, logPath: string | null | undefined, live: boolean): LogBuffer {
  const buffer = useRef(new LogBuffer());
  const [, setRenders] = useState(0);

  useEffect(() => {
    buffer.current = new LogBuffer();
    setRenders((count) => count + 1);
    if (!logPath) return;
    let alive = true;
    let offset = -1;
    let readTimer: NodeJS.Timeout | undefined;
    let shown = 0;
    const read = async () => {
      try {
        // Read on until caught up, then wait; a stopped run is read once.
        for (;;) {
          const chunk = await backend.readLog(logPath, offset);
          if (!alive) return;
          // The first read is the file's tail: did it begin after the file's start?
          if (offset < 0 && chunk.offset > Buffer.byteLength(chunk.text)) buffer.current.startCut = true;
          offset = chunk.offset;
          if (!chunk.text) break;
          buffer.current.push(chunk.text);
        }
      } catch {
        // The file may not exist yet (a run that is just starting): try again.
      }
      if (alive && (live || offset < 0)) readTimer = setTimeout(read, READ_INTERVAL_MS);
    };
    void read();
    const flush = setInterval(() => {
      if (buffer.current.version !== shown) {
        shown = buffer.current.version;
        setRenders((count) => count + 1);
      }
    }, FLUSH_INTERVAL_MS);
    return () => {
      alive = false;
      clearTimeout(readTimer);
      clearInterval(flush);
    };
  }, [backend, logPath, live]);

  return buffer.current;
}
