/**
 * The student–teacher experiment end to end (docs/theory.md §7). An experiment is data
 * (`DemoExperiment`): the base config, the three runs and the criteria. The default is the
 * pitchfork experiment: per seed three monitored runs on the same task — `reference` (GD, lr 0.1:
 * the slow, clean crossing), `sgd` (GD, lr 1) and `natgrad` (low-rank natural gradient, lr 1,
 * k = 2) — each written to `<out>/seed-<s>/<name>/` (replaced when it exists) and summarised by
 * `runOutcome`.
 *
 * Defaults: 80 steps, the calibrated task (N = 16, T = 60, B = 32), monitor every step over all
 * 32 trials (the sNTK the calibration used). natgrad's Fisher subspace is refined on a rotating
 * block of `fisherTrials = 4` of the 32 trials per step (the gradient always uses all 32).
 *
 * Where the time goes (native backend, one run of 80 steps, CPU profile): the optimizer steps take
 * ≈ 0.3 s; the monitor's dense sNTK statistics at every step nearly all the rest (dense Jacobian
 * GEMMs ≈ 60 %, its Gram matrix ≈ 15 %, page faults of its fresh 70 MB buffer a third of the CPU
 * time as system time). So the runs — which are independent — are spread over `jobs` worker
 * processes (demo-worker.ts), each with one OpenBLAS thread and a malloc that keeps that buffer. The step cost is judged on `stepCostRatio` (cost.ts): an interleaved repeated
 * timing on the same state, done after the runs, in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import { trainRun } from './run.js';
import { createMonitor } from './monitor/monitor.js';
import type { RunOutcome } from './monitor/outcome.js';
import { runOutcome } from './monitor/outcome.js';
import { ConvergenceError, InputError, MemoryBudgetError, NonFiniteError, ShapeError, SingularMatrixError, SntkError, UsageError } from '../errors.js';
import { stepCostRatio, type StepCostRatio } from './cost.js';
import { PITCHFORK_CRITERIA, type DemoCriterion } from './demo-checks.js';
import type { CrossingFigures } from './demo-crossing.js';

/** The three run names, in order. */
export const DEMO_RUNS = ['reference', 'sgd', 'natgrad'] as const;
/** One of `DEMO_RUNS`. */
export type DemoRunName = (typeof DEMO_RUNS)[number];

/** An experiment as data: what every run shares, what each run sets, and the claims judged. */
export interface DemoExperiment {
  /** Short name, e.g. `pitchfork`. */
  name: string;
  /** One line for titles and `--help`. */
  title: string;
  /** Config shared by the runs (the seed is added per seed). */
  base: Record<string, unknown>;
  /** Per-run config merged over `base` (each sets at least its optimizer). */
  runs: Record<DemoRunName, Record<string, unknown>>;
  /** The claims, judged by `demoChecks`. */
  criteria: readonly DemoCriterion[];
  /** How a run folder is summarised (default `runOutcome`); an experiment may add figures such as `crossing`. */
  outcome?: (dir: string) => DemoRunOutcome;
}

/** One run's outcome as the demo judges it: `runOutcome` plus, for the normal-form variants, the sNTK at the crossing. */
export type DemoRunOutcome = RunOutcome & { crossing?: CrossingFigures | null };

/** The calibrated pitchfork experiment (docs/theory.md §7). */
export const PITCHFORK_EXPERIMENT: DemoExperiment = {
  name: 'pitchfork',
  title: 'pitchfork student–teacher: reference GD (lr 0.1), GD and low-rank natural gradient (lr 1)',
  base: { steps: 80, task: { name: 'pitchfork' }, monitorEvery: 1, checkpointEvery: 10, monitor: { trials: null } },
  runs: {
    reference: { optimizer: { kind: 'sgd', learningRate: 0.1 } },
    sgd: { optimizer: { kind: 'sgd', learningRate: 1 } },
    natgrad: { optimizer: { kind: 'natgrad', learningRate: 1, k: 2 } },
  },
  criteria: PITCHFORK_CRITERIA,
};

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Output folder (one `seed-<s>/<run>` folder per run). */
  out: string;
  /** The experiment (default `PITCHFORK_EXPERIMENT`). */
  experiment?: DemoExperiment;
  /** Number of seeds (0 … n−1; default 1). */
  seeds?: number;
  /** Extra config merged (deeply, objects only) into every run's config (e.g. `{task: {trainBias: false}}`). */
  overrides?: Record<string, unknown>;
  /** natgrad's rotating Fisher block (default 4; null: all trials). */
  fisherTrials?: number | null;
  /** Worker processes running runs in parallel (default 1: all runs in this process). */
  jobs?: number;
  /** OpenBLAS threads of each worker process (default 1). */
  workerBlasThreads?: number;
  /** Rounds of the interleaved step-cost timing (default 61). */
  costRounds?: number;
  /** Called when a run starts. */
  onRun?: (info: { seed: number; name: DemoRunName; index: number; total: number }) => void;
  /** Called at every monitored step of a run. */
  onStep?: (info: { seed: number; name: DemoRunName; step: number; steps: number }) => void;
}

/** One seed's three outcomes. */
export type DemoSeedResult = Record<DemoRunName, DemoRunOutcome>;

/** What `runDemo` returns. */
export interface DemoResult {
  experiment: string;
  seeds: DemoSeedResult[];
  /**
   * Step cost of seed 0's sgd and natgrad configs from one interleaved repeated timing on the same
   * state (`stepCostRatio`). The runs' own `secondsPerStep` medians are taken minutes apart and,
   * on a loaded machine, are not comparable with each other.
   */
  cost: StepCostRatio;
  /** Run folders, `folders[seed][name]`. */
  folders: Record<DemoRunName, string>[];
  /** Wall seconds of the whole experiment, of the runs alone, and of the cost timing. */
  seconds: number;
  runSeconds: number;
  costSeconds: number;
  /** Worker processes used (1: in this process). */
  jobs: number;
  /** CPU seconds (user + system) the worker processes spent on the runs (0 without workers). */
  workerCpuSeconds: number;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects (arrays and scalars of `b` replace); `__proto__`/`constructor`/`prototype` keys are refused (InputError). */
export function mergeConfig(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new InputError(`config override: the key '${k}' is not allowed`);
    out[k] = isObj(v) && isObj(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** The three run configs of a seed (validated). Throws InputError for bad overrides. */
export function demoConfigs(seed: number, opts: Pick<DemoOptions, 'overrides' | 'fisherTrials' | 'experiment'> = {}): Record<DemoRunName, TrainConfigInput> {
  const exp = opts.experiment ?? PITCHFORK_EXPERIMENT;
  const base = mergeConfig(exp.base, { seed });
  const ft = opts.fisherTrials === undefined ? 4 : opts.fisherTrials;
  const out = {} as Record<DemoRunName, TrainConfigInput>;
  for (const name of DEMO_RUNS) {
    const run = exp.runs[name];
    const kind = (run['optimizer'] as Record<string, unknown> | undefined)?.['kind'];
    let c = mergeConfig(base, run);
    if (kind === 'natgrad') c = mergeConfig(c, { optimizer: { fisherTrials: ft } });
    if (opts.overrides) {
      c = mergeConfig(c, opts.overrides);
      // the run's own optimizer choice wins over overrides of other optimizer fields
      if (kind !== undefined) c['optimizer'] = mergeConfig(c['optimizer'] as Record<string, unknown>, { kind });
    }
    const cfg = parseTrainConfig(c); // validate before any work
    const batch = 'B' in cfg.task ? cfg.task.B : null;
    if (cfg.optimizer.kind === 'natgrad' && cfg.optimizer.fisherTrials !== null && batch !== null && cfg.optimizer.fisherTrials > batch) {
      throw new InputError(`demo: fisherTrials ${cfg.optimizer.fisherTrials} exceeds the batch size ${batch}`);
    }
    out[name] = c as TrainConfigInput;
  }
  return out;
}

/**
 * One monitored run of `config` into `dir` (replaced when it exists: the demo owns its run
 * folders), calling `onStep(step, steps)` at every monitored step. Cost: the run's steps plus
 * the monitor's work at every monitored step.
 */
export async function runDemoRun(config: TrainConfigInput, dir: string, onStep?: (step: number, steps: number) => void): Promise<void> {
  const cfg = parseTrainConfig(config);
  rmSync(dir, { recursive: true, force: true });
  const mon = createMonitor({ ...cfg.monitor, seed: cfg.seed });
  const hooks = mon.hooks();
  await trainRun(config, {
    outDir: dir,
    ...hooks,
    onStep: (info) => {
      const r = hooks.onStep!(info);
      onStep?.(info.step, cfg.steps);
      return r;
    },
  });
}

/** A run of the experiment, as queued for a worker. */
interface DemoJob {
  seed: number;
  name: DemoRunName;
  index: number;
  config: TrainConfigInput;
  dir: string;
}

/** Messages from demo-worker.ts. */
export type DemoWorkerMessage = { type: 'step'; step: number; steps: number } | { type: 'done'; cpuSeconds: number } | { type: 'error'; name: string; message: string };
/** Messages to demo-worker.ts. */
export type DemoWorkerRequest = { type: 'run'; config: TrainConfigInput; dir: string; blasThreads: number } | { type: 'exit' };

const ERRORS: Record<string, new (m: string) => SntkError> = { InputError, UsageError, ShapeError, NonFiniteError, ConvergenceError, SingularMatrixError, MemoryBudgetError };

/** The worker entry next to this module (.js when compiled; .ts under a TypeScript loader). */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const file = join(here, '..', ts ? 'demo-worker.ts' : 'demo-worker.js');
  if (!existsSync(file)) throw new InputError(`demo: the worker entry ${file} is missing (rebuild with npm run build)`);
  return { file, execArgv: ts ? ['--import', 'tsx'] : [] };
}

async function runJobsInWorkers(jobs: DemoJob[], n: number, opts: DemoOptions, workerCpu: { seconds: number }): Promise<void> {
  const { file, execArgv } = workerEntry();
  const queue = [...jobs];
  const children: ChildProcess[] = [];
  let failed: Error | null = null;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(file, [], {
        execArgv,
        // glibc returns blocks over its mmap threshold (at most 32 MiB) to the kernel on free, so
        // the monitor's ≈ 70 MB dense Jacobian, allocated at every step, page-faults in afresh each
        // time (≈ 10 s of system time per run); a higher threshold keeps that memory in the heap
        // (measured: 12.0 → 8.0 s CPU for 20 monitored steps).
        env: {
          ...process.env,
          OPENBLAS_NUM_THREADS: String(opts.workerBlasThreads ?? 1),
          SNTK_THREADS: '1',
          MALLOC_MMAP_THRESHOLD_: process.env['MALLOC_MMAP_THRESHOLD_'] ?? String(256 * 2 ** 20),
          MALLOC_TRIM_THRESHOLD_: process.env['MALLOC_TRIM_THRESHOLD_'] ?? String(512 * 2 ** 20),
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      let current: DemoJob | undefined;
      const next = (): void => {
        current = failed ? undefined : queue.shift();
        if (!current) {
          child.send({ type: 'exit' } satisfies DemoWorkerRequest);
          return;
        }
        opts.onRun?.({ seed: current.seed, name: current.name, index: current.index, total: jobs.length });
        child.send({ type: 'run', config: current.config, dir: current.dir, blasThreads: opts.workerBlasThreads ?? 1 } satisfies DemoWorkerRequest);
      };
      child.on('message', (m: DemoWorkerMessage) => {
        if (m.type === 'step' && current) opts.onStep?.({ seed: current.seed, name: current.name, step: m.step, steps: m.steps });
        else if (m.type === 'done') {
          workerCpu.seconds += m.cpuSeconds;
          next();
        }
        else if (m.type === 'error') {
          const E = ERRORS[m.name];
          failed ??= E ? new E(m.message) : new Error(`demo worker: ${m.message}`);
          child.send({ type: 'exit' } satisfies DemoWorkerRequest);
        }
      });
      child.on('error', (e) => {
        failed ??= e;
        reject(e);
      });
      child.on('exit', (code, signal) => {
        if (current && !failed && (code !== 0 || signal)) failed = new Error(`demo worker for seed ${current.seed} ${current.name} exited with ${signal ?? `code ${code}`}`);
        resolve();
      });
      next();
    });
  try {
    await Promise.all(Array.from({ length: n }, one));
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
  if (failed) throw failed;
}

/**
 * Runs the experiment for seeds 0 … n−1 and returns every run's outcome. All configs are validated
 * before the first run. With `jobs` > 1 the runs go to that many worker processes (each run is
 * independent; results are read back from the run folders, so they are the same as in-process).
 * Cost: 3·seeds monitored runs (≈ 30 s CPU each at the default size with the native backend), then
 * the step-cost timing (≈ 1 s).
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const n = opts.seeds ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`demo: seeds must be a positive integer, got ${n}`);
  const jobsWanted = opts.jobs ?? 1;
  if (!Number.isInteger(jobsWanted) || jobsWanted < 1) throw new InputError(`demo: jobs must be a positive integer, got ${jobsWanted}`);
  const exp = opts.experiment ?? PITCHFORK_EXPERIMENT;
  const t0 = performance.now();
  const configs = Array.from({ length: n }, (_, s) => demoConfigs(s, opts));
  const folders: Record<DemoRunName, string>[] = [];
  const jobs: DemoJob[] = [];
  for (let s = 0; s < n; s++) {
    const dirs = {} as Record<DemoRunName, string>;
    for (const name of DEMO_RUNS) {
      dirs[name] = join(opts.out, `seed-${s}`, name);
      jobs.push({ seed: s, name, index: jobs.length, config: configs[s]![name], dir: dirs[name] });
    }
    folders.push(dirs);
  }
  const workers = Math.min(jobsWanted, jobs.length);
  const workerCpu = { seconds: 0 };
  if (workers > 1) await runJobsInWorkers(jobs, workers, opts, workerCpu);
  else {
    for (const j of jobs) {
      opts.onRun?.({ seed: j.seed, name: j.name, index: j.index, total: jobs.length });
      await runDemoRun(j.config, j.dir, (step, steps) => opts.onStep?.({ seed: j.seed, name: j.name, step, steps }));
    }
  }
  const runSeconds = (performance.now() - t0) / 1000;
  const seeds: DemoSeedResult[] = folders.map((dirs) => {
    const res = {} as DemoSeedResult;
    for (const name of DEMO_RUNS) res[name] = (exp.outcome ?? runOutcome)(dirs[name]);
    return res;
  });
  const t1 = performance.now();
  const cost = stepCostRatio(configs[0]!.sgd, configs[0]!.natgrad, opts.costRounds ?? 61);
  const costSeconds = (performance.now() - t1) / 1000;
  return { experiment: exp.name, seeds, folders, cost, seconds: (performance.now() - t0) / 1000, runSeconds, costSeconds, jobs: workers, workerCpuSeconds: workerCpu.seconds };
}
