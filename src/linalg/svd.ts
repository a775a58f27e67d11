/**
 * Thin singular value decomposition on top of `ml-matrix` (Golub–Kahan–Reinsch, JAMA port),
 * converted to sntk's conventions: `A = U diag(s) Vᵀ`, `s` descending, `U` `m × k`, `V` `n × k`,
 * `k = min(m, n)`.
 */
import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import type { Svd } from './backend.js';
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';
import { powerOfTwoScale } from './eigen.js';

/** Thin SVD, values descending (re-sorted defensively). Cost O(m·n·min(m,n)). */
export function svdMl(A: Matrix, vectors: boolean): Svd {
  const m = A.rows, n = A.cols, k = Math.min(m, n);
  if (k === 0) {
    return vectors ? { s: new Float64Array(0), U: zeros(m, 0), V: zeros(n, 0) } : { s: new Float64Array(0) };
  }
  const f = powerOfTwoScale(A.data); // exact scaling away from overflow/underflow
  const M = new MlMatrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) M.set(i, j, A.data[i * n + j]! / f);
  const d = new SingularValueDecomposition(M, {
    computeLeftSingularVectors: vectors,
    computeRightSingularVectors: vectors,
    autoTranspose: true,
  });
  const sv = d.diagonal;
  const order = Array.from({ length: k }, (_, i) => i).sort((p, q) => sv[q]! - sv[p]!);
  const s = Float64Array.from(order, (i) => Math.max(0, sv[i]!) * f);
  if (!vectors) return { s };
  const Um = d.leftSingularVectors;
  const Vm = d.rightSingularVectors;
  const U = zeros(m, k);
  const V = zeros(n, k);
  for (let c = 0; c < k; c++) {
    const src = order[c]!;
    for (let i = 0; i < m; i++) U.data[i * k + c] = Um.get(i, src);
    for (let i = 0; i < n; i++) V.data[i * k + c] = Vm.get(i, src);
  }
  return { s, U, V };
}
