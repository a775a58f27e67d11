/**
 * The LinearOperator abstraction: a matrix known only through its products with vectors and blocks.
 */
import type { Matrix } from '../linalg/matrix.js';

/**
 * A linear map `R^cols → R^rows` with its adjoint. Vectors are `Float64Array`s; blocks are row-major
 * matrices with one vector per column (`matmat(X)` with `X` `cols × k` gives `rows × k`).
 * Implementations never modify their arguments and always return fresh arrays.
 */
export interface LinearOperator {
  readonly rows: number;
  readonly cols: number;
  /** `A x` (`x` length `cols`, result length `rows`). */
  matvec(x: Float64Array): Float64Array;
  /** `Aᵀ y` (`y` length `rows`, result length `cols`). */
  rmatvec(y: Float64Array): Float64Array;
  /**
   * `A X` for a block `X` (`cols × k` → `rows × k`). `out`: a `rows × k` block that nobody else
   * reads, which the result may be written into and returned (saving a fresh allocation per call
   * inside an eigensolver); an operator may ignore it and return a fresh block.
   */
  matmat(X: Matrix, out?: Matrix): Matrix;
  /** `Aᵀ Y` for a block `Y` (`rows × k` → `cols × k`). */
  rmatmat(Y: Matrix): Matrix;
  /** True when the operator is known to be symmetric (`A = Aᵀ`, square). */
  readonly symmetric: boolean;
  /** Optional human-readable description used in error messages (e.g. "sNTK (3200×3200)"). */
  readonly label?: string;
}

/** What a caller supplies to `makeOperator`: at least one forward and one adjoint routine (or `symmetric`). */
export interface OperatorSpec {
  rows: number;
  cols: number;
  matvec?: (x: Float64Array) => Float64Array;
  rmatvec?: (y: Float64Array) => Float64Array;
  /** `A X`; may write into `out` (see `LinearOperator.matmat`). */
  matmat?: (X: Matrix, out?: Matrix) => Matrix;
  rmatmat?: (Y: Matrix) => Matrix;
  /** Declares `A = Aᵀ`; the adjoint routines then default to the forward ones. */
  symmetric?: boolean;
  label?: string;
  /**
   * Check every result of the supplied routines for NaN/Inf and throw NonFiniteError naming the
   * operator (default true; O(size of the result)).
   */
  checkFinite?: boolean;
}
