/**
 * The scaled recurrence through time of a leaky/vanilla cell's Jacobian on `k` vectors at once,
 * in plain TypeScript (the `js` backend's `scaledRecurrence`; docs/theory.md §3):
 *
 *   forward:    `Y_t += leak·Y_{t−1} + diag(s_t) W Y_{t−1}`,        t = 1 … T−1;
 *   transposed: `Y_t += leak·Y_{t+1} + Wᵀ diag(s_{t+1}) Y_{t+1}`,   t = T−2 … 0;
 *
 * with `W` `N × N`, the per-step scales `S` (`T × N`, row t = `s_t`) and `Y` `T` consecutive
 * row-major `N × k` blocks. The product reads `W` (or `Wᵀ`, transposed once) in place with the
 * register tile of tile-product.ts, instead of packing it at every step as a GEMM would.
 */
import { tileProductAdd } from './tile-product.js';

/**
 * Rows `i0 … i1 − 1` of every step of the recurrence above, in place on `Y`; `barrier()` is called
 * where the threads that share a sweep must meet (after each step, and in the transposed form also
 * between the scaling and the product) and returns false to abandon the sweep. `A` is `W` in the
 * forward form and `Wᵀ` in the transposed one; `z`, `g` are `N × k` scratch blocks shared by the
 * threads; `product` is `tileProductAdd`, passed in so that the function's source runs unchanged
 * in a worker thread (worker-source.ts), where no module imports exist. Cost
 * `2·(T−1)·(i1 − i0)·N·k` flops.
 */
export function scaledRecurrenceRows(
  transpose: boolean,
  T: number,
  N: number,
  k: number,
  A: Float64Array,
  leak: number,
  S: Float64Array,
  Y: Float64Array,
  z: Float64Array,
  g: Float64Array,
  i0: number,
  i1: number,
  barrier: () => boolean,
  product: typeof tileProductAdd,
): boolean {
  const nk = N * k;
  if (!transpose) {
    for (let t = 1; t < T; t++) {
      const p = (t - 1) * nk, c = t * nk, so = t * N;
      z.fill(0, i0 * k, i1 * k);
      product(A, i0 * N, i1 - i0, N, Y, p, k, z, i0 * k);
      for (let i = i0; i < i1; i++) {
        const si = S[so + i]!;
        const o = i * k;
        for (let j = o; j < o + k; j++) Y[c + j]! += leak * Y[p + j]! + si * z[j]!;
      }
      if (!barrier()) return false;
    }
    return true;
  }
  for (let t = T - 2; t >= 0; t--) {
    const nx = (t + 1) * nk, c = t * nk, so = (t + 1) * N;
    for (let i = i0; i < i1; i++) {
      const si = S[so + i]!;
      const o = i * k;
      for (let j = o; j < o + k; j++) g[j] = si * Y[nx + j]!;
    }
    if (!barrier()) return false;
    z.fill(0, i0 * k, i1 * k);
    product(A, i0 * N, i1 - i0, N, g, 0, k, z, i0 * k);
    for (let q = i0 * k; q < i1 * k; q++) Y[c + q]! += leak * Y[nx + q]! + z[q]!;
    if (!barrier()) return false;
  }
  return true;
}

/** `Wᵀ` of a row-major `N × N` matrix, into `out`. Cost O(N²). */
export function transposeSquare(N: number, W: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < N; i++) for (let l = 0; l < N; l++) out[l * N + i] = W[i * N + l]!;
  return out;
}

/**
 * The recurrence above, in place on `Y` (`T·N·k` entries). `W` is read, not written. Cost
 * `2·(T−1)·N²·k` flops plus O(T·N·k); O(N·k) scratch (and `N²` for `Wᵀ` when transposed).
 */
export function scaledRecurrenceJs(transpose: boolean, T: number, N: number, k: number, W: Float64Array, leak: number, S: Float64Array, Y: Float64Array): void {
  if (T < 2 || N === 0 || k === 0) return;
  const A = transpose ? transposeSquare(N, W, new Float64Array(N * N)) : W;
  scaledRecurrenceRows(transpose, T, N, k, A, leak, S, Y, new Float64Array(N * k), new Float64Array(N * k), 0, N, () => true, tileProductAdd);
}
