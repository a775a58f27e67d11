/** SGD with (heavy-ball) momentum: `v ← μ v + g`, `Δθ = −η v`. */
import type { Optimizer, OptimizerState } from './types.js';
import { arr, f64 } from './types.js';
import { InputError } from '../../errors.js';

/** Options of `sgd`. */
export interface SgdOptions {
  learningRate: number;
  /** Momentum μ in [0, 1); 0 is plain gradient descent. */
  momentum?: number;
}

/**
 * Plain / momentum SGD. Cost O(P) per step.
 *
 * @param opts - the learning rate `η > 0` and the momentum in `[0, 1)`.
 * @returns the optimizer.
 * @throws {@link sntk!InputError} for a non-positive learning rate or a momentum outside `[0, 1)`.
 */
export function sgd(opts: SgdOptions): Optimizer {
  const lr = opts.learningRate;
  const mu = opts.momentum ?? 0;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`sgd: learningRate must be positive, got ${lr}`);
  if (!(mu >= 0 && mu < 1)) throw new InputError(`sgd: momentum must be in [0, 1), got ${mu}`);
  let vel: Float64Array | null = null;
  return {
    name: 'sgd',
    step(_params, grad) {
      const u = new Float64Array(grad.length);
      if (mu === 0) {
        for (let i = 0; i < grad.length; i++) u[i] = -lr * grad[i]!;
        return u;
      }
      if (!vel) vel = new Float64Array(grad.length);
      for (let i = 0; i < grad.length; i++) {
        vel[i] = mu * vel[i]! + grad[i]!;
        u[i] = -lr * vel[i]!;
      }
      return u;
    },
    getState(): OptimizerState {
      return { velocity: vel ? arr(vel) : null };
    },
    setState(s) {
      vel = s['velocity'] == null ? null : f64(s['velocity'], 'velocity');
    },
  };
}
