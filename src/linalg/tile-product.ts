/**
 * Accumulating products of a matrix stored in place (a block of a flat array, e.g. a weight
 * matrix inside θ) with a narrow block of columns, in plain TypeScript: `out += A X` and
 * `out += Aᵀ W` for `A` `rows × cols` and `k` columns (k small: the directions of a sweep times
 * its trials, or the vectors of a block sweep). A register tile reads `A` where it lies (no
 * packing, unlike a GEMM) and keeps its sums in locals.
 */

/**
 * `out[oOff + i·k + j] += Σ_q A[aOff + i·cols + q] X[xOff + q·k + j]` (`A` `rows × cols`, `X`
 * `cols × k`, `out` `rows × k`, all row-major; each sum runs over q in order and is added to out
 * once). Three output rows by four columns per register tile (twelve sums in locals: the widest
 * tile V8 keeps in registers here), then by two and by one for the last columns; measured on an
 * AMD EPYC at 128 × 128, k = 12: 5.3 against 4.5 GFLOP/s for four rows by two. `out` must not
 * overlap `X`. Cost 2·rows·cols·k flops.
 */
export function tileProductAdd(A: Float64Array, aOff: number, rows: number, cols: number, X: Float64Array, xOff: number, k: number, out: Float64Array, oOff: number): void {
  let i = 0;
  for (; i + 2 < rows; i += 3) {
    const a0 = aOff + i * cols, a1 = a0 + cols, a2 = a1 + cols;
    const o0 = oOff + i * k, o1 = o0 + k, o2 = o1 + k;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      for (let q = 0, x = xOff + j; q < cols; q++, x += k) {
        const x0 = X[x]!, x1 = X[x + 1]!, x2 = X[x + 2]!, x3 = X[x + 3]!;
        const b0 = A[a0 + q]!, b1 = A[a1 + q]!, b2 = A[a2 + q]!;
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
      out[o0 + j]! += s00;
      out[o0 + j + 1]! += s01;
      out[o0 + j + 2]! += s02;
      out[o0 + j + 3]! += s03;
      out[o1 + j]! += s10;
      out[o1 + j + 1]! += s11;
      out[o1 + j + 2]! += s12;
      out[o1 + j + 3]! += s13;
      out[o2 + j]! += s20;
      out[o2 + j + 1]! += s21;
      out[o2 + j + 2]! += s22;
      out[o2 + j + 3]! += s23;
    }
    for (; j + 1 < k; j += 2) {
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0;
      for (let q = 0, x = xOff + j; q < cols; q++, x += k) {
        const x0 = X[x]!, x1 = X[x + 1]!;
        const b0 = A[a0 + q]!, b1 = A[a1 + q]!, b2 = A[a2 + q]!;
        s00 += b0 * x0;
        s01 += b0 * x1;
        s10 += b1 * x0;
        s11 += b1 * x1;
        s20 += b2 * x0;
        s21 += b2 * x1;
      }
      out[o0 + j]! += s00;
      out[o0 + j + 1]! += s01;
      out[o1 + j]! += s10;
      out[o1 + j + 1]! += s11;
      out[o2 + j]! += s20;
      out[o2 + j + 1]! += s21;
    }
    if (j < k) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let q = 0, x = xOff + j; q < cols; q++, x += k) {
        const xv = X[x]!;
        s0 += A[a0 + q]! * xv;
        s1 += A[a1 + q]! * xv;
        s2 += A[a2 + q]! * xv;
      }
      out[o0 + j]! += s0;
      out[o1 + j]! += s1;
      out[o2 + j]! += s2;
    }
  }
  for (; i < rows; i++) {
    const ar = aOff + i * cols, or = oOff + i * k;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let q = 0, x = xOff + j; q < cols; q++, x += k) s += A[ar + q]! * X[x]!;
      out[or + j]! += s;
    }
  }
}

/**
 * `out[oOff + q·k + j] += Σ_i A[aOff + i·cols + q] W[wOff + i·k + j]` (`Aᵀ W`: `A` `rows × cols`,
 * `W` `rows × k`, `out` `cols × k`, all row-major; each sum runs over i in order and is added to
 * out once). `out` must not overlap `W`. Cost 2·rows·cols·k flops.
 */
export function tileProductTAdd(A: Float64Array, aOff: number, rows: number, cols: number, W: Float64Array, wOff: number, k: number, out: Float64Array, oOff: number): void {
  let q = 0;
  for (; q + 3 < cols; q += 4) {
    const o0 = oOff + q * k, o1 = o0 + k, o2 = o1 + k, o3 = o2 + k;
    const a = aOff + q;
    let j = 0;
    for (; j + 1 < k; j += 2) {
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) {
        const w0 = W[w]!, w1 = W[w + 1]!;
        const b0 = A[ar]!, b1 = A[ar + 1]!, b2 = A[ar + 2]!, b3 = A[ar + 3]!;
        s00 += b0 * w0;
        s01 += b0 * w1;
        s10 += b1 * w0;
        s11 += b1 * w1;
        s20 += b2 * w0;
        s21 += b2 * w1;
        s30 += b3 * w0;
        s31 += b3 * w1;
      }
      out[o0 + j]! += s00;
      out[o0 + j + 1]! += s01;
      out[o1 + j]! += s10;
      out[o1 + j + 1]! += s11;
      out[o2 + j]! += s20;
      out[o2 + j + 1]! += s21;
      out[o3 + j]! += s30;
      out[o3 + j + 1]! += s31;
    }
    if (j < k) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) {
        const wv = W[w]!;
        s0 += A[ar]! * wv;
        s1 += A[ar + 1]! * wv;
        s2 += A[ar + 2]! * wv;
        s3 += A[ar + 3]! * wv;
      }
      out[o0 + j]! += s0;
      out[o1 + j]! += s1;
      out[o2 + j]! += s2;
      out[o3 + j]! += s3;
    }
  }
  for (; q < cols; q++) {
    const or = oOff + q * k;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0, ar = aOff + q, w = wOff + j; i < rows; i++, ar += cols, w += k) s += A[ar]! * W[w]!;
      out[or + j]! += s;
    }
  }
}

/**
 * `out[oOff + q·k + j] += Σ_i A[aOff + i·cols + q] W[wOff + i·k + j]`, the same product as
 * `tileProductTAdd` (each sum over i in order, added to out once, so the same numbers) on a tile of
 * three columns of A by four of W, then one column of A by four, and single columns of W last:
 * for tall A with few columns times wide W (a weight site's gradient `Uᵀ G` over all steps,
 * models/kernels.ts `stepsProductT`; measured 240 × 18 × 48: 4.2 against 3.2 GFLOP/s for the
 * packed GEMM, 240 × 2 × 48: 2.6 against 0.9). `out` must not overlap `W`. Cost 2·rows·cols·k flops.
 */
export function tileProductTAdd3x4(A: Float64Array, aOff: number, rows: number, cols: number, W: Float64Array, wOff: number, k: number, out: Float64Array, oOff: number): void {
  let q = 0;
  for (; q + 2 < cols; q += 3) {
    const o0 = oOff + q * k, o1 = o0 + k, o2 = o1 + k;
    const a = aOff + q;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) {
        const w0 = W[w]!, w1 = W[w + 1]!, w2 = W[w + 2]!, w3 = W[w + 3]!;
        const b0 = A[ar]!, b1 = A[ar + 1]!, b2 = A[ar + 2]!;
        s00 += b0 * w0;
        s01 += b0 * w1;
        s02 += b0 * w2;
        s03 += b0 * w3;
        s10 += b1 * w0;
        s11 += b1 * w1;
        s12 += b1 * w2;
        s13 += b1 * w3;
        s20 += b2 * w0;
        s21 += b2 * w1;
        s22 += b2 * w2;
        s23 += b2 * w3;
      }
      out[o0 + j]! += s00;
      out[o0 + j + 1]! += s01;
      out[o0 + j + 2]! += s02;
      out[o0 + j + 3]! += s03;
      out[o1 + j]! += s10;
      out[o1 + j + 1]! += s11;
      out[o1 + j + 2]! += s12;
      out[o1 + j + 3]! += s13;
      out[o2 + j]! += s20;
      out[o2 + j + 1]! += s21;
      out[o2 + j + 2]! += s22;
      out[o2 + j + 3]! += s23;
    }
    for (; j < k; j++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) {
        const wv = W[w]!;
        s0 += A[ar]! * wv;
        s1 += A[ar + 1]! * wv;
        s2 += A[ar + 2]! * wv;
      }
      out[o0 + j]! += s0;
      out[o1 + j]! += s1;
      out[o2 + j]! += s2;
    }
  }
  for (; q < cols; q++) {
    const or = oOff + q * k;
    const a = aOff + q;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) {
        const b = A[ar]!;
        s0 += b * W[w]!;
        s1 += b * W[w + 1]!;
        s2 += b * W[w + 2]!;
        s3 += b * W[w + 3]!;
      }
      out[or + j]! += s0;
      out[or + j + 1]! += s1;
      out[or + j + 2]! += s2;
      out[or + j + 3]! += s3;
    }
    for (; j < k; j++) {
      let s = 0;
      for (let i = 0, ar = a, w = wOff + j; i < rows; i++, ar += cols, w += k) s += A[ar]! * W[w]!;
      out[or + j]! += s;
    }
  }
}
