/**
 * Who holds a lock: a pid alone is not enough, pids are reused. The pid's start time (in
 * clock ticks since boot, from /proc) and the boot id pin it to one process that ever lived.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { serverName } from './server-name.js';

export interface ProcessIdentity {
  pid: number;
  /** the machine's hostname: a pid means nothing on another machine */
  node: string;
  /** `<boot id>:<start ticks>`, or null where /proc cannot tell */
  pidStart: string | null;
  /** the pobsync server it belongs to (several may share one catalogue) */
  server: string;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, node: hostname(), pidStart: startOf(process.pid), server: serverName() };
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/** Whether the process that wrote `identity` still runs. Another machine's process: unknown. */
export function liveness(identity: { pid?: number | null; node?: string | null; pidStart?: string | null }): Liveness {
  if (!identity.pid || identity.node !== hostname()) return 'unknown';
  const start = startOf(identity.pid);
  if (start === null) return 'dead';
  return !identity.pidStart || identity.pidStart === start ? 'alive' : 'dead';
}

function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 is the start time; the command name (field 2) may contain spaces, so count after ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${bootId()}:${fields[19]}`;
  } catch {
    return null;
  }
}

let cachedBootId: string | undefined;
function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}
