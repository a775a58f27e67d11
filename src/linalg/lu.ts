/**
 * LU factorisation with partial pivoting and triangular solves, on row-major float64 matrices.
 */
import type { Matrix } from './matrix.js';
import { SingularMatrixError } from '../errors.js';

/** Packed LU factors: `P A = L U`, `L` unit lower (below the diagonal of `lu`), `U` upper; `piv[i]` = original row at position i. */
export interface LuFactors {
  n: number;
  lu: Float64Array;
  piv: Int32Array;
}

/**
 * Factors a square `n × n` matrix (copies it). Throws SingularMatrixError when a pivot is below
 * `n·ε·max|A|` (singular to working precision). Cost 2n³/3 flops.
 */
export function luFactor(A: Matrix): LuFactors {
  const n = A.rows;
  const a = A.data.slice();
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
  const tol = n * Number.EPSILON * maxAbs;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > tol)) {
      throw new SingularMatrixError(`solve: ${n}×${n} matrix is singular to working precision (pivot ${best.toExponential(2)} at column ${k}, max entry ${maxAbs.toExponential(2)})`);
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      const t = piv[k]!;
      piv[k] = piv[p]!;
      piv[p] = t;
    }
    const d = a[k * n + k]!;
    const rk = k * n;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const l = a[ri + k]! / d;
      a[ri + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[ri + j] -= l * a[rk + j]!;
    }
  }
  return { n, lu: a, piv };
}

/** Solves `A X = B` from LU factors; `B` is `n × k`, result a new `n × k`. Cost 2n²k flops. */
export function luSolve(f: LuFactors, B: Matrix): Matrix {
  const { n, lu, piv } = f;
  const k = B.cols;
  const b = B.data;
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const src = piv[i]! * k;
    for (let c = 0; c < k; c++) x[i * k + c] = b[src + c]!;
  }
  // Forward: L y = P b (unit diagonal), row-oriented.
  for (let i = 1; i < n; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j]!;
      if (l === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= l * x[rj + c]!;
    }
  }
  // Backward: U x = y.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * k;
    for (let j = i + 1; j < n; j++) {
      const u = lu[i * n + j]!;
      if (u === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= u * x[rj + c]!;
    }
    const d = 1 / lu[i * n + i]!;
    for (let c = 0; c < k; c++) x[ri + c] *= d;
  }
  return { rows: n, cols: k, data: x };
}

/** Determinant from LU factors (product of pivots with the permutation sign). O(n). */
export function luDeterminant(f: LuFactors): number {
  const { n, lu, piv } = f;
  let det = 1;
  for (let i = 0; i < n; i++) det *= lu[i * n + i]!;
  // Sign of the permutation: count cycles.
  const seen = new Uint8Array(n);
  let sign = 1;
  for (let i = 0; i < n; i++) {
    if (seen[i]) continue;
    let len = 0;
    for (let j = i; !seen[j]; j = piv[j]!) {
      seen[j] = 1;
      len++;
    }
    if (len % 2 === 0) sign = -sign;
  }
  return sign * det;
}
