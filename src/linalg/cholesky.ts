/**
 * Cholesky factorisation `A = L Lᵀ` and the corresponding solves, row-major float64.
 */
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';
import { SingularMatrixError } from '../errors.js';

/**
 * Lower Cholesky factor of a symmetric positive-definite `n × n` matrix; only the lower triangle
 * of `A` is read. Throws SingularMatrixError when a pivot is ≤ `n·ε·max diag(A)` (not positive
 * definite to working precision). Cost n³/3 flops.
 */
export function choleskyFactor(A: Matrix): Matrix {
  const n = A.rows;
  const a = A.data;
  const L = zeros(n, n);
  const l = L.data;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]!));
  const tol = n * Number.EPSILON * maxDiag;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let p = 0; p < j; p++) s -= l[ri + p]! * l[rj + p]!;
      if (j < i) {
        l[ri + j] = s / l[rj + j]!;
      } else {
        if (!(s > tol)) {
          throw new SingularMatrixError(`cholesky: ${n}×${n} matrix is not positive definite (pivot ${s.toExponential(2)} at row ${i})`);
        }
        l[ri + i] = Math.sqrt(s);
      }
    }
  }
  return L;
}

/** Solves `L Lᵀ X = B` given the lower factor `L` (`n × n`) and `B` (`n × k`). Cost 2n²k flops. */
export function choleskySolveFactor(L: Matrix, B: Matrix): Matrix {
  const n = L.rows;
  const k = B.cols;
  const l = L.data;
  const x = B.data.slice();
  for (let i = 0; i < n; i++) {
    if (l[i * n + i] === 0) throw new SingularMatrixError(`choleskySolve: factor has a zero diagonal entry at row ${i}`);
  }
  for (let i = 0; i < n; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) {
      const f = l[i * n + j]!;
      if (f === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= f * x[rj + c]!;
    }
    const d = 1 / l[i * n + i]!;
    for (let c = 0; c < k; c++) x[ri + c] *= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * k;
    for (let j = i + 1; j < n; j++) {
      const f = l[j * n + i]!;
      if (f === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= f * x[rj + c]!;
    }
    const d = 1 / l[i * n + i]!;
    for (let c = 0; c < k; c++) x[ri + c] *= d;
  }
  return { rows: n, cols: k, data: x };
}
