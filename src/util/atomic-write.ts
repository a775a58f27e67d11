/**
 * The one module through which sntk writes files (models, arrays, checkpoints, metrics, reports).
 *
 * - Atomic writes: the data go to a temporary file in the same folder, then a rename replaces the
 *   target, so a reader — or a resumed run after an interruption — never sees half a file. Only
 *   regular files (or new paths) are ever replaced: a device, FIFO, socket or folder at the target
 *   is refused before anything is written (`assertWritableFile`, to be called before long work).
 * - Appends (JSONL logs): on failure the file is cut back to its previous length, so a full disk
 *   never leaves a torn line behind.
 * - OS errors become a `FileSystemError` naming the path and the cause: ENOTDIR, EACCES/EPERM,
 *   EROFS, EISDIR, EEXIST (exit code 2: the path is wrong) or ENOSPC/EDQUOT/EIO (environment
 *   faults, exit code 1); the folder is left as it was (temporary files removed).
 * - `removeStaleTemps` deletes the temporary files a killed writer left in a folder.
 * Node-only.
 */
import {
  appendFileSync,
  closeSync,
  openSync,
  writeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileSystemError, SntkError } from '../errors.js';

let counter = 0;

/**
 * A fault to inject into writes (tests and the soak script only): called before each write with
 * the target path and the text or bytes; it may throw (e.g. an ENOSPC error) and, for appends,
 * write part of the data first, as a full disk does. `null` removes it.
 */
export type WriteFault = (path: string, data: Uint8Array | string, kind: 'write' | 'append') => void;
let fault: WriteFault | null = null;

/** Installs (or with null removes) a `WriteFault`. For fault-injection tests only. */
export function injectWriteFault(f: WriteFault | null): void {
  fault = f;
}

const CAUSES: Record<string, [string, boolean]> = {
  ENOSPC: ['no space left on the device', true],
  EDQUOT: ['disk quota exceeded', true],
  EIO: ['input/output error', true],
  EFBIG: ['file too large for the file system', true],
  EACCES: ['permission denied', false],
  EPERM: ['operation not permitted', false],
  EROFS: ['read-only file system', false],
  ENOTDIR: ['a part of the path is a file, not a folder', false],
  EISDIR: ['is a folder', false],
  EEXIST: ['a file is in the way', false],
  ENOENT: ['no such folder', false],
  ENAMETOOLONG: ['name too long', false],
};

/**
 * Turns an OS error from writing `path` into a `FileSystemError` (see the module comment for the
 * codes and exit codes); sntk's own errors pass through unchanged. Cost O(1).
 */
export function toFileSystemError(err: unknown, path: string, action = 'write'): SntkError {
  if (err instanceof SntkError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? null;
  const cause = code ? CAUSES[code] : undefined;
  const what = cause ? `${cause[0]} (${code})` : ((err as Error)?.message ?? String(err));
  const hint = cause?.[1] ? '; free space and run again (a training run continues with --resume)' : '';
  return new FileSystemError(`cannot ${action} ${path}: ${what}${hint}`, code, cause?.[1] ?? false);
}

/** The file a write to `path` lands on: the target of a symbolic link, else `path`. */
function resolveTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    /* a dangling link or a missing path: written as it is */
  }
  return path;
}

/**
 * Throws FileSystemError unless `path` can be replaced by an atomic write: it is a regular file or
 * does not exist, and no part of its folder path is a file. Call before long work so that a bad
 * `--out` fails at once. Cost: a few stat calls.
 */
export function assertWritableFile(path: string): void {
  const target = resolveTarget(path);
  let st;
  try {
    st = statSync(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return assertWritableFolder(dirname(target));
    throw toFileSystemError(err, path);
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a folder' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new FileSystemError(`cannot write ${path}: it is ${kind}; sntk only replaces regular files`, 'ENOTREG');
  }
}

/**
 * Throws FileSystemError unless `dir` is a folder or can be created (its nearest existing ancestor
 * is a folder). Creates nothing. Cost: a few stat calls.
 */
export function assertWritableFolder(dir: string): void {
  let p = dir;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw toFileSystemError(err, dir, 'create folder');
      const up = dirname(p);
      if (up === p) return;
      p = up;
      continue;
    }
    if (!st.isDirectory()) {
      throw new FileSystemError(p === dir ? `cannot use ${dir} as a folder: it is a file` : `cannot create folder ${dir}: ${p} is a file, not a folder`, 'ENOTDIR');
    }
    return;
  }
}

/** Creates `dir` (and its parents) if needed; FileSystemError naming it on failure. */
export function ensureFolder(dir: string): void {
  assertWritableFolder(dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw toFileSystemError(err, dir, 'create folder');
  }
}

/**
 * Writes `data` (bytes, text, or a list of byte chunks written in turn without concatenating them)
 * to `path` atomically, creating the folder if needed. A target that is not a
 * regular file is refused; OS errors become a FileSystemError naming the path (the temporary file
 * is removed). Cost O(size).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  assertWritableFile(path);
  const target = resolveTarget(path);
  const dir = dirname(target);
  ensureFolder(dir);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${(counter++).toString(36)}.tmp`);
  try {
    if (Array.isArray(data)) {
      // chunks (e.g. a header and a view of a large array) are written in turn, never concatenated
      const fd = openSync(tmp, 'w');
      try {
        for (const chunk of data as readonly Uint8Array[]) {
          fault?.(path, chunk, 'write');
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        }
      } finally {
        closeSync(fd);
      }
    } else {
      fault?.(path, data as Uint8Array | string, 'write');
      writeFileSync(tmp, data as Uint8Array | string);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the temporary file may not exist */
    }
    throw toFileSystemError(err, path);
  }
}

/**
 * Appends `text` to `path` (a log such as metrics.jsonl). On failure the file is cut back to its
 * previous length (no torn line) and a FileSystemError is thrown. Cost O(size of text).
 */
export function appendFileChecked(path: string, text: string): void {
  let before = 0;
  try {
    before = existsSync(path) ? statSync(path).size : 0;
    fault?.(path, text, 'append');
    appendFileSync(path, text);
  } catch (err) {
    try {
      if (existsSync(path)) truncateSync(path, before);
    } catch {
      /* best effort: a resume cuts a torn last line anyway */
    }
    throw toFileSystemError(err, path);
  }
}

/** Temporary files of `writeFileAtomic`: `.<name>.<pid>.<counter>.tmp`. */
const TEMP_RE = /^\..+\.(\d+)\.[0-9a-z]+\.tmp$/;

/** True when process `pid` is alive on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that interrupted writers (processes no longer alive, or this one
 * when `includeOwn`) left in `dir`; returns their names. Cost O(files in dir).
 */
export function removeStaleTemps(dir: string, includeOwn = false): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMP_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid ? !includeOwn : processAlive(pid)) continue;
    try {
      rmSync(join(dir, name), { force: true });
      removed.push(name);
    } catch (err) {
      throw toFileSystemError(err, join(dir, name), 'remove');
    }
  }
  return removed;
}
