/** Adam (Kingma & Ba) with bias correction. */
import type { Optimizer, OptimizerState } from './types.js';
import { arr, f64 } from './types.js';
import { InputError } from '../../errors.js';

/** Options of `adam`. */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam: `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `Δθ = −η m̂/(√v̂ + ε)`. Cost O(P) per step.
 *
 * @param opts - the learning rate `η > 0`, `β1`, `β2` in `[0, 1)` and `ε`.
 * @returns the optimizer.
 * @throws {@link sntk!InputError} for a non-positive learning rate or `β` outside `[0, 1)`.
 */
export function adam(opts: AdamOptions): Optimizer {
  const lr = opts.learningRate;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.epsilon ?? 1e-8;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`adam: learningRate must be positive, got ${lr}`);
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new InputError(`adam: beta1, beta2 must be in [0, 1)`);
  let m: Float64Array | null = null;
  let v: Float64Array | null = null;
  let t = 0;
  return {
    name: 'adam',
    step(_params, grad) {
      if (!m || !v) {
        m = new Float64Array(grad.length);
        v = new Float64Array(grad.length);
      }
      t++;
      const c1 = 1 - Math.pow(b1, t);
      const c2 = 1 - Math.pow(b2, t);
      const u = new Float64Array(grad.length);
      for (let i = 0; i < grad.length; i++) {
        const g = grad[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        u[i] = (-lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
      }
      return u;
    },
    getState(): OptimizerState {
      return { t, m: m ? arr(m) : null, v: v ? arr(v) : null };
    },
    setState(s) {
      t = Number(s['t'] ?? 0);
      m = s['m'] == null ? null : f64(s['m'], 'm');
      v = s['v'] == null ? null : f64(s['v'], 'v');
    },
  };
}
