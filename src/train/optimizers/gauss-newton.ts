/**
 * Full Gauss–Newton reference for small problems: with `J_s = J_y/√(BT)` (so `F_y = J_sᵀJ_s`),
 *   `Δθ = −η (J_sᵀJ_s + λI)⁻¹ g`,
 * computed as `J_sᵀ (J_sJ_sᵀ + λI)⁻¹ e_s` (Woodbury, `e_s = √(BT)·ε`, valid since `g = J_sᵀ e_s`)
 * when there are fewer rows than trainable parameters, or by a dense Cholesky solve otherwise.
 */
import type { Matrix } from '../../linalg/matrix.js';
import { zeros } from '../../linalg/matrix.js';
import { cholesky, choleskySolve, gemv, syrk } from '../../linalg/index.js';
import type { Optimizer, OptimizerState } from './types.js';
import { InputError, ShapeError } from '../../errors.js';

/** `(JᵀJ + λI)⁻¹ g` by a dense `p × p` Cholesky solve (`J` is `n × p`). Cost O(n·p² + p³). */
export function denseDampedSolve(J: Matrix, g: Float64Array, lambda: number): Float64Array {
  if (g.length !== J.cols) throw new ShapeError(`denseDampedSolve: g has length ${g.length}, J has ${J.cols} columns`);
  const A = syrk(J, true);
  for (let i = 0; i < A.rows; i++) A.data[i * A.cols + i]! += lambda;
  const L = cholesky(A);
  return choleskySolve(L, { rows: g.length, cols: 1, data: g.slice() }).data;
}

/** `Jᵀ (JJᵀ + λI)⁻¹ e` (Woodbury form of `(JᵀJ + λI)⁻¹ Jᵀe`), `J` is `n × p`. Cost O(n²·p + n³). */
export function woodburyDampedSolve(J: Matrix, e: Float64Array, lambda: number): Float64Array {
  if (e.length !== J.rows) throw new ShapeError(`woodburyDampedSolve: e has length ${e.length}, J has ${J.rows} rows`);
  const A = syrk(J, false);
  for (let i = 0; i < A.rows; i++) A.data[i * A.cols + i]! += lambda;
  const L = cholesky(A);
  const w = choleskySolve(L, { rows: e.length, cols: 1, data: e.slice() }).data;
  return gemv(J, w, true);
}

/** Options of `gaussNewton`. */
export interface GaussNewtonOptions {
  learningRate: number;
  /** Damping λ > 0. */
  damping: number;
  /** 'auto' (Woodbury when rows < trainable params), 'woodbury' or 'dense'. */
  method?: 'auto' | 'woodbury' | 'dense';
  /** Multiply the step by λ, giving `λ(F + λI)⁻¹ g` (the scale of the low-rank form with k = rank). */
  scaleByDamping?: boolean;
}

/** The Gauss–Newton / Woodbury reference optimizer. Needs `ctx.gaussNewton`. Cost: a dense Jacobian (p JVPs) per step. */
export function gaussNewton(opts: GaussNewtonOptions): Optimizer {
  const lr = opts.learningRate;
  const lam = opts.damping;
  if (!(lr > 0)) throw new InputError(`gaussNewton: learningRate must be positive, got ${lr}`);
  if (!(lam > 0)) throw new InputError(`gaussNewton: damping must be positive, got ${lam}`);
  const method = opts.method ?? 'auto';
  return {
    name: 'gauss-newton',
    step(params, grad, ctx) {
      if (!ctx.gaussNewton) throw new InputError('gaussNewton: the step context has no Jacobian (ctx.gaussNewton)');
      const { J, index, eps, BT } = ctx.gaussNewton();
      const s = 1 / Math.sqrt(BT);
      const Js = zeros(J.rows, J.cols);
      for (let i = 0; i < J.data.length; i++) Js.data[i] = J.data[i]! * s;
      const useW = method === 'woodbury' || (method === 'auto' && J.rows < J.cols);
      let x: Float64Array;
      if (useW) {
        const es = new Float64Array(eps.length);
        const r = Math.sqrt(BT);
        for (let i = 0; i < eps.length; i++) es[i] = eps[i]! * r;
        x = woodburyDampedSolve(Js, es, lam);
      } else {
        const g = new Float64Array(index.length);
        for (let c = 0; c < index.length; c++) g[c] = grad[index[c]!]!;
        x = denseDampedSolve(Js, g, lam);
      }
      const f = -lr * (opts.scaleByDamping ? lam : 1);
      const u = new Float64Array(params.length);
      for (let c = 0; c < index.length; c++) u[index[c]!] = f * x[c]!;
      return u;
    },
    getState: (): OptimizerState => ({}),
    setState: () => {},
  };
}
