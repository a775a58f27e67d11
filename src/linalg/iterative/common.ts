/**
 * Shared pieces of the iterative eigensolvers: option checks, checked operator application,
 * small Rayleigh–Ritz problems and Ritz error bounds. Internal to `linalg/iterative`.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { symmetricEigen } from '../index.js';
import type { SymmetricApply } from './types.js';
import { ConvergenceError, InputError, NonFiniteError, ShapeError } from '../../errors.js';

/** Top-k eigenpairs of a symmetric operator as returned by the iterative eigensolvers. */
export interface EigenpairsResult {
  /** Ritz values, descending, length `k`. */
  values: Float64Array;
  /** Ritz vectors (orthonormal columns), `n × k`, column `i` belongs to `values[i]`. */
  vectors: Matrix;
  /** `A · vectors` (`n × k`), computed explicitly when the budget allowed (see `residualSource`). */
  AV?: Matrix;
  /** `‖A x_i − θ_i x_i‖₂` per Ritz pair. */
  residualNorms: Float64Array;
  /**
   * Believed absolute error of each eigenvalue: `min(r_i, r_i²/gap_i)` where `r_i` is the residual
   * norm and `gap_i` the distance from `θ_i` to the nearest other Ritz value (Parlett §11.7; the
   * first term is a rigorous bound — some eigenvalue lies within `r_i` of `θ_i` — the second uses
   * the Ritz gap as a stand-in for the unknown true gap).
   */
  errorBounds: Float64Array;
  /** Whether every `errorBounds[i] ≤ tol · max|θ|`. */
  converged: boolean;
  /** Operator-vector products used. */
  matvecs: number;
  /** Outer iterations (Lanczos blocks or power steps). */
  iterations: number;
  /** Where `residualNorms` came from: an explicit `A x − θ x`, or the Lanczos recurrence. */
  residualSource: 'explicit' | 'recurrence';
  /** Thick restarts performed (Lanczos with `maxBasis`; 0 otherwise). */
  restarts?: number;
}

/** Validates `k`, `n`, and returns the budget to use. */
export function checkCommon(A: SymmetricApply, k: number, what: string): void {
  if (!Number.isInteger(A.n) || A.n < 1) throw new ShapeError(`${what}: operator size must be a positive integer, got ${A.n}`);
  if (!Number.isInteger(k) || k < 1) throw new InputError(`${what}: k must be a positive integer, got ${k}`);
  if (k > A.n) throw new InputError(`${what}: asked for k = ${k} eigenpairs of a ${A.n}×${A.n} operator`);
}

/** Validates a budget (positive integer or Infinity). */
export function checkBudget(budget: number, what: string): void {
  if (!(budget >= 1) || (!Number.isInteger(budget) && budget !== Infinity)) {
    throw new InputError(`${what}: budget must be a positive integer number of matvecs, got ${budget}`);
  }
}

/** `A X` with shape and finiteness checks on the result. */
export function applyChecked(A: SymmetricApply, X: Matrix, what: string, out?: Matrix): Matrix {
  const Y = out ? A.apply(X, out) : A.apply(X);
  if (Y.rows !== A.n || Y.cols !== X.cols) {
    throw new ShapeError(`${what}: operator returned ${Y.rows}×${Y.cols} for a ${X.rows}×${X.cols} block (expected ${A.n}×${X.cols})`);
  }
  const y = Y.data;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) throw new NonFiniteError(`${what}: operator returned a non-finite entry (${y[i]}) at row ${Math.floor(i / X.cols)}, column ${i % X.cols}`);
  }
  return Y;
}

/** Eigenpairs of a small symmetric matrix (symmetrised first), values descending. Cost O(m³). */
export function smallEigDesc(T: Matrix): { values: Float64Array; vectors: Matrix } {
  const m = T.rows;
  const S = zeros(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) S.data[i * m + j] = 0.5 * (T.data[i * m + j]! + T.data[j * m + i]!);
  const e = symmetricEigen(S, { vectors: true });
  const values = new Float64Array(m);
  const vectors = zeros(m, m);
  for (let c = 0; c < m; c++) {
    const src = m - 1 - c;
    values[c] = e.values[src]!;
    for (let r = 0; r < m; r++) vectors.data[r * m + c] = e.vectors!.data[r * m + src]!;
  }
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(values[i]!)) throw new NonFiniteError(`Rayleigh–Ritz eigenvalue ${i} is not finite`);
  }
  return { values, vectors };
}

/** `min(r_i, r_i²/gap_i)` with the gap to the nearest other Ritz value (see EigenpairsResult). */
export function ritzErrorBounds(values: ArrayLike<number>, residuals: ArrayLike<number>, k: number): Float64Array {
  const b = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let gap = Infinity;
    for (let j = 0; j < values.length; j++) if (j !== i) gap = Math.min(gap, Math.abs(values[i]! - values[j]!));
    const r = residuals[i]!;
    b[i] = gap > 0 ? Math.min(r, (r * r) / gap) : r;
  }
  return b;
}

/** Scale for relative tolerances: max |θ| (or 1 if all are zero). */
export function spectralScale(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s = Math.max(s, Math.abs(values[i]!));
  return s > 0 ? s : Number.MIN_VALUE;
}

/** Throws ConvergenceError naming the achieved accuracy when `require` is set and `r` did not converge. */
export function enforceConvergence(r: EigenpairsResult, require: boolean, tol: number, budget: number, what: string): EigenpairsResult {
  if (r.converged || !require) return r;
  const scale = spectralScale(r.values);
  let worst = 0;
  for (let i = 0; i < r.errorBounds.length; i++) worst = Math.max(worst, r.errorBounds[i]! / scale);
  throw new ConvergenceError(
    `${what}: top-${r.values.length} eigenpairs not converged within the budget of ${budget} matvecs ` +
      `(worst relative error bound ${worst.toExponential(2)} > tol ${tol.toExponential(2)} after ${r.matvecs} matvecs); ` +
      `raise the budget, loosen tol, or pass requireConvergence: false to get the estimate with its error bounds`,
  );
}

/** Relative-to-scale residual check. */
export function allBelow(bounds: ArrayLike<number>, tol: number, scale: number): boolean {
  for (let i = 0; i < bounds.length; i++) if (!(bounds[i]! <= tol * scale)) return false;
  return true;
}
