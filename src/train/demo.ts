/**
 * The pitchfork student–teacher experiment end to end (issue 9, DESIGN.md §7): per seed three
 * monitored runs on the same task — `reference` (GD, lr 0.1: the slow, clean crossing), `sgd`
 * (GD, lr 1) and `natgrad` (low-rank natural gradient, lr 1, k = 2) — each written to
 * `<out>/seed-<s>/<name>/` (replaced when it exists) and summarised by `runOutcome`.
 *
 * Defaults: 80 steps, the calibrated task (N = 16, T = 60, B = 32), monitor every step over all
 * 32 trials (the sNTK the calibration used). natgrad's Fisher subspace is refined on a rotating
 * block of `fisherTrials = 4` of the 32 trials per step (the gradient always uses all 32). With the
 * directions' recurrences on GEMMs (fused-sweep.ts `directionGemms`) the full-batch fused step costs
 * ≈ 1.9× SGD's (native; ≈ 4× pure TS) and the 4-trial block ≈ 1.15× (native; ≈ 1.4–1.5× pure TS),
 * timed interleaved. `secondsPerStep` times the optimizer step alone (sweep + update, monitor
 * excluded); on a loaded machine the per-run medians are not comparable across runs, hence the
 * interleaved `cost` probe (cost.ts) in the result.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import { trainRun } from './run.js';
import { createMonitor } from './monitor/monitor.js';
import type { RunOutcome } from './monitor/outcome.js';
import { runOutcome } from './monitor/outcome.js';
import { InputError } from '../errors.js';
import { interleavedStepSeconds } from './cost.js';

/** The three run names, in order. */
export const DEMO_RUNS = ['reference', 'sgd', 'natgrad'] as const;
/** One of `DEMO_RUNS`. */
export type DemoRunName = (typeof DEMO_RUNS)[number];

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Output folder (one `seed-<s>/<run>` folder per run). */
  out: string;
  /** Number of seeds (0 … n−1; default 1). */
  seeds?: number;
  /** Extra config merged (deeply, objects only) into every run's config (e.g. `{task: {trainBias: false}}`). */
  overrides?: Record<string, unknown>;
  /** natgrad's rotating Fisher block (default 4; null: all trials). */
  fisherTrials?: number | null;
  /** Called before each run. */
  onRun?: (info: { seed: number; name: DemoRunName; index: number; total: number }) => void;
  /** Called at every monitored step of a run. */
  onStep?: (info: { seed: number; name: DemoRunName; step: number; steps: number }) => void;
}

/** One seed's three outcomes. */
export type DemoSeedResult = Record<DemoRunName, RunOutcome>;

/** What `runDemo` returns. */
export interface DemoResult {
  seeds: DemoSeedResult[];
  /**
   * Step cost of seed 0's three configs timed interleaved (`interleavedStepSeconds`, best of 30
   * rounds, no monitor): seconds per step and natgrad/sgd. The runs' own `secondsPerStep` medians
   * are taken minutes apart and, on a loaded machine, are not comparable with each other.
   */
  cost: { sgdSeconds: number; natgradSeconds: number; natgradOverSgd: number };
  /** Run folders, `folders[seed][name]`. */
  folders: Record<DemoRunName, string>[];
  seconds: number;
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
export function demoConfigs(seed: number, opts: Pick<DemoOptions, 'overrides' | 'fisherTrials'> = {}): Record<DemoRunName, TrainConfigInput> {
  const base: Record<string, unknown> = { seed, steps: 80, task: { name: 'pitchfork' }, monitorEvery: 1, checkpointEvery: 10, monitor: { trials: null } };
  const ft = opts.fisherTrials === undefined ? 4 : opts.fisherTrials;
  const runs: Record<DemoRunName, Record<string, unknown>> = {
    reference: { optimizer: { kind: 'sgd', learningRate: 0.1 } },
    sgd: { optimizer: { kind: 'sgd', learningRate: 1 } },
    natgrad: { optimizer: { kind: 'natgrad', learningRate: 1, k: 2, fisherTrials: ft } },
  };
  const out = {} as Record<DemoRunName, TrainConfigInput>;
  for (const name of DEMO_RUNS) {
    let c = mergeConfig(base, runs[name]);
    if (opts.overrides) {
      c = mergeConfig(c, opts.overrides);
      // the run's own optimizer choice wins over overrides of other optimizer fields
      c['optimizer'] = mergeConfig(c['optimizer'] as Record<string, unknown>, { kind: (runs[name]['optimizer'] as Record<string, unknown>)['kind'] });
    }
    const cfg = parseTrainConfig(c); // validate before any work
    if (cfg.optimizer.kind === 'natgrad' && cfg.optimizer.fisherTrials !== null && cfg.optimizer.fisherTrials > cfg.task.B) {
      throw new InputError(`demo: fisherTrials ${cfg.optimizer.fisherTrials} exceeds the batch size ${cfg.task.B}`);
    }
    out[name] = c as TrainConfigInput;
  }
  return out;
}

/**
 * Runs the experiment for seeds 0 … n−1 and returns every run's outcome. All configs are validated
 * before the first run. Cost: 3·seeds monitored runs (≈ 20 s each at the default size with the
 * native backend).
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const n = opts.seeds ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`demo: seeds must be a positive integer, got ${n}`);
  const t0 = performance.now();
  const configs = Array.from({ length: n }, (_, s) => demoConfigs(s, opts));
  const seeds: DemoSeedResult[] = [];
  const folders: Record<DemoRunName, string>[] = [];
  let index = 0;
  for (let s = 0; s < n; s++) {
    const res = {} as DemoSeedResult;
    const dirs = {} as Record<DemoRunName, string>;
    for (const name of DEMO_RUNS) {
      const cfg = parseTrainConfig(configs[s]![name]);
      opts.onRun?.({ seed: s, name, index: index++, total: 3 * n });
      const dir = join(opts.out, `seed-${s}`, name);
      rmSync(dir, { recursive: true, force: true }); // the demo owns its run folders: rerunning replaces them
      const mon = createMonitor({ ...cfg.monitor, seed: cfg.seed });
      const hooks = mon.hooks();
      await trainRun(configs[s]![name], {
        outDir: dir,
        ...hooks,
        onStep: (info) => {
          const r = hooks.onStep!(info);
          opts.onStep?.({ seed: s, name, step: info.step, steps: cfg.steps });
          return r;
        },
      });
      res[name] = runOutcome(dir);
      dirs[name] = dir;
    }
    seeds.push(res);
    folders.push(dirs);
  }
  const [sgdSeconds, natgradSeconds] = interleavedStepSeconds([configs[0]!.sgd, configs[0]!.natgrad], 30);
  const cost = { sgdSeconds: sgdSeconds!, natgradSeconds: natgradSeconds!, natgradOverSgd: natgradSeconds! / sgdSeconds! };
  return { seeds, folders, cost, seconds: (performance.now() - t0) / 1000 };
}
