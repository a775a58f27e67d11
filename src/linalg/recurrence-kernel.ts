/**
 * The scaled recurrence through time of a leaky/vanilla cell's Jacobian on `k` vectors at once,
 * in plain TypeScript (the `js` backend's `scaledRecurrence`; docs/theory.md §3):
 *
 *   forward:    `Y_t += leak·Y_{t−1} + diag(s_t) W Y_{t−1}`,        t = 1 … T−1;
 *   transposed: `Y_t += leak·Y_{t+1} + Wᵀ diag(s_{t+1}) Y_{t+1}`,   t = T−2 … 0;
 *
 * with `W` `N × N`, the per-step scales `S` (`T × N`, row t = `s_t`) and `Y` `T` consecutive
 * row-major `N × k` blocks. The product reads `W` (or `Wᵀ`, transposed once) in place, three rows
 * by four columns per register tile, instead of packing it at every step as a GEMM would.
 */

/**
 * `z = A x` for `A` `n × n` and `x`, `z` `n × k` (all row-major), three rows by four columns per
 * register tile (12 accumulators: the widest tile V8 keeps in registers here; measured on an AMD
 * EPYC at n = 512, k = 8: 5.2 GFLOP/s against 4.4 for four rows by two columns). Cost 2·n²·k flops.
 */
export function squareProduct(n: number, k: number, A: Float64Array, x: Float64Array, z: Float64Array): void {
  squareProductRows(n, k, A, x, 0, z, 0, n);
}

/**
 * Rows `i0 … i1 − 1` of `z = A x`, with `x` read from entry `xOff` of its array (`squareProduct`'s
 * tile; a worker thread computes its share of the rows with it). Cost 2·(i1 − i0)·n·k flops.
 */
export function squareProductRows(n: number, k: number, A: Float64Array, x: Float64Array, xOff: number, z: Float64Array, i0: number, i1: number): void {
  let i = i0;
  for (; i + 2 < i1; i += 3) {
    const a0 = i * n, a1 = a0 + n, a2 = a1 + n;
    const o0 = i * k, o1 = o0 + k, o2 = o1 + k;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      for (let l = 0, q = xOff + j; l < n; l++, q += k) {
        const x0 = x[q]!, x1 = x[q + 1]!, x2 = x[q + 2]!, x3 = x[q + 3]!;
        const b0 = A[a0 + l]!, b1 = A[a1 + l]!, b2 = A[a2 + l]!;
        s00 += b0 * x0;
        s01 += b0 * x1;
        s02 += b0 * x2;
        s03 += b0 * x3;
        s10 += b1 * x0;
        s11 += b1 * x1;
        s12 += b1 * x2;
        s13 += b1 * x3;
        s20 += b2 * x0;
        s21 += b2 * x1;
        s22 += b2 * x2;
        s23 += b2 * x3;
      }
      z[o0 + j] = s00;
      z[o0 + j + 1] = s01;
      z[o0 + j + 2] = s02;
      z[o0 + j + 3] = s03;
      z[o1 + j] = s10;
      z[o1 + j + 1] = s11;
      z[o1 + j + 2] = s12;
      z[o1 + j + 3] = s13;
      z[o2 + j] = s20;
      z[o2 + j + 1] = s21;
      z[o2 + j + 2] = s22;
      z[o2 + j + 3] = s23;
    }
    for (; j < k; j++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let l = 0, q = xOff + j; l < n; l++, q += k) {
        const xv = x[q]!;
        s0 += A[a0 + l]! * xv;
        s1 += A[a1 + l]! * xv;
        s2 += A[a2 + l]! * xv;
      }
      z[o0 + j] = s0;
      z[o1 + j] = s1;
      z[o2 + j] = s2;
    }
  }
  for (; i < i1; i++) {
    const ar = i * n, or = i * k;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0, q = xOff + j; l < n; l++, q += k) s += A[ar + l]! * x[q]!;
      z[or + j] = s;
    }
  }
}

/**
 * Rows `i0 … i1 − 1` of every step of the recurrence above, in place on `Y`; `barrier()` is called
 * where the threads that share a sweep must meet (after each step, and in the transposed form also
 * between the scaling and the product) and returns false to abandon the sweep. `A` is `W` in the
 * forward form and `Wᵀ` in the transposed one; `z`, `g` are `N × k` scratch blocks shared by the
 * threads. Cost
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
): boolean {
  const nk = N * k;
  if (!transpose) {
    for (let t = 1; t < T; t++) {
      const p = (t - 1) * nk, c = t * nk, so = t * N;
      squareProductRows(N, k, A, Y, p, z, i0, i1);
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
    squareProductRows(N, k, A, g, 0, z, i0, i1);
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
  scaledRecurrenceRows(transpose, T, N, k, A, leak, S, Y, new Float64Array(N * k), new Float64Array(N * k), 0, N, () => true);
}
