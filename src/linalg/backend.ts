/**
 * The backend seam of the linear-algebra layer.
 *
 * Every dense kernel and decomposition that callers use goes through the active `LinalgBackend`.
 * The pure TypeScript backend (`js`) always exists and is what the browser uses; a native
 * OpenBLAS/LAPACK backend (`native`) can be registered and selected without touching callers.
 * Selection: `setBackend(name)`, or the environment variable `SNTK_BACKEND=js|native`.
 *
 * All matrices are row-major (see matrix.ts). Eigenvectors and singular vectors are returned as
 * the **columns** of a matrix.
 */
import type { Matrix } from './matrix.js';

/** Eigen-decomposition of a symmetric matrix: `A = V diag(values) Vᵀ`, values ascending. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Orthonormal eigenvectors as columns (`n × n`); absent when vectors were not requested. */
  vectors?: Matrix;
}

/** A complex matrix as separate real and imaginary parts (both row-major, same shape). */
export interface ComplexMatrix {
  re: Matrix;
  im: Matrix;
}

/**
 * Eigen-decomposition of a general real matrix.
 * Column k of `right` is `v_k` with `A v_k = λ_k v_k`; column k of `left` is `w_k` with
 * `w_kᴴ A = λ_k w_kᴴ`. Both normalised to unit 2-norm. Complex-conjugate pairs are adjacent
 * with the positive imaginary part first (LAPACK's order).
 */
export interface GeneralEigen {
  re: Float64Array;
  im: Float64Array;
  right?: ComplexMatrix;
  left?: ComplexMatrix;
}

/** Thin SVD `A = U diag(s) Vᵀ`, `s` descending, `U` is `m × k`, `V` is `n × k`, `k = min(m, n)`. */
export interface Svd {
  s: Float64Array;
  U?: Matrix;
  V?: Matrix;
}

/** The operations a backend provides. Shapes are checked by the public wrappers, not here. */
export interface LinalgBackend {
  readonly name: 'js' | 'native';
  /** `C ← α op(A) op(B) + β C`, op = transpose when the flag is set. */
  gemm(transA: boolean, transB: boolean, alpha: number, A: Matrix, B: Matrix, beta: number, C: Matrix): void;
  /** `y ← α op(A) x + β y`. */
  gemv(trans: boolean, alpha: number, A: Matrix, x: Float64Array, beta: number, y: Float64Array): void;
  /**
   * `C ← α A Aᵀ` (trans = false) or `α Aᵀ A` (trans = true), full symmetric result; with `lower`,
   * only the lower triangle is guaranteed (the strict upper one may keep its old contents; the js
   * backend writes both) — enough for this backend's `symmetricEigenvalues`, which reads the lower
   * triangle, and one O(n²) strided pass cheaper.
   */
  syrk(trans: boolean, alpha: number, A: Matrix, C: Matrix, lower?: boolean): void;
  symmetricEigen(A: Matrix, vectors: boolean): SymmetricEigen;
  /**
   * Eigenvalues only, ascending: all of them, or the `largest` largest (a partial solver where the
   * backend has one). `overwrite`: the solver may destroy `A` (no copy of it is made).
   * Optional: the public wrapper falls back to `symmetricEigen(A, false)`.
   */
  symmetricEigenvalues?(A: Matrix, overwrite: boolean, largest?: number): Float64Array;
  generalEigen(A: Matrix, vectors: boolean): GeneralEigen;
  svd(A: Matrix, vectors: boolean): Svd;
  /** Solves `A X = B` by LU with partial pivoting; throws SingularMatrixError. */
  solve(A: Matrix, B: Matrix): Matrix;
  /** Lower Cholesky factor `L` with `A = L Lᵀ`; throws SingularMatrixError if not positive definite. */
  cholesky(A: Matrix): Matrix;
  /** Solves `L Lᵀ X = B` given the lower factor. */
  choleskySolve(L: Matrix, B: Matrix): Matrix;
  /**
   * Sets the number of threads of the backend's BLAS and returns the count that was in force
   * before (native OpenBLAS only; absent elsewhere). Lets a caller run a phase of many small
   * products on one thread and restore the count afterwards.
   */
  setThreads?(n: number): number;
  /**
   * The scaled recurrence through time of a leaky cell's Jacobian on `k` vectors, in place on
   * `Y` (`T` consecutive row-major `N × k` blocks), with `W` `N × N` and the step scales `S`
   * (`T × N`): forward `Y_t += leak·Y_{t−1} + diag(s_t) W Y_{t−1}` (t = 1 … T−1), transposed
   * `Y_t += leak·Y_{t+1} + Wᵀ diag(s_{t+1}) Y_{t+1}` (t = T−2 … 0). Lengths are the caller's
   * responsibility. Cost `2·(T−1)·N²·k` flops.
   */
  scaledRecurrence(transpose: boolean, T: number, N: number, k: number, W: Float64Array, leak: number, S: Float64Array, Y: Float64Array): void;
  /**
   * A zeroed `Float64Array` of `length` in fresh memory that is cheap to touch for the first time
   * (native on Linux: transparent huge pages), or undefined to let the caller allocate as usual.
   * Optional; only worth it for large buffers (see `largeZeros`).
   */
  allocateZeroed?(length: number): Float64Array | undefined;
}
