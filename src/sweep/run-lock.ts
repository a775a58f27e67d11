/**
 * An exclusive lock on one sweep run folder (`<runs>/<id>.lock`, beside the folder so the folder
 * itself stays an ordinary run folder), so that a job done twice at the same time — a queue
 * re-delivery while the first worker still trains, two `sntk sweep` on one folder — never has two
 * processes writing one run. The lock file holds `{pid, host, since}`; it is stale when its
 * process is gone (same host) or its heartbeat (mtime, touched at every monitored step) is older
 * than `staleMs` (another host). A busy lock is waited for; the waiter then finds the run done.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SntkError } from '../errors.js';

/** A held lock. */
export interface RunLock {
  path: string;
  /** Refreshes the heartbeat. Cost: one utimes call. */
  touch(): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(path: string, staleMs: number): boolean {
  let info: { pid?: number; host?: string };
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; host?: string };
  } catch {
    // half-written by a process that died at once, or removed meanwhile
    return existsSync(path) && Date.now() - statSync(path).mtimeMs > 5000;
  }
  if (info.host === hostname() && typeof info.pid === 'number') return !alive(info.pid);
  try {
    return Date.now() - statSync(path).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Takes the lock at `path`, waiting (polling every `pollMs`) while another live process holds it.
 * `onWait` is called once when it has to wait. Cost: a few file operations per poll.
 */
export async function acquireRunLock(path: string, opts: { staleMs?: number; pollMs?: number; onWait?: (holder: string) => void } = {}): Promise<RunLock> {
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const pollMs = opts.pollMs ?? 500;
  let waited = false;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      return {
        path,
        touch: () => {
          const now = new Date();
          try {
            utimesSync(path, now, now);
          } catch {
            /* removed by a stale-lock breaker: the next acquire will notice */
          }
        },
        release: () => rmSync(path, { force: true }),
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SntkError(`cannot create the run lock ${path}: ${(e as Error).message}`);
    }
    if (isStale(path, staleMs)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!waited) {
      waited = true;
      let holder = 'another process';
      try {
        holder = readFileSync(path, 'utf8');
      } catch {
        /* gone meanwhile */
      }
      opts.onWait?.(holder);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
