/**
 * Writing a file that others read while it changes (node_exporter's textfile collector): into a
 * temporary file next to it, then rename(2) over it, so a reader sees the old or the new file,
 * never half of one.
 */
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomically(path: string, content: string, mode = 0o644): Promise<void> {
  // node_exporter reads only *.prom files: the temporary name must not end in .prom.
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, content, { mode });
    // pobsync's umask is 077; a file another service reads gets its mode explicitly.
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
