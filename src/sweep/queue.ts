/**
 * Queue mode: runs on a BullMQ queue in an existing Redis server, taken by `sntk worker` processes
 * on any number of machines. **Workers need the sweep folder on a shared file system**: a job
 * carries the absolute run folder path and the worker writes the run folder there (nothing is
 * uploaded through Redis besides a short status). The producer (`sntk sweep --queue`) watches the
 * folder and the jobs: a run is done when its `summary.json` is in the folder.
 *
 * At-least-once made safe: a job's id is `<folder hash>-<run id>`; a worker killed mid-job leaves
 * checkpoints, BullMQ's stalled-job check re-delivers the job (lock `lockMs`), and the next worker
 * resumes the run bit-identically; a run done twice is skipped by its `summary.json`, and two
 * workers on one run at once are serialised by the run lock. Redis losing its data (a restart
 * without persistence) only loses queue entries: the producer re-adds every job of an unfinished
 * run that is no longer in the queue. Retries: a crash or timeout is retried (`attempts`), a run
 * that throws an input error fails at once with its message; the per-job time limit kills the run's
 * process (its checkpoints stay).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import { SntkError } from '../errors.js';
import type { SweepRun } from './expand.js';
import { finishedSummary, runDir } from './execute.js';
import type { SweepCounts, SweepOutcomes } from './local-pool.js';
import { bullConnection, probeRedis } from './redis.js';
import { RunFailedError, RunnerChild } from './runner.js';

/** Default queue name. */
export const DEFAULT_QUEUE_NAME = 'sntk-sweep';

/** What a job carries. */
export interface SweepJobData {
  id: string;
  config: unknown;
  /** Absolute run folder path (on the shared file system). */
  dir: string;
  report: boolean;
  /** Per-job time limit (ms), or null. */
  timeoutMs: number | null;
}

/** What a finished job returns (kept in Redis): where and how it ran. */
export interface SweepJobResult {
  host: string;
  pid: number;
  action: string;
  status: string;
}

/** The BullMQ job id of run `id` of the sweep folder `out` (stable). */
export function sweepJobId(out: string, id: string): string {
  return `${createHash('sha256').update(resolve(out)).digest('hex').slice(0, 8)}-${id}`;
}

/** Options of `runQueueSweep`. */
export interface QueueSweepOptions {
  url: string;
  queueName?: string;
  /** Retries after a crash, stall or timeout (default 2). */
  retries?: number;
  timeoutMs?: number;
  report?: boolean;
  /** Poll period of the producer (default 500 ms). */
  pollMs?: number;
  onUpdate?: (c: SweepCounts) => void;
}

/**
 * The producer: puts every unfinished run on the queue and waits until each is finished in the
 * folder or its job failed. Throws UsageError when Redis is unreachable at the start; later
 * outages are waited out. Cost: the sweep's training on the workers plus O(runs) Redis calls per poll.
 */
export async function runQueueSweep(runs: readonly SweepRun[], out: string, opts: QueueSweepOptions): Promise<SweepOutcomes> {
  await probeRedis(opts.url);
  const outcomes: SweepOutcomes = new Map();
  const counts: SweepCounts = { total: runs.length, done: 0, skipped: 0, running: 0, failed: 0, retried: 0 };
  const pending: SweepRun[] = [];
  for (const run of runs) {
    if (finishedSummary(runDir(out, run.id), run.config)) {
      outcomes.set(run.id, { ok: true, execution: null });
      counts.done++;
      counts.skipped++;
    } else pending.push(run);
  }
  opts.onUpdate?.({ ...counts });
  if (!pending.length) return outcomes;
  const queue = new Queue<SweepJobData, SweepJobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: bullConnection(opts.url) });
  queue.on('error', () => {
    /* connection errors while Redis restarts: ioredis reconnects */
  });
  const attempts = (opts.retries ?? 2) + 1;
  const add = (run: SweepRun): Promise<unknown> =>
    queue.add(
      'run',
      { id: run.id, config: run.config, dir: resolve(runDir(out, run.id)), report: opts.report !== false, timeoutMs: opts.timeoutMs ?? null },
      { jobId: sweepJobId(out, run.id), attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
    );
  try {
    for (const run of pending) {
      const old = await queue.getJob(sweepJobId(out, run.id));
      if (old) {
        const st = await old.getState();
        // a finished or failed job of an earlier invocation: replace it with a fresh one
        if (st === 'completed' || st === 'failed') await old.remove();
        else continue;
      }
      await add(run);
    }
    let open = pending.slice();
    while (open.length) {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      const still: SweepRun[] = [];
      let running = 0;
      for (const run of open) {
        const dir = runDir(out, run.id);
        if (finishedSummary(dir, run.config)) {
          outcomes.set(run.id, { ok: true, execution: null });
          counts.done++;
          continue;
        }
        let job: Job<SweepJobData, SweepJobResult> | undefined;
        let state: string;
        try {
          job = await queue.getJob(sweepJobId(out, run.id));
          state = job ? await job.getState() : 'missing';
        } catch {
          still.push(run); // Redis unreachable for now
          continue;
        }
        if (state === 'missing' || state === 'unknown') {
          await add(run).catch(() => {});
          counts.retried++;
          still.push(run);
        } else if (state === 'failed') {
          // the job may have been read while still active: its reason is written with the move to
          // 'failed', so read it again once that state is seen
          let reason = job!.failedReason;
          if (!reason) reason = (await queue.getJob(sweepJobId(out, run.id)).catch(() => undefined))?.failedReason ?? '';
          outcomes.set(run.id, { ok: false, message: reason || 'failed' });
          counts.failed++;
        } else if (state === 'completed') {
          if (finishedSummary(dir, run.config)) {
            outcomes.set(run.id, { ok: true, execution: null });
            counts.done++;
          } else {
            const rv = job!.returnvalue;
            outcomes.set(run.id, { ok: false, message: `the job finished on ${rv?.host ?? 'a worker'} but ${dir}/summary.json is not here: queue workers need this folder on a shared file system` });
            counts.failed++;
          }
        } else {
          if (state === 'active') running++;
          still.push(run);
        }
      }
      open = still;
      counts.running = running;
      opts.onUpdate?.({ ...counts });
    }
  } finally {
    await queue.close().catch(() => {});
  }
  return outcomes;
}

/** Options of `runQueueWorker`. */
export interface QueueWorkerOptions {
  url: string;
  queueName?: string;
  /** Jobs at once, each in its own worker process (default 1). */
  concurrency?: number;
  /** Job lock duration (ms, default 30000): a killed worker's job is re-delivered about this long after. */
  lockMs?: number;
  /** Times a job may be re-delivered after its worker vanished (default 3). */
  maxStalled?: number;
  /** Exit after this many seconds without a job (default: never). */
  idleExitS?: number;
  /** One line per job event. */
  log?: (line: string) => void;
  /** Resolves when the worker should stop (e.g. on SIGINT). */
  stop?: Promise<void>;
}

/** What a worker did before it stopped. */
export interface QueueWorkerStats {
  completed: number;
  failed: number;
}

const INPUT_ERRORS = new Set(['InputError', 'UsageError', 'ShapeError', 'MemoryBudgetError']);

/**
 * A queue worker: takes jobs from the queue and runs each in a worker process (runner.ts) with the
 * job's time limit; resolves when `stop` resolves or after `idleExitS` idle seconds. Throws
 * UsageError when Redis is unreachable at the start. Cost: the jobs' training.
 */
export async function runQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerStats> {
  await probeRedis(opts.url);
  const log = opts.log ?? (() => {});
  const free = Array.from({ length: opts.concurrency ?? 1 }, () => new RunnerChild());
  const all = free.slice();
  const stats: QueueWorkerStats = { completed: 0, failed: 0 };
  let lastActivity = Date.now();
  let active = 0;
  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker<SweepJobData, SweepJobResult>(
    opts.queueName ?? DEFAULT_QUEUE_NAME,
    async (job) => {
      active++;
      const child = free.pop();
      if (!child) throw new SntkError('worker: no free worker process (concurrency accounting)');
      const d = job.data;
      log(`job ${job.id} (run ${d.id}) attempt ${job.attemptsMade + 1}: started`);
      try {
        const r = await child.run(d.config, d.dir, { report: d.report, label: `run ${d.id}`, ...(d.timeoutMs ? { timeoutMs: d.timeoutMs } : {}) });
        log(`job ${job.id}: ${r.action} (${r.summary.status})`);
        return { host: hostname(), pid: process.pid, action: r.action, status: r.summary.status };
      } catch (e) {
        log(`job ${job.id}: ${(e as Error).message}`);
        if (e instanceof RunFailedError && INPUT_ERRORS.has(e.errorName)) throw new UnrecoverableError(e.message);
        throw e;
      } finally {
        free.push(child);
        active--;
        lastActivity = Date.now();
      }
    },
    { connection: bullConnection(opts.url), concurrency: opts.concurrency ?? 1, lockDuration: lockMs, stalledInterval: Math.max(1000, Math.floor(lockMs / 2)), maxStalledCount: opts.maxStalled ?? 3, drainDelay: 1 },
  );
  worker.on('error', () => {
    /* connection errors while Redis restarts: ioredis reconnects */
  });
  worker.on('completed', () => stats.completed++);
  worker.on('failed', () => stats.failed++);
  const stops: Promise<void>[] = [];
  if (opts.stop) stops.push(opts.stop);
  let timer: NodeJS.Timeout | null = null;
  if (opts.idleExitS !== undefined) {
    const idleMs = opts.idleExitS * 1000;
    stops.push(
      new Promise((res) => {
        timer = setInterval(() => {
          if (active === 0 && Date.now() - lastActivity > idleMs) res();
        }, 250);
      }),
    );
  }
  if (stops.length) await Promise.race(stops);
  else await new Promise<void>(() => {});
  if (timer) clearInterval(timer);
  await worker.close().catch(() => {});
  for (const c of all) c.stop();
  return stats;
}
