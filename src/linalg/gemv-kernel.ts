/**
 * Matrix–vector kernels on row-major float64 matrices (the `js` backend's GEMV).
 */
import type { Matrix } from './matrix.js';

/**
 * `y ← α op(A) x + β y` (op = transpose when `trans`). β = 0 overwrites y. Row-dot form for
 * `A x` (4 rows at a time), row-axpy form for `Aᵀ x`; both stream A contiguously. Cost 2·m·n flops.
 */
export function gemvKernel(trans: boolean, alpha: number, A: Matrix, x: Float64Array, beta: number, y: Float64Array): void {
  const { rows: m, cols: n, data: a } = A;
  if (!trans) {
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < n; j++) {
        const xj = x[j]!;
        s0 += a[o0 + j]! * xj;
        s1 += a[o1 + j]! * xj;
        s2 += a[o2 + j]! * xj;
        s3 += a[o3 + j]! * xj;
      }
      y[i] = alpha * s0 + (beta === 0 ? 0 : beta * y[i]!);
      y[i + 1] = alpha * s1 + (beta === 0 ? 0 : beta * y[i + 1]!);
      y[i + 2] = alpha * s2 + (beta === 0 ? 0 : beta * y[i + 2]!);
      y[i + 3] = alpha * s3 + (beta === 0 ? 0 : beta * y[i + 3]!);
    }
    for (; i < m; i++) {
      const o = i * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += a[o + j]! * x[j]!;
      y[i] = alpha * s + (beta === 0 ? 0 : beta * y[i]!);
    }
    return;
  }
  if (beta === 0) y.fill(0, 0, n);
  else if (beta !== 1) for (let j = 0; j < n; j++) y[j] = beta * y[j]!;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const x0 = alpha * x[i]!, x1 = alpha * x[i + 1]!;
    const o0 = i * n, o1 = o0 + n;
    for (let j = 0; j < n; j++) y[j] += x0 * a[o0 + j]! + x1 * a[o1 + j]!;
  }
  for (; i < m; i++) {
    const xi = alpha * x[i]!;
    const o = i * n;
    for (let j = 0; j < n; j++) y[j] += xi * a[o + j]!;
  }
}
