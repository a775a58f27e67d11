/**
 * An exclusive lock per run folder, so that two writers (two `sntk train` into one `--out`, a
 * `--resume` while the run is live, a `report` during a run) never mix their files.
 *
 * The lock is the file `<dir>/.sntk.lock` holding `{pid, host, command, since}`. It is created
 * complete in one step (written to a temporary file, then hard-linked to its name: the link fails
 * when the lock exists), so a crash never leaves half a lock. A lock whose owner is on this host
 * and no longer alive (a `kill -9`, a power cut) is stale and taken over; a lock held by a live
 * process, or by another host (the folder is on a shared file system), is refused with a
 * `LockError` naming the owner. Locks are re-entrant within a process: `sntk train` holds its
 * folder's lock around `trainRun` (which takes it too) and the report. A folder the lock created
 * is removed again when the work fails before writing anything into it.
 *
 * Sweep workers use the waiting form, `waitForRunFolderLock`: a job delivered twice at the same
 * time (a queue re-delivery while the first worker still trains) waits for the first to finish
 * instead of failing, and keeps the lock's modification time fresh as a heartbeat so that a lock
 * left by a dead worker on another host goes stale. Node-only.
 */
import { existsSync, linkSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LockError } from '../errors.js';
import { ensureFolder, processAlive, toFileSystemError } from './atomic-write.js';

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = '.sntk.lock';

/** What the lock file records about its owner. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** Locks this process holds: folder → nesting depth. */
const held = new Map<string, number>();
/** Locks whose folder was created when they were taken. */
const createdHere = new Set<string>();
let exitHook = false;

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string') return { pid: o.pid, host: o.host, command: String(o.command ?? '?'), since: String(o.since ?? '?') };
  } catch {
    /* unreadable: treated below */
  }
  return null;
}

function keyOf(dir: string): string {
  return join(dir, LOCK_FILE);
}

/**
 * Takes the lock of run folder `dir` (created if needed) for this process; re-entrant. Throws
 * LockError naming the owner when another live process holds it; replaces a stale lock (owner on
 * this host and dead, or an unreadable lock file). Returns a release function. Cost: a few file
 * operations.
 */
export function acquireRunFolderLock(dir: string, command = process.argv.slice(2, 3).join(' ') || 'sntk'): () => void {
  const file = keyOf(dir);
  const depth = held.get(file);
  if (depth !== undefined) {
    held.set(file, depth + 1);
    return () => release(file);
  }
  const created = !existsSync(dir);
  ensureFolder(dir);
  const me: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + '\n');
  } catch (err) {
    throw toFileSystemError(err, tmp);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toFileSystemError(err, file, 'lock');
      }
      const owner = readOwner(file);
      const stale = owner === null || (owner.host === me.host && (owner.pid === process.pid || !processAlive(owner.pid)));
      if (!stale || attempt >= 3) {
        const who = owner ? `process ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.since})` : 'another process';
        throw new LockError(`${dir} is in use by ${who}; wait for it to finish, or use another folder (remove ${file} only if that process is gone)`);
      }
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  held.set(file, 1);
  if (created) createdHere.add(file);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const f of held.keys()) rmSync(f, { force: true });
    });
  }
  return () => release(file);
}

function release(file: string): void {
  const depth = held.get(file);
  if (depth === undefined) return;
  if (depth > 1) {
    held.set(file, depth - 1);
    return;
  }
  held.delete(file);
  // Remove only our own lock (a user may have removed it and another process taken it).
  const owner = readOwner(file);
  if (owner && owner.pid === process.pid && owner.host === hostname()) rmSync(file, { force: true });
  // a folder the lock created and nothing was written to (the work failed before its first file) goes too
  if (createdHere.delete(file)) {
    const dir = dirname(file);
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      /* left as it is */
    }
  }
}

/**
 * Runs `fn` holding the lock of run folder `dir` (see `acquireRunFolderLock`), releasing it when
 * `fn` settles. The library API for every writer of a run folder (train, resume, demo, report,
 * sweeps). Cost: that of `fn` plus a few file operations.
 */
export async function withRunFolderLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const releaseLock = acquireRunFolderLock(dir);
  try {
    return await fn();
  } finally {
    releaseLock();
  }
}

/** A lock taken by `waitForRunFolderLock`. */
export interface HeldRunFolderLock {
  /** The lock file. */
  path: string;
  /** Refreshes the heartbeat (the lock file's modification time). Cost: one utimes call. */
  touch(): void;
  release(): void;
}

/** Options of `waitForRunFolderLock`. */
export interface WaitForLockOptions {
  /** A lock owned by another host whose heartbeat is older than this is stale (default 10 min). */
  staleMs?: number;
  /** Poll interval while waiting (default 500 ms). */
  pollMs?: number;
  /** Called once, with a description of the owner, when the lock is busy and this call waits. */
  onWait?: (holder: string) => void;
  /** Recorded as the owner's command. */
  command?: string;
}

/** True when `file` is a lock of another host whose heartbeat is older than `staleMs`. */
function staleForeignLock(file: string, staleMs: number): boolean {
  const owner = readOwner(file);
  if (owner === null || owner.host === hostname()) return false;
  try {
    return Date.now() - statSync(file).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Takes the lock of run folder `dir` like `acquireRunFolderLock`, but waits (polling every
 * `pollMs`) while another process, or another task of this process, holds it, instead of
 * throwing; a lock of another host whose heartbeat is older than `staleMs` is broken. Not
 * re-entrant: use it once per unit of work (a sweep job), with `withRunFolderLock` inside.
 * Cost: a few file operations per poll.
 */
export async function waitForRunFolderLock(dir: string, opts: WaitForLockOptions = {}): Promise<HeldRunFolderLock> {
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const pollMs = opts.pollMs ?? 500;
  const file = keyOf(dir);
  let waited = false;
  for (;;) {
    if (!held.has(file)) {
      try {
        const releaseLock = acquireRunFolderLock(dir, opts.command);
        return {
          path: file,
          touch: () => {
            const now = new Date();
            try {
              utimesSync(file, now, now);
            } catch {
              /* removed by a stale-lock breaker: the owner check at release notices */
            }
          },
          release: releaseLock,
        };
      } catch (err) {
        if (!(err instanceof LockError)) throw err;
        if (staleForeignLock(file, staleMs)) {
          rmSync(file, { force: true });
          continue;
        }
      }
    }
    if (!waited) {
      waited = true;
      const owner = held.has(file) ? null : readOwner(file);
      opts.onWait?.(owner ? JSON.stringify(owner) : held.has(file) ? `another task of process ${process.pid}` : 'another process');
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
