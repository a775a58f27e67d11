/**
 * Matrix–vector kernels on blocks of a flat parameter vector (internal, hot loops of the cells).
 * A block is `rows × cols` row-major at `off` of `A`. Four rows per pass (shared loads of `v`,
 * independent accumulators): about 2× a plain loop in V8.
 */
import { gemm, getBackend } from '../linalg/index.js';
import type { Matrix } from '../linalg/matrix.js';
import { tileProductAdd, tileProductTAdd, tileProductTAdd3x4 } from '../linalg/tile-product.js';

/** `out[i] (= or +=) Σ_j A[off + i·cols + j] v[j]`, i < rows. `out` must not alias `v`. Cost O(rows·cols). */
export function mv(A: Float64Array, off: number, rows: number, cols: number, v: Float64Array, out: Float64Array, add: boolean): void {
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const r0 = off + i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
    for (let j = 0; j < cols; j++) {
      const x = v[j]!;
      s0 += A[r0 + j]! * x;
      s1 += A[r1 + j]! * x;
      s2 += A[r2 + j]! * x;
      s3 += A[r3 + j]! * x;
    }
    if (add) {
      out[i]! += s0; out[i + 1]! += s1; out[i + 2]! += s2; out[i + 3]! += s3;
    } else {
      out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    }
  }
  for (; i < rows; i++) {
    let s = 0;
    const r = off + i * cols;
    for (let j = 0; j < cols; j++) s += A[r + j]! * v[j]!;
    if (add) out[i]! += s;
    else out[i] = s;
  }
}

/** `out[j] += Σ_i A[off + i·cols + j] w[i]` (transposed product, accumulating). `out` must not alias `w`. Cost O(rows·cols). */
export function mtvAdd(A: Float64Array, off: number, rows: number, cols: number, w: Float64Array, out: Float64Array): void {
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const w0 = w[i]!, w1 = w[i + 1]!, w2 = w[i + 2]!, w3 = w[i + 3]!;
    if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) continue;
    const r0 = off + i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
    for (let j = 0; j < cols; j++) out[j]! += A[r0 + j]! * w0 + A[r1 + j]! * w1 + A[r2 + j]! * w2 + A[r3 + j]! * w3;
  }
  for (; i < rows; i++) {
    const wi = w[i]!;
    if (wi === 0) continue;
    const r = off + i * cols;
    for (let j = 0; j < cols; j++) out[j]! += A[r + j]! * wi;
  }
}

/** Rank-one update `A[off + i·cols + j] += g[i] v[j]`. Cost O(rows·cols). */
export function gerAdd(A: Float64Array, off: number, rows: number, cols: number, g: Float64Array, v: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const r = off + i * cols;
    for (let j = 0; j < cols; j++) A[r + j]! += gi * v[j]!;
  }
}

/**
 * `out[oOff + i·k + j] += Σ_q A[aOff + i·cols + q] X[xOff + q·k + j]` (`rows × cols` times
 * `cols × k`): the backend's GEMM when native, else a register-tiled loop that reads `A` in place
 * (linalg/tile-product.ts). O(rows·cols·k).
 */
export function mulAdd(native: boolean, A: Float64Array, aOff: number, rows: number, cols: number, X: Float64Array, xOff: number, k: number, out: Float64Array, oOff: number): void {
  if (native) {
    gemm({ rows, cols, data: A.subarray(aOff, aOff + rows * cols) }, { rows: cols, cols: k, data: X.subarray(xOff, xOff + cols * k) }, { out: { rows, cols: k, data: out.subarray(oOff, oOff + rows * k) }, beta: 1 });
    return;
  }
  tileProductAdd(A, aOff, rows, cols, X, xOff, k, out, oOff);
}

/**
 * `out[oOff + q·k + j] += Σ_i A[aOff + i·cols + q] W[wOff + i·k + j]` (`Aᵀ W`, `A` `rows × cols`,
 * `W` `rows × k`): the backend's GEMM when native, else a register-tiled loop that reads `A` in
 * place (linalg/tile-product.ts; it beats the packed TypeScript GEMM at every size of the sweeps,
 * measured 128 × 128 × 12: 3.1 vs 2.2 GFLOP/s). O(rows·cols·k).
 */
export function mulTAdd(native: boolean, A: Float64Array, aOff: number, rows: number, cols: number, W: Float64Array, wOff: number, k: number, out: Float64Array, oOff: number): void {
  if (native) {
    gemm({ rows, cols, data: A.subarray(aOff, aOff + rows * cols) }, { rows, cols: k, data: W.subarray(wOff, wOff + rows * k) }, { transA: true, out: { rows: cols, cols: k, data: out.subarray(oOff, oOff + cols * k) }, beta: 1 });
    return;
  }
  tileProductTAdd(A, aOff, rows, cols, W, wOff, k, out, oOff);
}

/** Whether the per-step products run on the backend's GEMM (native, from `rows·k ≥ 64`). O(1). */
export function nativeProducts(rows: number, k: number): boolean {
  return getBackend().name === 'native' && rows * k >= 64;
}

/**
 * Inner dimensions below which a product over all steps takes the register tile instead of the
 * TypeScript GEMM: with short sums the packed GEMM's packing and per-tile overhead dominate
 * (measured 240 × 18 × 48: 4.2 vs 2.5–3.4 GFLOP/s; equal speed from inner ≈ 128).
 */
const TILE_INNER_MAX = 64;

/**
 * `out (+)= U X` for `U` `rows × inner`, `X` `inner × cols`, `out` `rows × cols` (row-major; `out`
 * overwritten unless `accumulate`): the register-tiled loop on the pure TypeScript backend when
 * inner < 64, which sums in the GEMM's order (the same numbers), else the backend's GEMM. Returns
 * `out`. O(rows·inner·cols).
 */
export function stepsProduct(U: Matrix, X: Matrix, out: Matrix, accumulate: boolean): Matrix {
  if (getBackend().name !== 'native' && U.cols < TILE_INNER_MAX) {
    if (!accumulate) out.data.fill(0);
    tileProductAdd(U.data, 0, U.rows, U.cols, X.data, 0, X.cols, out.data, 0);
    return out;
  }
  return gemm(U, X, { out, ...(accumulate ? { beta: 1 } : {}) });
}

/**
 * The pure TypeScript GEMM's k-block and small-product bound (linalg/gemm-kernel.ts: sums over k
 * run in blocks of 256, each added to C once, or in one run when m·n·k ≤ 32³), which
 * `stepsProductT` reproduces.
 */
const GEMM_KC = 256;
const GEMM_SMALL_FLOPS = 32 * 32 * 32;

/**
 * `out = Uᵀ G` for `U` `rows × inner` and `G` `rows × cols` (row-major; `out` `inner × cols`,
 * overwritten; a weight site's gradient over all steps): on the pure TypeScript backend when
 * inner < 64 the register tile `tileProductTAdd3x4`, run over the same row blocks as the GEMM's
 * k-blocks so that every entry is the GEMM's number bit for bit; else the backend's GEMM.
 * `out` must not overlap `G`. Returns `out`. O(rows·inner·cols).
 */
export function stepsProductT(U: Matrix, G: Matrix, out: Matrix): Matrix {
  const { rows: R, cols: L } = U;
  const n = G.cols;
  if (getBackend().name !== 'native' && L < TILE_INNER_MAX) {
    out.data.fill(0);
    const run = L * n * R <= GEMM_SMALL_FLOPS ? R : GEMM_KC;
    for (let r0 = 0; r0 < R; r0 += run) tileProductTAdd3x4(U.data, r0 * L, Math.min(run, R - r0), L, G.data, r0 * n, n, out.data, 0);
    return out;
  }
  return gemm(U, G, { transA: true, out });
}
