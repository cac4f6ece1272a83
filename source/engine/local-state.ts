/**
 * What `doctor` looks at on this server: which tools are there and in which version, and for a
 * directory or file its owner, mode and the free space and inodes of its filesystem.
 */
import { stat, statfs } from 'node:fs/promises';
import { runCommand } from './process.js';

export interface ToolState {
  /** its first line about itself, like "rsync  version 3.2.7  protocol version 31" */
  version: string;
}

/** `command args` run briefly; undefined when it is not installed (or does not run). */
export async function toolState(command: string, args: readonly string[]): Promise<ToolState | undefined> {
  const result = await runCommand(command, args, { timeoutMs: 10_000 }).catch(() => undefined);
  if (!result || result.code === 127 || result.code === null) return undefined;
  const first = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  return { version: first ?? '' };
}

export interface PathState {
  isDirectory: boolean;
  uid: number;
  mode: number;
  space: { freeBytes: number; totalBytes: number; freeInodes: number; totalInodes: number };
}

/** The path's owner and mode and its filesystem's free space; undefined when it does not exist. */
export async function pathState(path: string): Promise<PathState | undefined> {
  const found = await stat(path).catch(() => undefined);
  if (!found) return undefined;
  const fs = await statfs(path);
  return {
    isDirectory: found.isDirectory(),
    uid: found.uid,
    mode: found.mode & 0o7777,
    space: { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize, freeInodes: fs.ffree, totalInodes: fs.files },
  };
}
