/**
 * BLAKE2b-512 of files, as coreutils `b2sum` prints it (node's `blake2b512` is the same
 * function). Reads in 1 MiB blocks, synchronously, giving the event loop a turn between blocks
 * of a large file.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

export const HASH_ALGORITHM = 'blake2b512';
const BLOCK = 1 << 20;
const BLOCKS_PER_TURN = 16;

export function newHash() {
  return createHash(HASH_ALGORITHM);
}

/** One read buffer per hasher: a walk hashes thousands of files one after the other. */
export class FileHasher {
  private readonly buffer = Buffer.allocUnsafe(BLOCK);

  /**
   * The hash of the file's bytes, and how many there were. Never follows a symlink. `size`, when
   * the caller knows it (a snapshot's file, which nothing writes to), saves the read that finds
   * the end: a small file is one read.
   */
  async hash(
    path: Buffer | string,
    signal?: AbortSignal,
    onBytes?: (bytes: number) => void,
    size?: number,
  ): Promise<{ hash: string; bytes: number }> {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const hash = newHash();
      let bytes = 0;
      for (let blocks = 1; bytes !== size; blocks += 1) {
        const read = readSync(fd, this.buffer, 0, BLOCK, null);
        if (read === 0) break;
        hash.update(this.buffer.subarray(0, read));
        bytes += read;
        if (blocks % BLOCKS_PER_TURN === 0) {
          signal?.throwIfAborted();
          onBytes?.(bytes);
          await nextTurn();
        }
      }
      return { hash: hash.digest('hex'), bytes };
    } finally {
      closeSync(fd);
    }
  }
}
