/**
 * Interleaved step-cost probe: times one optimizer step (fused sweep + update, as `trainRun`
 * times it) of several configs on their own task copies, one step of each per round, best of the
 * rounds — so that load on a shared machine hits them alike (run-level medians taken minutes apart
 * are not comparable there). Parameters are not updated (the step is benchmarked at the task's
 * initial point).
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

/**
 * Best-of-`rounds` seconds of one step of each config, interleaved. Throws InputError for a bad
 * config or rounds < 1. Cost: (rounds + 2) steps of each config.
 */
export function interleavedStepSeconds(configs: readonly TrainConfigInput[], rounds = 20): number[] {
  if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`interleavedStepSeconds: rounds must be a positive integer, got ${rounds}`);
  const steppers = configs.map((input) => {
    const cfg = parseTrainConfig(input);
    const task = buildTask(cfg);
    const { optimizer } = buildOptimizer(cfg);
    return stepperOf(task, optimizer, cfg.optimizer.fisherTrials);
  });
  return timeInterleaved(steppers, { rounds });
}
