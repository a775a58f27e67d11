/**
 * Interleaved step-cost probe: times one optimizer step (fused sweep + update, as `trainRun`
 * times it) of several configs on their own task copies, one step of each per round (the order
 * alternating between rounds), so that load on a shared machine hits them alike — run-level
 * medians taken minutes apart are not comparable there. Before every timed step the parameters
 * are put back to the task's initial point, so every step is timed on the same state.
 */
import type { TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import { buildOptimizer, buildTask } from './build.js';
import { fusedSweep } from './sweep.js';
import { fisherTrialsAt } from './session.js';
import type { Task } from './tasks/types.js';
import type { Optimizer } from './optimizers/types.js';
import { InputError, NonFiniteError } from '../errors.js';

/**
 * One optimizer step on `task` at its current parameters (not updated): the fused sweep with the
 * optimizer's directions and the step's rotating block of `fisherTrials` trials (null: all), then
 * the optimizer's update — what `TrainingSession.step` times. Throws NonFiniteError for a
 * non-finite update. Cost: one fused sweep plus the optimizer's work per call.
 */
export function stepperOf(task: Task, optimizer: Optimizer, fisherTrials: number | null): () => void {
  const model = task.student;
  let step = 0;
  return (): void => {
    const ft = fisherTrialsAt(fisherTrials, task.B, step);
    const res = fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: optimizer.directions?.() ?? [], ...ft });
    const upd = optimizer.step(model.params, res.grad, {
      step,
      loss: res.loss,
      Fv: res.Fv,
      FvBlock: res.FvBlock,
      mask: task.trainable,
      applyFisher: (V) => fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: V, grad: false, ...ft }).Fv,
      applyFisherBlock: (V) => fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: V, grad: false, ...ft }).FvBlock,
    });
    if (!Number.isFinite(upd[0]!)) throw new NonFiniteError(`step ${step}: the update is not finite`);
    step++;
  };
}

/**
 * Best-of-`rounds` seconds of each stepper, interleaved (one call of each per round), after two
 * untimed calls of each (natgrad's warm-up sweeps, JIT). `clock` (seconds; default wall time,
 * `performance.now`) may be a process CPU clock, which preemption on an oversubscribed machine
 * does not inflate. Throws InputError for rounds < 1. Cost: (rounds + 2) calls of each.
 */
export function timeInterleaved(steppers: readonly (() => void)[], opts: { rounds: number; clock?: () => number }): number[] {
  const { rounds } = opts;
  const clock = opts.clock ?? ((): number => performance.now() / 1000);
  if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`interleaved timing: rounds must be a positive integer, got ${rounds}`);
  for (const s of steppers) {
    s();
    s();
  }
  const best = steppers.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    steppers.forEach((s, i) => {
      const t0 = clock();
      s();
      best[i] = Math.min(best[i]!, clock() - t0);
    });
  }
  return best;
}

/** Per config and round: wall seconds `wall[c][r]` and CPU seconds `cpu[c][r]` of one step. */
export interface StepTimes {
  wall: number[][];
  cpu: number[][];
}

/**
 * Seconds of one step of each config in each of `rounds` interleaved rounds, on both clocks.
 * Two untimed warm-up steps per config first (natgrad's subspace start). Throws InputError for a
 * bad config or rounds < 1. Cost: (rounds + 2) steps of each config.
 */
export function interleavedStepClock(configs: readonly TrainConfigInput[], rounds = 20): StepTimes {
  if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`interleavedStepTimes: rounds must be a positive integer, got ${rounds}`);
  const steppers = configs.map((input) => {
    const cfg = parseTrainConfig(input);
    const task = buildTask(cfg);
    const { optimizer } = buildOptimizer(cfg);
    const step = stepperOf(task, optimizer, cfg.optimizer.fisherTrials);
    const start = task.student.params.slice();
    return (restore: boolean): void => {
      if (restore) task.student.params.set(start);
      step();
    };
  });
  for (const s of steppers) {
    s(false); // first step (natgrad's warm-up sweeps)
    s(false);
  }
  const wall = steppers.map(() => [] as number[]);
  const cpu = steppers.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = steppers.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      steppers[i]!(true);
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      wall[i]!.push((t1 - t0) / 1000);
      cpu[i]!.push((c.user + c.system) / 1e6);
    }
  }
  return { wall, cpu };
}

/** Wall seconds of one step of each config in each interleaved round: `times[c][r]` (`interleavedStepClock`). */
export function interleavedStepTimes(configs: readonly TrainConfigInput[], rounds = 20): number[][] {
  return interleavedStepClock(configs, rounds).wall;
}

/** Best-of-`rounds` wall seconds of one step of each config, interleaved (`interleavedStepClock`). */
export function interleavedStepSeconds(configs: readonly TrainConfigInput[], rounds = 20): number[] {
  return interleavedStepTimes(configs, rounds).map((t) => Math.min(...t));
}

/** Quantile `q ∈ [0, 1]` of `xs` (linear interpolation between order statistics); NaN for none. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const v = [...xs].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(v.length - 1, lo + 1);
  return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
}

/** The step cost of natgrad relative to sgd, as `sntk demo` judges it. */
export interface StepCostRatio {
  /** Median CPU seconds of one step (over the rounds). */
  sgdSeconds: number;
  natgradSeconds: number;
  /** Median over the rounds of the per-round CPU-time ratio natgrad/sgd (the judged figure). */
  natgradOverSgd: number;
  /** Quartiles [25 %, 75 %] of the per-round CPU-time ratios (the spread). */
  spread: [number, number];
  /** The same median ratio on the wall clock (information: stretched by other processes). */
  wallRatio: number;
  /** Quartiles of the per-round wall-clock ratios. */
  wallSpread: [number, number];
  rounds: number;
}

/**
 * natgrad/sgd step cost from one interleaved repeated timing on the same state: per round the
 * ratio of the two steps' CPU times, then the median and quartiles over the rounds (the same on
 * the wall clock for information). Cost: as `interleavedStepClock` with two configs.
 */
export function stepCostRatio(sgd: TrainConfigInput, natgrad: TrainConfigInput, rounds = 61): StepCostRatio {
  const t = interleavedStepClock([sgd, natgrad], rounds);
  const ratios = (x: number[][]): number[] => x[0]!.map((s, r) => x[1]![r]! / s);
  const rc = ratios(t.cpu);
  const rw = ratios(t.wall);
  return {
    sgdSeconds: quantile(t.cpu[0]!, 0.5),
    natgradSeconds: quantile(t.cpu[1]!, 0.5),
    natgradOverSgd: quantile(rc, 0.5),
    spread: [quantile(rc, 0.25), quantile(rc, 0.75)],
    wallRatio: quantile(rw, 0.5),
    wallSpread: [quantile(rw, 0.25), quantile(rw, 0.75)],
    rounds,
  };
}
