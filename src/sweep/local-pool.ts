/**
 * The embedded sweep executor: a pool of `workers` persistent worker processes (runner.ts, one BLAS
 * thread each) on this machine, fed from the list of runs not yet finished. A run whose process
 * dies or times out is retried (`retries` times; it resumes from its checkpoints); a run that
 * throws is failed with its message and the others go on. Runs already finished in the folder are
 * not dispatched at all.
 */
import { availableParallelism } from 'node:os';
import type { SweepRun } from './expand.js';
import { finishedSummary, runDir, type RunExecution } from './execute.js';
import { RunFailedError, RunnerChild } from './runner.js';

/** Counts shown by the progress line. */
export interface SweepCounts {
  total: number;
  /** Finished (including skipped). */
  done: number;
  /** Already finished before this invocation. */
  skipped: number;
  running: number;
  failed: number;
  /** Re-deliveries after a crash, timeout or lost queue entry. */
  retried: number;
}

/** What happened to each run, by id. */
export type SweepOutcomes = Map<string, { ok: true; execution: RunExecution | null } | { ok: false; message: string }>;

/** Options of `runLocalSweep`. */
export interface LocalSweepOptions {
  /** Worker processes (default: the core count). */
  workers?: number;
  /** Retries after a crash or timeout (default 1). */
  retries?: number;
  /** Per-run time limit in ms (default none). */
  timeoutMs?: number;
  /** Write each run's HTML report (default true). */
  report?: boolean;
  /** Called whenever a count changes. */
  onUpdate?: (c: SweepCounts) => void;
  /** Called with each worker process id as it starts a run (tests use it to kill one). */
  onDispatch?: (run: SweepRun, pid: number | null) => void;
}

/** Default worker count: the machine's core count. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs every unfinished run of `runs` into `<out>/runs/<id>` on a local process pool; resolves
 * when all are finished or failed. Cost: the runs' training, `workers` at a time.
 */
export async function runLocalSweep(runs: readonly SweepRun[], out: string, opts: LocalSweepOptions = {}): Promise<SweepOutcomes> {
  const outcomes: SweepOutcomes = new Map();
  const counts: SweepCounts = { total: runs.length, done: 0, skipped: 0, running: 0, failed: 0, retried: 0 };
  const queue: { run: SweepRun; attempt: number }[] = [];
  for (const run of runs) {
    if (finishedSummary(runDir(out, run.id), run.config)) {
      outcomes.set(run.id, { ok: true, execution: null });
      counts.done++;
      counts.skipped++;
    } else queue.push({ run, attempt: 0 });
  }
  opts.onUpdate?.({ ...counts });
  const retries = opts.retries ?? 1;
  const nWorkers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), queue.length));
  const children = Array.from({ length: queue.length ? nWorkers : 0 }, () => new RunnerChild());
  const lane = async (child: RunnerChild): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { run, attempt } = item;
      counts.running++;
      opts.onUpdate?.({ ...counts });
      const p = child.run(run.config, runDir(out, run.id), {
        report: opts.report !== false,
        label: `run ${run.id}`,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      opts.onDispatch?.(run, child.pid);
      try {
        outcomes.set(run.id, { ok: true, execution: await p });
        counts.done++;
      } catch (e) {
        const msg = (e as Error).message;
        if (!(e instanceof RunFailedError) && attempt < retries) {
          queue.push({ run, attempt: attempt + 1 });
          counts.retried++;
        } else {
          outcomes.set(run.id, { ok: false, message: msg });
          counts.failed++;
        }
      } finally {
        counts.running--;
        opts.onUpdate?.({ ...counts });
      }
    }
  };
  try {
    await Promise.all(children.map(lane));
  } finally {
    for (const c of children) c.stop();
  }
  return outcomes;
}
