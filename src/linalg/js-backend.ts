/**
 * The pure TypeScript backend (always available; the browser uses it): our own register-blocked
 * GEMM (gemm-kernel.ts), GEMV (gemv-kernel.ts), SYRK (lower-triangle GEMM + mirror), LU,
 * Cholesky, symmetric eigen-decomposition (blocked tridiagonalisation + QL, symmetric-eigen.ts); `ml-matrix` for the general eigen- and singular
 * value decompositions (eigen.ts, svd.ts).
 */
import type { LinalgBackend } from './backend.js';
import { gemmBlocked } from './gemm-kernel.js';
import { gemvKernel } from './gemv-kernel.js';
import { luFactor, luSolve } from './lu.js';
import { choleskyFactor, choleskySolveFactor } from './cholesky.js';
import { generalEigenMl, symmetricEigenFlat, symmetricEigenvaluesFlat } from './eigen.js';
import { svdMl } from './svd.js';
import { scaledRecurrenceJs } from './recurrence-kernel.js';

export const jsBackend: LinalgBackend = {
  name: 'js',
  gemm(transA, transB, alpha, A, B, beta, C) {
    gemmBlocked(transA, transB, alpha, A, B, beta, C);
  },
  gemv: gemvKernel,
  syrk(trans, alpha, A, C) {
    // A Aᵀ = op(A) op(A)ᵀ with op = id (trans = false); Aᵀ A with op = transpose.
    gemmBlocked(trans, !trans, alpha, A, A, 0, C, true);
    const n = C.rows, c = C.data;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c[j * n + i] = c[i * n + j]!;
  },
  symmetricEigen: symmetricEigenFlat,
  symmetricEigenvalues: symmetricEigenvaluesFlat,
  generalEigen: generalEigenMl,
  svd: svdMl,
  solve(A, B) {
    return luSolve(luFactor(A), B);
  },
  cholesky: choleskyFactor,
  choleskySolve: choleskySolveFactor,
  scaledRecurrence: scaledRecurrenceJs,
};
