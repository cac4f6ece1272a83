/**
 * Child processes end when pobsync says so, and when pobsync dies: no signal to a process that
 * is gone, SIGKILL for one that ignores SIGTERM, and a local dump's whole process group killed
 * when pobsync is killed with SIGKILL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcess, stopOnAbort } from '../../source/engine/process.js';
import { setUpGlobal, setUpHost, type Workspace, waitFor, workspace, writeTree } from '../helpers/pobsync.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function processesMatching(pattern: RegExp): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return (
          !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') &&
          pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('child processes', () => {
  it('can be stopped after they exited, by a late abort or kill, without an error', async () => {
    const child = startProcess('true', []);
    expect((await child.exit).code).toBe(0);
    const controller = new AbortController();
    stopOnAbort(child, controller.signal);
    controller.abort('cancelled');
    await child.kill('SIGTERM');
    await child.stop(100);
  });

  it('get SIGKILL when they ignore SIGTERM for the grace period', async () => {
    // exec: one process that ignores SIGTERM (sleep inherits the ignored signal). With sh still
    // waiting for a child, sh could exit 137 on the child's SIGKILL before its own arrived.
    const child = startProcess('sh', ['-c', 'trap "" TERM; echo ready; exec sleep 30']);
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    await child.stop(500);
    expect((await child.exit).signal).toBe('SIGKILL');
  });

  it('take a local dump command and everything it started down when pobsync is killed', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpGlobal(ws);
    // A pipeline, as pg_dump | gzip would be: two processes besides the shell.
    await setUpHost(ws, 'self', { address: 'local', sources: [ws.source], dumps: ['slow.txt=sleep 301.5 | sleep 302.5'] });
    const backup = ws.start(['backup', 'self']);
    await waitFor('the dump to run', () => processesMatching(/^sleep 30[12]\.5/).length === 2);
    backup.kill('SIGKILL');
    await waitFor('the dump to be gone', () => processesMatching(/^sleep 30[12]\.5/).length === 0, 15_000);
  });
});
