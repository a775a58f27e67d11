/**
 * Randomized subspace (block power) iteration with Rayleigh–Ritz for the top-k eigenpairs of a
 * symmetric operator.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { createRng } from '../random.js';
import type { EstimatorOptions, SymmetricApply } from './types.js';
import { atb, colNormsSq, hcat, mulSmall, orthonormalize, sliceCols } from './block.js';
import type { EigenpairsResult } from './common.js';
import { allBelow, applyChecked, checkBudget, checkCommon, enforceConvergence, ritzErrorBounds, smallEigDesc, spectralScale } from './common.js';
import { InputError, ShapeError } from '../../errors.js';

/** Options of `subspaceIterationTopK`. */
export interface SubspaceOptions extends EstimatorOptions {
  /** Number of eigenpairs wanted (largest algebraic eigenvalues; for PSD operators the largest in magnitude). */
  k: number;
  /** Extra columns `p` in the block, `ℓ = k + p` (default `max(5, ⌈k/2⌉)`, capped at `n − k`). */
  oversampling?: number;
  /** Warm start: `n × c` starting vectors (`c ≤ ℓ`), padded with Gaussian columns. */
  init?: Matrix;
  /** Throw ConvergenceError when the budget runs out before `tol` is met (default true). */
  requireConvergence?: boolean;
}

/**
 * Top-k eigenpairs (largest first) of a symmetric positive semi-definite operator by randomized
 * subspace iteration: `Q ← orth(A Q)` on an `n × ℓ` block with Rayleigh–Ritz after every
 * application. Residuals are exact and free (`A Q U − Q U Θ` from the same product). Converges at
 * rate `λ_{ℓ+1}/λ_i` per step for pair `i`. Defaults: tol 1e-10 (relative to θ_max), budget
 * `100·ℓ` matvecs, seed 0. Cost per step: one block apply of `ℓ` vectors, O(n·ℓ²) flops, O(ℓ³).
 */
export function subspaceIterationTopK(A: SymmetricApply, opts: SubspaceOptions): EigenpairsResult {
  const what = 'subspaceIterationTopK';
  const n = A.n;
  const k = opts.k;
  checkCommon(A, k, what);
  const p = opts.oversampling ?? Math.max(5, Math.ceil(k / 2));
  if (!Number.isInteger(p) || p < 0) throw new InputError(`${what}: oversampling must be a non-negative integer, got ${p}`);
  const l = Math.min(n, k + p);
  const tol = opts.tol ?? 1e-10;
  const budget = opts.budget ?? 100 * l;
  checkBudget(budget, what);
  if (budget < l) throw new InputError(`${what}: budget ${budget} is smaller than one block of ${l} vectors`);
  if (opts.init && opts.init.rows !== n) throw new ShapeError(`${what}: init has ${opts.init.rows} rows, operator is ${n}×${n}`);
  if (opts.init && opts.init.cols > l) throw new InputError(`${what}: init has ${opts.init.cols} columns, more than the block size ${l}`);
  const rng = createRng(opts.seed ?? 0);

  let X0 = zeros(n, l);
  rng.fillNormal(X0.data);
  if (opts.init && opts.init.cols > 0) {
    const c = opts.init.cols;
    X0 = c === l ? { rows: n, cols: l, data: opts.init.data.slice() } : hcat(opts.init, sliceCols(X0, 0, l - c));
  }
  let Q = orthonormalize(X0, [], { rng }).Q;

  let matvecs = 0;
  let iterations = 0;
  let last: { values: Float64Array; X: Matrix; AX: Matrix; res: Float64Array; bounds: Float64Array } | undefined;
  let converged = false;
  while (matvecs + Q.cols <= budget) {
    const Y = applyChecked(A, Q, what);
    matvecs += Q.cols;
    iterations++;
    const T = atb(Q, Y);
    const { values, vectors: U } = smallEigDesc(T);
    const X = mulSmall(Q, U);
    const AX = mulSmall(Y, U);
    const Rm: Matrix = { rows: n, cols: Q.cols, data: AX.data.slice() };
    const q = Q.cols;
    for (let r = 0; r < n; r++) for (let c = 0; c < q; c++) Rm.data[r * q + c]! -= values[c]! * X.data[r * q + c]!;
    const res = colNormsSq(Rm).map(Math.sqrt);
    const bounds = ritzErrorBounds(values, res, k);
    last = { values, X, AX, res, bounds };
    if (allBelow(bounds, tol, spectralScale(values))) {
      converged = true;
      break;
    }
    Q = orthonormalize(AX, [], { rng }).Q;
  }
  if (!last) throw new InputError(`${what}: budget ${budget} did not allow a single block apply`);
  const result: EigenpairsResult = {
    values: last.values.slice(0, k),
    vectors: sliceCols(last.X, 0, k),
    AV: sliceCols(last.AX, 0, k),
    residualNorms: last.res.slice(0, k),
    errorBounds: last.bounds,
    converged,
    matvecs,
    iterations,
    residualSource: 'explicit',
  };
  return enforceConvergence(result, opts.requireConvergence ?? true, tol, budget, what);
}
