/**
 * Public surface of the linear-algebra layer: dense row-major float64 matrices, kernels and
 * decompositions dispatched to the active backend (see backend.ts, registry.ts).
 */
import type { Matrix } from './matrix.js';
import type { GeneralEigen, Svd, SymmetricEigen } from './backend.js';
import { identity, zeros } from './matrix.js';
import { norm2 } from './vector.js';
import { getBackend, registerBackend } from './registry.js';
import { jsBackend } from './js-backend.js';
import { ConvergenceError, ShapeError, assertFinite } from '../errors.js';
import { householderQr, type QrResult } from './qr.js';
import { luDeterminant, luFactor, luSolve, type LuFactors } from './lu.js';

registerBackend(jsBackend);

export * from './matrix.js';
export * from './vector.js';
export { createRng, randomNormalMatrix, randomOrthogonal, detLog, type Rng } from './random.js';
export type { QrResult } from './qr.js';
export type { LuFactors } from './lu.js';
export type { LinalgBackend, GeneralEigen, SymmetricEigen, Svd, ComplexMatrix } from './backend.js';
export { getBackend, setBackend, registerBackend, availableBackends } from './registry.js';

/** Whether two typed arrays share memory. */
function overlaps(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  const a0 = a.byteOffset, a1 = a0 + a.byteLength, b0 = b.byteOffset, b1 = b0 + b.byteLength;
  return a0 < b1 && b0 < a1;
}

/** Options of `gemm`. */
export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Result buffer (`C`); a new zero matrix when absent (then β is irrelevant). */
  out?: Matrix;
}

/** `C = α op(A) op(B) + β C`. Shapes checked. Cost O(m·n·k) flops ×2. */
export function gemm(A: Matrix, B: Matrix, opts: GemmOptions = {}): Matrix {
  const tA = opts.transA ?? false;
  const tB = opts.transB ?? false;
  const m = tA ? A.cols : A.rows;
  const k = tA ? A.rows : A.cols;
  const k2 = tB ? B.cols : B.rows;
  const n = tB ? B.rows : B.cols;
  if (k !== k2) throw new ShapeError(`gemm: inner dimensions differ (${m}×${k} times ${k2}×${n})`);
  const C = opts.out ?? zeros(m, n);
  if (C.rows !== m || C.cols !== n) throw new ShapeError(`gemm: output is ${C.rows}×${C.cols}, expected ${m}×${n}`);
  if (overlaps(C.data, A.data) || overlaps(C.data, B.data)) throw new ShapeError('gemm: the output buffer must not overlap an input');
  getBackend().gemm(tA, tB, opts.alpha ?? 1, A, B, opts.out ? (opts.beta ?? 0) : 0, C);
  return C;
}

/** `A B` as a new matrix. */
export function matmul(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B);
}

/** Options of `gemvInto`. */
export interface GemvOptions {
  trans?: boolean;
  alpha?: number;
  beta?: number;
}

/** `y ← α op(A) x + β y` in place (β = 0 overwrites y); returns `y`. Shapes checked. Cost 2·m·n flops. */
export function gemvInto(A: Matrix, x: Float64Array, y: Float64Array, opts: GemvOptions = {}): Float64Array {
  const trans = opts.trans ?? false;
  const n = trans ? A.rows : A.cols;
  const m = trans ? A.cols : A.rows;
  if (x.length !== n) throw new ShapeError(`gemvInto: vector x of length ${x.length} for a ${A.rows}×${A.cols} matrix${trans ? ' (transposed)' : ''}`);
  if (y.length !== m) throw new ShapeError(`gemvInto: vector y of length ${y.length}, expected ${m}`);
  if (overlaps(y, x) || overlaps(y, A.data)) throw new ShapeError('gemvInto: y must not overlap x or A');
  getBackend().gemv(trans, opts.alpha ?? 1, A, x, opts.beta ?? 0, y);
  return y;
}

/** `y = op(A) x` as a new vector. Cost O(m·n). */
export function gemv(A: Matrix, x: Float64Array, trans = false): Float64Array {
  const n = trans ? A.rows : A.cols;
  if (x.length !== n) throw new ShapeError(`gemv: vector of length ${x.length} for a ${A.rows}×${A.cols} matrix${trans ? ' (transposed)' : ''}`);
  const y = new Float64Array(trans ? A.cols : A.rows);
  getBackend().gemv(trans, 1, A, x, 0, y);
  return y;
}

/** `Aᵀ` as a new matrix. Cost O(m·n). */
export function transpose(A: Matrix): Matrix {
  const T = zeros(A.cols, A.rows);
  const { rows: m, cols: n, data: a } = A;
  const t = T.data;
  const bs = 32;
  for (let i0 = 0; i0 < m; i0 += bs) {
    for (let j0 = 0; j0 < n; j0 += bs) {
      const i1 = Math.min(m, i0 + bs);
      const j1 = Math.min(n, j0 + bs);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) t[j * m + i] = a[i * n + j]!;
    }
  }
  return T;
}

/** Buffers from this many doubles (32 MB) on come from the backend's `allocateZeroed` when it has one. */
export const LARGE_BUFFER = 4 << 20;

/**
 * A `rows × cols` zero matrix for a large buffer that is written once in full (a Jacobian, a
 * Gram): from `LARGE_BUFFER` doubles on, in memory from the active backend's `allocateZeroed`
 * (native on Linux: transparent huge pages, whose first touch costs a fraction of 4 KiB pages'),
 * else as `zeros`. Throws ShapeError like `zeros`. Cost O(1) plus the first touch.
 */
export function largeZeros(rows: number, cols: number): Matrix {
  const len = rows * cols;
  if (Number.isInteger(len) && len >= LARGE_BUFFER) {
    const data = getBackend().allocateZeroed?.(len);
    if (data) return { rows, cols, data };
  }
  return zeros(rows, cols);
}

/** `A Aᵀ` (trans = false, `m × m`) or `Aᵀ A` (trans = true, `n × n`), exactly symmetric. Cost ≈ half a GEMM. */
export function syrk(A: Matrix, trans = false): Matrix {
  const n = trans ? A.cols : A.rows;
  const C = largeZeros(n, n);
  getBackend().syrk(trans, 1, A, C);
  return C;
}

function square(A: Matrix, what: string): void {
  if (A.rows !== A.cols) throw new ShapeError(`${what}: matrix must be square, got ${A.rows}×${A.cols}`);
}

function finite(A: Matrix, what: string): void {
  if (A.data.length !== A.rows * A.cols) throw new ShapeError(`${what}: buffer of length ${A.data.length} for a ${A.rows}×${A.cols} matrix`);
  assertFinite(A.data, what);
}

function finiteResult(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new ConvergenceError(`${what}: the decomposition produced a non-finite value (${a[i]}); the input may be too badly scaled`);
  }
}

/**
 * Eigen-decomposition of a symmetric `n × n` matrix (only the lower triangle is read, but the
 * whole matrix must be finite), values ascending, orthonormal vectors as columns (sign: largest
 * entry positive). Cost: values only ≈ 4/3·n³ flops (blocked Householder tridiagonalisation on
 * GEMMs, then QL without vectors); with vectors a few times more (QL rotations dominate).
 */
export function symmetricEigen(A: Matrix, opts: { vectors?: boolean } = {}): SymmetricEigen {
  square(A, 'symmetricEigen');
  finite(A, 'symmetricEigen: input matrix');
  const r = getBackend().symmetricEigen(A, opts.vectors ?? true);
  finiteResult(r.values, 'symmetricEigen');
  return r;
}

/**
 * Eigenvalues only of a symmetric `n × n` matrix (lower triangle read; the whole matrix must be
 * finite), ascending: all `n`, or with `largest = k` the k largest (ascending) by a partial solver
 * where the backend has one (native: LAPACK dsyevr with an index range; the tridiagonal reduction,
 * ≈ 4/3·n³ flops, is shared by both). `overwrite: true` lets the solver destroy `A` instead of
 * copying it (n² doubles saved). Cost ≈ 4/3·n³ flops + O(n²).
 */
export function symmetricEigenvalues(A: Matrix, opts: { overwrite?: boolean; largest?: number } = {}): Float64Array {
  square(A, 'symmetricEigenvalues');
  finite(A, 'symmetricEigenvalues: input matrix');
  const n = A.rows;
  const k = opts.largest;
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > n)) {
    throw new ShapeError(`symmetricEigenvalues: largest must be an integer in [1, ${n}], got ${k}`);
  }
  const b = getBackend();
  const values = b.symmetricEigenvalues
    ? b.symmetricEigenvalues(A, opts.overwrite ?? false, k)
    : ((all) => (k === undefined ? all : all.slice(n - k)))(b.symmetricEigen(A, false).values);
  finiteResult(values, 'symmetricEigenvalues');
  return values;
}

/**
 * Eigenvalues (complex, as re/im) and right and left eigenvectors of a general real `n × n`
 * matrix: column k of `right` satisfies `A v = λ_k v`, of `left` `wᴴ A = λ_k wᴴ`; unit 2-norm,
 * entry of largest modulus real positive; conjugate pairs adjacent, +Im first; eigenvalues in
 * the solver's (unsorted) order. js backend: left vectors from a second decomposition of `Aᵀ`
 * matched by eigenvalue (see eigen.ts). NonFiniteError on NaN/Inf input. Cost O(n³) (≈ 2× with vectors).
 */
export function generalEigen(A: Matrix, opts: { vectors?: boolean } = {}): GeneralEigen {
  square(A, 'generalEigen');
  finite(A, 'generalEigen: input matrix');
  const r = getBackend().generalEigen(A, opts.vectors ?? true);
  finiteResult(r.re, 'generalEigen');
  finiteResult(r.im, 'generalEigen');
  if (r.right) finiteResult(r.right.re.data, 'generalEigen (right vectors)');
  if (r.left) finiteResult(r.left.re.data, 'generalEigen (left vectors)');
  return r;
}

/** Thin SVD `A = U diag(s) Vᵀ` (`U` `m × k`, `V` `n × k`, `k = min(m, n)`), s descending. Cost O(m·n·min(m,n)). */
export function svd(A: Matrix, opts: { vectors?: boolean } = {}): Svd {
  finite(A, 'svd: input matrix');
  const r = getBackend().svd(A, opts.vectors ?? true);
  finiteResult(r.s, 'svd');
  return r;
}

/** Solves `A X = B` (LU, partial pivoting). Throws SingularMatrixError. Cost O(n³ + n²·k). */
export function solve(A: Matrix, B: Matrix): Matrix {
  square(A, 'solve');
  if (B.rows !== A.rows) throw new ShapeError(`solve: right-hand side has ${B.rows} rows, matrix is ${A.rows}×${A.cols}`);
  finite(A, 'solve: matrix');
  finite(B, 'solve: right-hand side');
  const X = getBackend().solve(A, B);
  assertFinite(X.data, 'solve: solution (overflow; the matrix is nearly singular)');
  return X;
}

/** Solves `A x = b` for one vector. */
export function solveVector(A: Matrix, b: Float64Array): Float64Array {
  return solve(A, { rows: b.length, cols: 1, data: b }).data;
}

/** Lower Cholesky factor of a symmetric positive-definite matrix. Throws SingularMatrixError. Cost O(n³/3). */
export function cholesky(A: Matrix): Matrix {
  square(A, 'cholesky');
  finite(A, 'cholesky: input matrix');
  return getBackend().cholesky(A);
}

/** Solves `L Lᵀ X = B` given the lower Cholesky factor. Cost O(n²·k). */
export function choleskySolve(L: Matrix, B: Matrix): Matrix {
  square(L, 'choleskySolve');
  if (B.rows !== L.rows) throw new ShapeError(`choleskySolve: right-hand side has ${B.rows} rows, factor is ${L.rows}×${L.cols}`);
  finite(L, 'choleskySolve: factor');
  finite(B, 'choleskySolve: right-hand side');
  return getBackend().choleskySolve(L, B);
}

/** Thin Householder QR `A = Q R` (`Q` `m × k` orthonormal columns, `R` `k × n`, `k = min(m, n)`). Cost O(m·n·k). */
export function qr(A: Matrix): QrResult {
  finite(A, 'qr: input matrix');
  return householderQr(A);
}

/**
 * LU factors `P A = L U` of a square matrix (js implementation, independent of the backend), for
 * many solves with one matrix via `luSolveFactored`. Throws SingularMatrixError. Cost 2n³/3 flops.
 */
export function lu(A: Matrix): LuFactors {
  square(A, 'lu');
  finite(A, 'lu: input matrix');
  return luFactor(A);
}

/** Solves `A X = B` from `lu(A)`; `B` is `n × k`. Cost 2n²k flops. */
export function luSolveFactored(f: LuFactors, B: Matrix): Matrix {
  if (B.rows !== f.n) throw new ShapeError(`luSolveFactored: right-hand side has ${B.rows} rows, factors are ${f.n}×${f.n}`);
  finite(B, 'luSolveFactored: right-hand side');
  return luSolve(f, B);
}

/** `A⁻¹` by LU (prefer `solve` when you only need `A⁻¹B`). Throws SingularMatrixError. Cost O(n³). */
export function inverse(A: Matrix): Matrix {
  square(A, 'inverse');
  return solve(A, identity(A.rows));
}

/** `det A` by LU with partial pivoting; 0 when singular to working precision. Cost O(n³). */
export function determinant(A: Matrix): number {
  square(A, 'determinant');
  finite(A, 'determinant: input matrix');
  if (A.rows === 0) return 1;
  try {
    return luDeterminant(luFactor(A));
  } catch (e) {
    if (e instanceof Error && e.name === 'SingularMatrixError') return 0;
    throw e;
  }
}

/** Frobenius norm `sqrt(Σ a_ij²)` (overflow-safe). Cost O(m·n). */
export function frobeniusNorm(A: Matrix): number {
  return norm2(A.data);
}

/** `Σ a_ii` of a square matrix. Cost O(n). */
export function trace(A: Matrix): number {
  square(A, 'trace');
  let s = 0;
  for (let i = 0; i < A.rows; i++) s += A.data[i * A.cols + i]!;
  return s;
}

/** `(A + Aᵀ)/2` as a new matrix (square input). Cost O(n²). */
export function symmetrize(A: Matrix): Matrix {
  square(A, 'symmetrize');
  const n = A.rows;
  const S = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (A.data[i * n + j]! + A.data[j * n + i]!);
      S.data[i * n + j] = v;
      S.data[j * n + i] = v;
    }
  }
  return S;
}
