/**
 * Issue case 1: two writers into one run folder. A lock file with the owner's pid and host makes
 * the second writer exit 2 naming the owner; a stale lock (owner dead) is taken over; the folder
 * afterwards is a complete run identical to an undisturbed one.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { configFile, expectOneLineFailure, leftovers, snapshot, tinyConfig, tmp, train } from './helpers.js';
import { LOCK_FILE, acquireRunFolderLock, waitForRunFolderLock, withRunFolderLock } from '../../src/util/lock.js';
import { LockError } from '../../src/errors.js';
import { trainRun } from '../../src/train/run.js';

const writeLock = (dir: string, pid: number, host = hostname()) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host, command: 'train', since: '2026-01-01T00:00:00Z' }));

describe('run-folder lock', () => {
  it('a second train (or --resume) into a folder held by a live process exits 2 naming the owner and writes nothing', async () => {
    const cfg = configFile(tinyConfig());
    const dir = tmp();
    const owner = spawn('sleep', ['30']);
    try {
      writeLock(dir, owner.pid!);
      expectOneLineFailure(await train(cfg, dir), 2, new RegExp(`in use by process ${owner.pid} on ${hostname()} \\(train`));
      expect(existsSync(join(dir, 'config.json'))).toBe(false);
      expectOneLineFailure(await train(cfg, dir, '--resume'), 2, /in use by process/);
      // a lock from another host is never taken over (the folder may be on a shared file system)
      writeLock(dir, 1, 'another-host.example');
      expectOneLineFailure(await train(cfg, dir), 2, /in use by process 1 on another-host\.example/);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('a stale lock (its owner was killed) is taken over; the run completes identical to an undisturbed one', async () => {
    const cfg = configFile(tinyConfig());
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    const dir = tmp();
    const dead = spawnSync('true').pid!; // exited: its pid is no longer alive
    writeLock(dir, dead);
    const r = await train(cfg, dir);
    expect(r.code, r.err).toBe(0);
    expect(snapshot(dir)).toEqual(snapshot(ref));
    expect(leftovers(dir)).toEqual([]);
  });

  it('library: trainRun takes the lock itself; withRunFolderLock is re-entrant in one process and released on a throw', async () => {
    const dir = tmp();
    const owner = spawn('sleep', ['30']);
    try {
      writeLock(dir, owner.pid!);
      await expect(trainRun(tinyConfig(), { outDir: dir })).rejects.toBeInstanceOf(LockError);
      expect(() => acquireRunFolderLock(dir)).toThrow(LockError);
    } finally {
      owner.kill('SIGKILL');
    }
    const dir2 = tmp();
    await expect(withRunFolderLock(dir2, async () => {
      expect(existsSync(join(dir2, LOCK_FILE))).toBe(true);
      await withRunFolderLock(dir2, () => trainRun(tinyConfig({ steps: 2 }), { outDir: dir2 }));
      expect(existsSync(join(dir2, LOCK_FILE))).toBe(true); // still held by the outer call
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(existsSync(join(dir2, LOCK_FILE))).toBe(false);
  });

  it('waiting form (sweep jobs): a second job of the same run waits for the first, in this process or another', async () => {
    const dir = tmp();
    const first = await waitForRunFolderLock(dir, { pollMs: 10 });
    const order: string[] = [];
    const waits: string[] = [];
    const second = waitForRunFolderLock(dir, { pollMs: 10, onWait: (h) => waits.push(h) }).then((l) => {
      order.push('second acquired');
      return l;
    });
    await new Promise((r) => setTimeout(r, 60));
    // the job holding the lock still enters it re-entrantly (trainRun takes it again inside)
    await withRunFolderLock(dir, () => order.push('first re-entered'));
    order.push('first released');
    first.release();
    (await second).release();
    expect(order).toEqual(['first re-entered', 'first released', 'second acquired']);
    expect(waits).toEqual([`another task of process ${process.pid}`]);
    expect(leftovers(dir)).toEqual([]);
    // held by a live process on this host: waits, then takes it once that process is gone
    const owner = spawn('sleep', ['30']);
    writeLock(dir, owner.pid!);
    const waits2: string[] = [];
    const third = waitForRunFolderLock(dir, { pollMs: 10, onWait: (h) => waits2.push(h) });
    await new Promise((r) => setTimeout(r, 60));
    expect(waits2).toHaveLength(1);
    expect(waits2[0]).toContain(`"pid":${owner.pid}`);
    owner.kill('SIGKILL');
    (await third).release();
    expect(leftovers(dir)).toEqual([]);
  });

  it('waiting form: another host\'s lock is waited for while its heartbeat is fresh and broken once it is older than staleMs', async () => {
    const dir = tmp();
    writeLock(dir, 1, 'another-host.example');
    const file = join(dir, LOCK_FILE);
    let waited = 0;
    let acquired = false;
    const p = waitForRunFolderLock(dir, { pollMs: 10, staleMs: 60_000, onWait: () => waited++ }).then((l) => {
      acquired = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 80));
    expect(waited).toBe(1);
    expect(acquired).toBe(false);
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    const lock = await p;
    expect(acquired).toBe(true);
    // our heartbeat refreshes the modification time
    utimesSync(file, old, old);
    lock.touch();
    const { statSync } = await import('node:fs');
    expect(Date.now() - statSync(file).mtimeMs).toBeLessThan(60_000);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });
});
