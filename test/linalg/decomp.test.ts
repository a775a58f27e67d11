import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  svd,
  solve,
  solveVector,
  cholesky,
  choleskySolve,
  qr,
  inverse,
  lu,
  luSolveFactored,
  determinant,
  gemm,
  diag,
  identity,
  zeros,
  fromRows,
  frobeniusNorm,
  trace,
  symmetrize,
  transpose,
} from '../../src/linalg/index.js';
import { NonFiniteError, ShapeError, SingularMatrixError } from '../../src/errors.js';
import { gaussian, maxAbs, maxAbsDiff } from './helpers.js';

describe('svd', () => {
  it('thin, descending, orthonormal factors, reconstructs A (tall and wide)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1e6 }), (m, n, seed) => {
        const A = gaussian(m, n, seed);
        const { s, U, V } = svd(A);
        const k = Math.min(m, n);
        expect(s.length).toBe(k);
        expect([U!.rows, U!.cols, V!.rows, V!.cols]).toEqual([m, k, n, k]);
        for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
        for (let i = 0; i < k; i++) expect(s[i]!).toBeGreaterThanOrEqual(0);
        const rec = gemm(gemm(U!, diag(s)), V!, { transB: true });
        expect(maxAbsDiff(rec.data, A.data)).toBeLessThanOrEqual(1e-12 * Math.max(m, n) * frobeniusNorm(A));
        expect(maxAbsDiff(gemm(U!, U!, { transA: true }).data, identity(k).data)).toBeLessThanOrEqual(1e-12 * Math.max(m, n));
        expect(maxAbsDiff(gemm(V!, V!, { transA: true }).data, identity(k).data)).toBeLessThanOrEqual(1e-12 * Math.max(m, n));
      }),
      { numRuns: 30 },
    );
  });

  it('values only, empty input, NaN input', () => {
    expect(Array.from(svd(diag([3, -5, 1]), { vectors: false }).s)).toEqual([5, 3, 1]);
    expect(svd(zeros(0, 3)).s.length).toBe(0);
    const big = svd(diag([3e300, -5e300]), { vectors: false }).s;
    expect(big[0]! / 5e300).toBeCloseTo(1, 14);
    expect(big[1]! / 3e300).toBeCloseTo(1, 14);
    const A = identity(2);
    A.data[3] = Infinity;
    expect(() => svd(A)).toThrow(NonFiniteError);
  });
});

describe('solve (LU)', () => {
  it('residual ‖AX − B‖ ≤ 1e-12·‖A‖‖X‖·n on random systems', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1e6 }), (n, k, seed) => {
        const A = gaussian(n, n, seed);
        const B = gaussian(n, k, seed + 1);
        const X = solve(A, B);
        const R = gemm(A, X);
        expect(maxAbsDiff(R.data, B.data)).toBeLessThanOrEqual(1e-12 * n * frobeniusNorm(A) * frobeniusNorm(X));
      }),
      { numRuns: 40 },
    );
  });

  it('lu + luSolveFactored agree with solve', () => {
    const A = gaussian(9, 9, 11);
    const B = gaussian(9, 3, 12);
    const f = lu(A);
    expect(maxAbsDiff(luSolveFactored(f, B).data, solve(A, B).data)).toBeLessThan(1e-12);
    expect(() => luSolveFactored(f, identity(2))).toThrow(ShapeError);
  });

  it('solveVector, inverse, determinant', () => {
    const A = fromRows([[4, 3], [6, 3]]);
    const x = solveVector(A, Float64Array.from([10, 12]));
    expect(x[0]).toBeCloseTo(1, 14);
    expect(x[1]).toBeCloseTo(2, 14);
    expect(maxAbsDiff(gemm(A, inverse(A)).data, identity(2).data)).toBeLessThan(1e-14);
    expect(determinant(A)).toBeCloseTo(-6, 13);
    expect(determinant(fromRows([[0, 1], [1, 0]]))).toBeCloseTo(-1, 15);
    expect(determinant(fromRows([[1, 2], [2, 4]]))).toBe(0);
  });

  it('singular, shape and NaN errors', () => {
    expect(() => solve(fromRows([[1, 2], [2, 4]]), identity(2))).toThrow(SingularMatrixError);
    expect(() => solve(zeros(3, 3), identity(3))).toThrow(SingularMatrixError);
    expect(() => solve(zeros(2, 3), identity(2))).toThrow(ShapeError);
    expect(() => solve(identity(3), identity(2))).toThrow(ShapeError);
    expect(() => solve(identity(2), fromRows([[NaN], [1]]))).toThrow(NonFiniteError);
    expect(() => solve(fromRows([[1, NaN], [0, 1]]), identity(2))).toThrow(NonFiniteError);
  });
});

describe('cholesky', () => {
  it('L Lᵀ = A and solve residuals on random SPD matrices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1e6 }), (n, k, seed) => {
        const G = gaussian(n, n + 2, seed);
        const A = gemm(G, G, { transB: true });
        const L = cholesky(A);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
        expect(maxAbsDiff(gemm(L, L, { transB: true }).data, A.data)).toBeLessThanOrEqual(1e-12 * n * maxAbs(A.data));
        const B = gaussian(n, k, seed + 1);
        const X = choleskySolve(L, B);
        expect(maxAbsDiff(gemm(A, X).data, B.data)).toBeLessThanOrEqual(1e-12 * n * frobeniusNorm(A) * frobeniusNorm(X));
      }),
      { numRuns: 40 },
    );
  });

  it('non-PD, singular PSD, shape and NaN errors', () => {
    expect(() => cholesky(fromRows([[1, 2], [2, 1]]))).toThrow(SingularMatrixError);
    expect(() => cholesky(fromRows([[1, 1], [1, 1]]))).toThrow(SingularMatrixError);
    expect(() => cholesky(zeros(2, 2))).toThrow(SingularMatrixError);
    expect(() => cholesky(fromRows([[-1]]))).toThrow(SingularMatrixError);
    expect(() => cholesky(zeros(2, 3))).toThrow(ShapeError);
    expect(() => cholesky(fromRows([[NaN]]))).toThrow(NonFiniteError);
    expect(() => choleskySolve(identity(2), identity(3))).toThrow(ShapeError);
    expect(() => choleskySolve(diag([1, 0]), identity(2))).toThrow(SingularMatrixError);
  });
});

describe('qr and small helpers', () => {
  it('Q orthonormal, R upper, QR = A (tall, wide, rank-deficient)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), (m, n, seed, deficient) => {
        const A = gaussian(m, n, seed);
        if (deficient && n > 1) for (let i = 0; i < m; i++) A.data[i * n + 1] = 2 * A.data[i * n]!;
        const { Q, R } = qr(A);
        const k = Math.min(m, n);
        expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([m, k, k, n]);
        for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(R.data[i * n + j]).toBe(0);
        expect(maxAbsDiff(gemm(Q, Q, { transA: true }).data, identity(k).data)).toBeLessThanOrEqual(1e-13 * m);
        expect(maxAbsDiff(gemm(Q, R).data, A.data)).toBeLessThanOrEqual(1e-13 * m * frobeniusNorm(A));
      }),
      { numRuns: 30 },
    );
  });

  it('trace, frobeniusNorm, symmetrize', () => {
    const A = fromRows([[1, 2], [4, 3]]);
    expect(trace(A)).toBe(4);
    expect(frobeniusNorm(A)).toBeCloseTo(Math.sqrt(30), 14);
    const S = symmetrize(A);
    expect(Array.from(S.data)).toEqual([1, 3, 3, 3]);
    expect(Array.from(transpose(S).data)).toEqual(Array.from(S.data));
    expect(() => trace(zeros(1, 2))).toThrow(ShapeError);
  });
});
