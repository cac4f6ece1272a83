/** Looking at files and processes from outside pobsync: content hashes, bit rot, memory high-water marks. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The SHA-256 of a file, read as a stream (dumps of 50 MB). */
export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** The peak resident memory of a running process, from the kernel's high-water mark. */
export function peakMemory(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line!)![1]) * 1024;
}

/**
 * Flips one bit of a file in place and puts its times back to the nanosecond (touch -r): bit rot,
 * as a disk would do it, which neither the size nor the time gives away.
 */
export function flipByte(path: string, offset: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-times-'));
  try {
    const reference = join(dir, 'times');
    execFileSync('touch', ['-r', path, reference]);
    const fd = openSync(path, 'r+');
    try {
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, offset);
      byte[0] = byte[0]! ^ 0x10;
      writeSync(fd, byte, 0, 1, offset);
    } finally {
      closeSync(fd);
    }
    execFileSync('touch', ['-r', reference, path]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
