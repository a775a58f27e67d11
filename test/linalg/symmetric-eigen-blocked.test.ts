import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng, gemm, randomNormalMatrix, randomOrthogonal, symmetricEigen, zeros, type Matrix } from '../../src/linalg/index.js';
import { symmetricEigenFlat, symmetricEigenReference } from '../../src/linalg/eigen.js';
import { tridiagonalize } from '../../src/linalg/symmetric-eigen.js';
import { maxAbs, maxAbsDiff } from './helpers.js';

/** A random symmetric matrix G + Gᵀ. */
function randomSymmetric(n: number, seed: number, scale = 1): Matrix {
  const G = randomNormalMatrix(n, n, createRng(seed));
  const S = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = scale * (G.data[i * n + j]! + G.data[j * n + i]!);
  return S;
}

/** Q diag(λ) Qᵀ for a random orthogonal Q. */
function withSpectrum(lambda: number[], seed: number): Matrix {
  const n = lambda.length;
  const Q = randomOrthogonal(n, createRng(seed));
  const QL = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QL.data[i * n + j] = Q.data[i * n + j]! * lambda[j]!;
  const A = gemm(QL, Q, { transB: true });
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[j * n + i] = A.data[i * n + j]!;
  return A;
}

/** max_k ‖A v_k − λ_k v_k‖∞ and max |VᵀV − I|. */
function quality(A: Matrix, values: Float64Array, V: Matrix): { res: number; orth: number } {
  const n = A.rows;
  const AV = gemm(A, V);
  let res = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) res = Math.max(res, Math.abs(AV.data[i * n + k]! - values[k]! * V.data[i * n + k]!));
  const G = gemm(V, V, { transA: true });
  let orth = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) orth = Math.max(orth, Math.abs(G.data[i * n + k]! - (i === k ? 1 : 0)));
  return { res, orth };
}

describe('blocked symmetric eigensolver', () => {
  it('values-only and with-vectors agree with the reference tred2/tql2 within 1e-13·‖A‖ (random, fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: -20, max: 20, noNaN: true }), (n, seed, e10) => {
        const A = randomSymmetric(n, seed, 10 ** e10);
        const ref = symmetricEigenReference(A, false).values;
        const vals = symmetricEigenFlat(A, false).values;
        const full = symmetricEigenFlat(A, true);
        const nrm = Math.max(maxAbs(ref), 1e-300);
        expect(maxAbsDiff(vals, ref)).toBeLessThanOrEqual(1e-13 * nrm);
        expect(maxAbsDiff(full.values, ref)).toBeLessThanOrEqual(1e-13 * nrm);
        for (let k = 1; k < n; k++) expect(vals[k]!).toBeGreaterThanOrEqual(vals[k - 1]!);
        const q = quality(A, full.values, full.vectors!);
        expect(q.res).toBeLessThanOrEqual(1e-13 * nrm);
        expect(q.orth).toBeLessThanOrEqual(1e-13);
      }),
      { numRuns: 25 },
    );
  });

  it('graded spectrum 10^0 … 10^-12 (n = 130, crossing the panel size): values within 1e-13·‖A‖ of the truth and of the reference', () => {
    const n = 130;
    const lambda = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * 10 ** (-12 * (i / (n - 1))));
    const A = withSpectrum(lambda, 11);
    const truth = Float64Array.from(lambda).sort();
    const ref = symmetricEigenReference(A, false).values;
    const vals = symmetricEigen(A, { vectors: false }).values;
    const full = symmetricEigen(A);
    expect(maxAbsDiff(vals, truth)).toBeLessThanOrEqual(1e-13);
    expect(maxAbsDiff(vals, ref)).toBeLessThanOrEqual(1e-13);
    expect(maxAbsDiff(full.values, vals)).toBeLessThanOrEqual(1e-13);
    const q = quality(A, full.values, full.vectors!);
    expect(q.res).toBeLessThanOrEqual(1e-13);
    expect(q.orth).toBeLessThanOrEqual(1e-13);
  });

  it('positive graded spectrum (Gram-like, 10^0 … 10^-12, n = 200): small eigenvalues keep their absolute accuracy', () => {
    const n = 200;
    const lambda = Array.from({ length: n }, (_, i) => 10 ** (-12 * (i / (n - 1))));
    const A = withSpectrum(lambda, 5);
    const truth = Float64Array.from(lambda).sort();
    const vals = symmetricEigen(A, { vectors: false }).values;
    expect(maxAbsDiff(vals, truth)).toBeLessThanOrEqual(1e-13);
  });

  it('tridiagonalize: d, e and the reflectors reproduce A = Q T Qᵀ (n = 150)', () => {
    const n = 150;
    const A = randomSymmetric(n, 3);
    const a = A.data.slice();
    const d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n);
    tridiagonalize(n, a, d, e, tau);
    expect(e[n - 1]).toBe(0);
    // Apply Q = H(0)…H(n-2) to T from both sides: A' = Q T Qᵀ, built reflector by reflector.
    const M = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      M[i * n + i] = d[i]!;
      if (i + 1 < n) {
        M[(i + 1) * n + i] = e[i]!;
        M[i * n + i + 1] = e[i]!;
      }
    }
    const v = new Float64Array(n);
    for (let j = n - 2; j >= 0; j--) {
      v.fill(0);
      v[j + 1] = 1;
      for (let r = j + 2; r < n; r++) v[r] = a[r * n + j]!;
      const t = tau[j]!;
      // M ← H M H with H = I − t v vᵀ.
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += v[r]! * M[r * n + c]!;
        for (let r = 0; r < n; r++) M[r * n + c]! -= t * v[r]! * s;
      }
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += M[r * n + c]! * v[c]!;
        for (let c = 0; c < n; c++) M[r * n + c]! -= t * s * v[c]!;
      }
    }
    expect(maxAbsDiff(M, A.data)).toBeLessThanOrEqual(1e-12 * maxAbs(A.data));
  });

  it('reads only the lower triangle and handles n = 0, 1, 2 and diagonal input', () => {
    const n = 110;
    const A = randomSymmetric(n, 9);
    const B = { rows: n, cols: n, data: A.data.slice() };
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) B.data[i * n + j] = 1e6;
    expect(maxAbsDiff(symmetricEigen(B, { vectors: false }).values, symmetricEigen(A, { vectors: false }).values)).toBe(0);
    expect(symmetricEigen(zeros(0, 0), { vectors: false }).values.length).toBe(0);
    expect(Array.from(symmetricEigen({ rows: 1, cols: 1, data: Float64Array.of(-3) }).values)).toEqual([-3]);
    const two = symmetricEigen({ rows: 2, cols: 2, data: Float64Array.of(2, 1, 1, 2) }, { vectors: false }).values;
    expect(two[0]).toBeCloseTo(1, 14);
    expect(two[1]).toBeCloseTo(3, 14);
    const D = zeros(120, 120);
    for (let i = 0; i < 120; i++) D.data[i * 120 + i] = 120 - i;
    const dv = symmetricEigen(D);
    expect(maxAbsDiff(dv.values, Float64Array.from({ length: 120 }, (_, i) => i + 1))).toBe(0);
    expect(quality(D, dv.values, dv.vectors!).orth).toBe(0);
  });
});
