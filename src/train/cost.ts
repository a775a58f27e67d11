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
import { InputError } from '../errors.js';

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
    const model = task.student;
    let step = 0;
    return (): void => {
      const ft = fisherTrialsAt(cfg.optimizer.fisherTrials, task.B, step);
      const res = fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: optimizer.directions?.() ?? [], ...ft });
      optimizer.step(model.params, res.grad, {
        step,
        loss: res.loss,
        Fv: res.Fv,
        mask: task.trainable,
        applyFisher: (V) => fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: V, grad: false, ...ft }).Fv,
      });
      step++;
    };
  });
  for (const s of steppers) {
    s(); // first step (natgrad's warm-up sweeps)
    s();
  }
  const best = steppers.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    steppers.forEach((s, i) => {
      const t0 = performance.now();
      s();
      best[i] = Math.min(best[i]!, (performance.now() - t0) / 1000);
    });
  }
  return best;
}
