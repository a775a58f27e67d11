/**
 * Queue overhead per sweep job: the same 16 tiny runs (pitchfork N = 6, T = 20, B = 4, 2 steps, no
 * monitor, no report) through the local pool with one worker process (baseline) and through a
 * BullMQ queue on a private redis-server (127.0.0.1, free port, no persistence) with one queue
 * worker, in the same run. Both paths train in the same kind of worker process, so the difference
 * per job is what the queue adds (enqueue, pickup, lock, completion, the producer's 100 ms poll).
 * Skipped with a note when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, parseSweepFile, runLocalSweep, runQueueSweep, runQueueWorker } from '../src/sweep/index.js';
import type { BenchResult } from './types.js';

export const name = 'sweep-queue';

const JOBS = 16;

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((res, rej) => {
    let log = '';
    p.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) res();
    });
    p.once('exit', (c) => rej(new Error(`redis-server exited (${c})`)));
  });
  return p;
}

export async function run(): Promise<BenchResult[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    process.stderr.write('sweep-queue: redis-server is not installed; skipped\n');
    return [];
  }
  const runs = expandSweep(
    parseSweepFile({
      base: { steps: 2, task: { name: 'pitchfork', hiddenSize: 6, T: 20, B: 4 }, monitor: { enabled: false } },
      axes: { 'optimizer.learningRate': { linspace: [0.1, 1, JOBS] } },
    }),
  );
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = await startRedis(port);
  const tmp = mkdtempSync(join(tmpdir(), 'sntk-bench-sweep-'));
  try {
    let t0 = performance.now();
    await runLocalSweep(runs, join(tmp, 'local'), { workers: 1, report: false });
    const local = (performance.now() - t0) / 1000;
    let release!: () => void;
    const stop = new Promise<void>((r) => (release = r));
    const worker = runQueueWorker({ url, queueName: 'bench', stop });
    t0 = performance.now();
    await runQueueSweep(runs, join(tmp, 'queue'), { url, queueName: 'bench', report: false, pollMs: 100 });
    const queue = (performance.now() - t0) / 1000;
    release();
    await worker;
    return [
      {
        case: `${JOBS} tiny runs, 1 worker: queue vs local pool`,
        seconds: queue,
        baselineSeconds: local,
        ratio: local / queue,
        extra: { jobs: JOBS, queueOverheadPerJobMs: ((queue - local) / JOBS) * 1000, localSecondsPerJob: local / JOBS },
      },
    ];
  } finally {
    redis.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
}
