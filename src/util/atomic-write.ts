/**
 * Atomic file writes for everything sntk saves (models, arrays, checkpoints, reports): the data go
 * to a temporary file in the same folder, then a rename replaces the target, so a reader — or a
 * resumed run after an interruption — never sees half a file. Node-only.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SntkError } from '../errors.js';

let counter = 0;

/**
 * Writes `data` to `path` atomically, creating the folder if needed. OS errors become an
 * `SntkError` naming the path (the temporary file is removed). Cost O(size).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${(counter++).toString(36)}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the temporary file may not exist */
    }
    throw new SntkError(`cannot write ${path}: ${(err as Error).message}`);
  }
}
