/**
 * Householder QR of a dense row-major matrix (thin form).
 */
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';

/** Thin QR factors: `A = Q R`, `Q` is `m × k` with orthonormal columns, `R` is `k × n` upper triangular, `k = min(m, n)`. */
export interface QrResult {
  Q: Matrix;
  R: Matrix;
}

/**
 * Thin Householder QR `A = Q R` (no pivoting; works for rank-deficient input, R then has small
 * diagonal entries). Diagonal of R may be negative (LAPACK convention). Cost O(2mn² − 2n³/3) flops
 * plus O(2mk²) to form Q.
 */
export function householderQr(A: Matrix): QrResult {
  const m = A.rows;
  const n = A.cols;
  const k = Math.min(m, n);
  const a = A.data.slice();
  const vs: Float64Array[] = [];
  const betas = new Float64Array(k);
  const w = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    // Householder vector for a[j:, j].
    let scale = 0;
    for (let i = j; i < m; i++) scale = Math.max(scale, Math.abs(a[i * n + j]!));
    const v = new Float64Array(m - j);
    vs.push(v);
    if (scale === 0) {
      betas[j] = 0;
      continue;
    }
    let ss = 0;
    for (let i = j; i < m; i++) {
      const t = a[i * n + j]! / scale;
      v[i - j] = t;
      ss += t * t;
    }
    const x0 = v[0]!;
    const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(ss); // new diagonal / scale
    v[0] = x0 - alpha;
    const vtv = ss - x0 * x0 + v[0]! * v[0]!;
    if (vtv === 0) {
      betas[j] = 0;
      continue;
    }
    const beta = 2 / vtv;
    betas[j] = beta;
    // Apply H = I - beta v vᵀ to a[j:, j:].
    w.fill(0, j, n);
    for (let i = j; i < m; i++) {
      const vi = v[i - j]!;
      if (vi === 0) continue;
      const off = i * n;
      for (let c = j; c < n; c++) w[c] += vi * a[off + c]!;
    }
    for (let i = j; i < m; i++) {
      const f = beta * v[i - j]!;
      if (f === 0) continue;
      const off = i * n;
      for (let c = j; c < n; c++) a[off + c] -= f * w[c]!;
    }
    a[j * n + j] = alpha * scale;
    for (let i = j + 1; i < m; i++) a[i * n + j] = 0;
  }
  const R = zeros(k, n);
  for (let i = 0; i < k; i++) for (let c = i; c < n; c++) R.data[i * n + c] = a[i * n + c]!;
  // Q = H_0 H_1 … H_{k-1} applied to the first k columns of I.
  const Q = zeros(m, k);
  const q = Q.data;
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  const wq = new Float64Array(k);
  for (let j = k - 1; j >= 0; j--) {
    const beta = betas[j]!;
    if (beta === 0) continue;
    const v = vs[j]!;
    wq.fill(0);
    for (let i = j; i < m; i++) {
      const vi = v[i - j]!;
      if (vi === 0) continue;
      const off = i * k;
      for (let c = j; c < k; c++) wq[c] += vi * q[off + c]!;
    }
    for (let i = j; i < m; i++) {
      const f = beta * v[i - j]!;
      if (f === 0) continue;
      const off = i * k;
      for (let c = j; c < k; c++) q[off + c] -= f * wq[c]!;
    }
  }
  return { Q, R };
}
