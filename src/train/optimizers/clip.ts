/** Gradient-norm clipping around any optimizer. */
import type { Optimizer } from './types.js';
import { InputError } from '../../errors.js';

/** Wraps `inner`: if `‖g‖ > maxNorm` the gradient is scaled to norm `maxNorm` before `inner.step`. Cost O(P). */
export function clipGradNorm(inner: Optimizer, maxNorm: number): Optimizer {
  if (!(maxNorm > 0)) throw new InputError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const o: Optimizer = {
    name: `${inner.name}+clip`,
    step(params, grad, ctx) {
      let s = 0;
      for (let i = 0; i < grad.length; i++) s += grad[i]! * grad[i]!;
      const n = Math.sqrt(s);
      if (n <= maxNorm) return inner.step(params, grad, ctx);
      const f = maxNorm / n;
      const g = new Float64Array(grad.length);
      for (let i = 0; i < grad.length; i++) g[i] = grad[i]! * f;
      return inner.step(params, g, ctx);
    },
    getState: () => inner.getState(),
    setState: (s) => inner.setState(s),
  };
  if (inner.directions) o.directions = () => inner.directions!();
  return o;
}
