/**
 * Queue mode on a private redis-server (127.0.0.1, a free port, no persistence): two queue workers
 * give run folders identical to the local pool's; a worker killed mid-job has its job re-delivered
 * and the run resumed to an identical folder; a Redis restart mid-sweep (which loses the queue)
 * does not stop the sweep; a job that throws is failed with its message while the rest complete.
 * Skipped, saying so, only when redis-server is not installed (CI installs it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocalSweep } from '../../src/sweep/local-pool.js';
import { runQueueSweep, runQueueWorker, type QueueWorkerStats } from '../../src/sweep/queue.js';
import { runDir } from '../../src/sweep/execute.js';
import { freePort, haveRedis, midRun, runFingerprint, spawnCli, startRedis, stopProcess, tempDir, tinyRuns, waitFor } from './helpers.js';

const available = haveRedis();
if (!available) console.warn('test/sweep/queue.test.ts: redis-server is not installed (apt-get install redis-server): queue tests skipped');

const runs = tinyRuns();
const ref = tempDir('queue-ref');
let port = 0;
let url = '';
let redis: ChildProcess | null = null;

/** In-process queue workers on `queue`, stopped by the returned function. */
function startWorkers(n: number, queueName: string): { stop: () => Promise<QueueWorkerStats[]> } {
  let release!: () => void;
  const stop = new Promise<void>((r) => (release = r));
  const ws = Array.from({ length: n }, () => runQueueWorker({ url, queueName, lockMs: 2000, stop }));
  return {
    stop: async () => {
      release();
      return Promise.all(ws);
    },
  };
}

function expectSameFolders(out: string, ids: string[]): void {
  for (const id of ids) {
    const a = runFingerprint(runDir(out, id));
    const b = runFingerprint(runDir(ref, id));
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(b)) expect(a[k], `${id}/${k}`).toBe(b[k]);
  }
}

describe.skipIf(!available)('queue mode (BullMQ on a local redis-server)', { timeout: 400_000 }, () => {
  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port);
    const out = await runLocalSweep(runs, ref, { workers: 2, report: false });
    expect([...out.values()].every((o) => o.ok)).toBe(true);
  }, 400_000);
  afterAll(async () => {
    await stopProcess(redis);
  });

  it('two queue workers give the same run folders as the local pool', async () => {
    const out = tempDir('queue-2w');
    const w = startWorkers(2, 'q-same');
    const res = await runQueueSweep(runs, out, { url, queueName: 'q-same', report: false, pollMs: 200 });
    const stats = await w.stop();
    expect([...res.values()].every((o) => o.ok)).toBe(true);
    expect(stats.reduce((s, x) => s + x.completed, 0)).toBe(4);
    expect(stats.every((s) => s.completed >= 1)).toBe(true); // both took jobs
    expectSameFolders(out, runs.map((r) => r.id));
    // a second producer on the finished folder does nothing: every run is skipped, no job is added
    const again = await runQueueSweep(runs, out, { url, queueName: 'q-same', report: false });
    expect([...again.values()].every((o) => o.ok && o.execution === null)).toBe(true);
  });

  it('a worker killed mid-job: the job is re-delivered and the run folder ends identical', async () => {
    const out = tempDir('queue-kill');
    const target = runs[2]!;
    const killed = spawnCli(['worker', '--queue', url, '--queue-name', 'q-kill', '--lock-ms', '2000', '--quiet']);
    let exited = false;
    killed.once('exit', () => (exited = true));
    const sweep = runQueueSweep([target], out, { url, queueName: 'q-kill', report: false, pollMs: 200 });
    await waitFor(() => midRun(runDir(out, target.id), 4) || exited, 120000, 'the first checkpoint');
    expect(exited).toBe(false);
    await stopProcess(killed, 'SIGKILL');
    expect(existsSync(join(runDir(out, target.id), 'summary.json'))).toBe(false);
    const w = startWorkers(1, 'q-kill');
    const res = await sweep;
    await w.stop();
    expect(res.get(target.id)!.ok).toBe(true);
    const summary = JSON.parse(readFileSync(join(runDir(out, target.id), 'summary.json'), 'utf8')) as { resumedFrom: number | null };
    expect(summary.resumedFrom).toBeGreaterThanOrEqual(4);
    expectSameFolders(out, [target.id]);
  });

  it('Redis restarted mid-sweep (queue lost): the sweep completes with identical folders', async () => {
    const out = tempDir('queue-restart');
    const w = startWorkers(1, 'q-restart');
    const sweep = runQueueSweep(runs, out, { url, queueName: 'q-restart', report: false, pollMs: 200 });
    await waitFor(() => existsSync(join(runDir(out, runs[0]!.id), 'summary.json')), 120000, 'the first run');
    await stopProcess(redis, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    redis = await startRedis(port);
    const res = await sweep;
    await w.stop();
    expect([...res.values()].every((o) => o.ok)).toBe(true);
    expectSameFolders(out, runs.map((r) => r.id));
  });

  it('a job that throws is failed with its message; the rest complete', async () => {
    const out = tempDir('queue-throw');
    const bad = runs[1]!;
    mkdirSync(runDir(out, bad.id), { recursive: true });
    writeFileSync(join(runDir(out, bad.id), 'checkpoint-8.json'), '{ truncated');
    const w = startWorkers(2, 'q-throw');
    const res = await runQueueSweep(runs, out, { url, queueName: 'q-throw', report: false, pollMs: 200 });
    await w.stop();
    const o = res.get(bad.id)!;
    expect(o.ok).toBe(false);
    expect(!o.ok && o.message).toMatch(/no valid checkpoint .*checkpoint-8\.json not valid JSON/);
    for (const r of runs) if (r.id !== bad.id) expect(res.get(r.id)!.ok).toBe(true);
    expectSameFolders(out, runs.filter((r) => r.id !== bad.id).map((r) => r.id));
  });
});
