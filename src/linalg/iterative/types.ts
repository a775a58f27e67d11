/**
 * The minimal operator interface the matrix-free estimators work on, and their common options.
 *
 * The estimators live in linalg (docs/theory.md §1) and must not depend on `src/operators`; any object with
 * `n` and a block `apply` fits, e.g. `{ n: op.rows, apply: (X) => op.matmat(X) }`.
 */
import type { Matrix } from '../matrix.js';

/**
 * A symmetric `n × n` operator applied to blocks: `apply(X)` returns `A X` for `X` of shape `n × k`
 * (row-major, one vector per column). Estimators call it on blocks, never one vector at a time
 * when a block is available. It must not modify `X`, and the block it returns belongs to the
 * caller (the estimators may overwrite it): return a fresh block, not one the operator keeps.
 */
export interface SymmetricApply {
  readonly n: number;
  /**
   * `A X`. `out`: an `n × k` block the estimator no longer reads, which the result may be written
   * into and returned (an operator may ignore it); it saves a fresh block per call, whose first
   * touch costs page faults that on virtual machines rival the product for large `n`.
   */
  apply(X: Matrix, out?: Matrix): Matrix;
}

/** Options every estimator takes. */
export interface EstimatorOptions {
  /** Seed of the random draws (default 0). Equal seeds give bit-identical results. */
  seed?: number | string;
  /** Maximum number of operator-vector products (columns passed to `apply`, summed over calls). */
  budget?: number;
  /** Relative accuracy target; the estimator stops early once its own error estimate is below it. */
  tol?: number;
}
