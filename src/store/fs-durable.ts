// Small durable-filesystem helpers: the store's atomicity rests on fsync of files and of their folders.
import { closeSync, fsyncSync, openSync, constants } from 'node:fs';

/** fsync a directory so a rename or unlink inside it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
