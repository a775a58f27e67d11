import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getBackend } from '../../src/linalg/index.js';
import {
  generalEigen,
  symmetricEigen,
  gemm,
  fromRows,
  zeros,
  frobeniusNorm,
  identity,
  diag,
  randomOrthogonal,
  createRng,
  type Matrix,
  type ComplexMatrix,
} from '../../src/linalg/index.js';
import { NonFiniteError, ShapeError } from '../../src/errors.js';
import { gaussian, maxAbs, maxAbsDiff } from './helpers.js';

/** max_k ‖A v_k − λ_k v_k‖ and max_k ‖w_kᴴ A − λ_k w_kᴴ‖ (vectors unit norm). */
function residuals(A: Matrix, re: Float64Array, im: Float64Array, R: ComplexMatrix, L: ComplexMatrix): { right: number; left: number; norms: number[] } {
  const n = A.rows;
  const a = A.data;
  let right = 0;
  let left = 0;
  const norms: number[] = [];
  for (let k = 0; k < n; k++) {
    const lr = re[k]!, li = im[k]!;
    let rr = 0, ll = 0, nv = 0, nw = 0;
    for (let i = 0; i < n; i++) {
      // (A v)_i − λ v_i
      let sr = 0, si = 0;
      // (Aᵀ w̄)_i − λ w̄_i  (row i of wᴴA − λwᴴ, conjugated)
      let tr = 0, ti = 0;
      for (let j = 0; j < n; j++) {
        sr += a[i * n + j]! * R.re.data[j * n + k]!;
        si += a[i * n + j]! * R.im.data[j * n + k]!;
        tr += a[j * n + i]! * L.re.data[j * n + k]!;
        ti -= a[j * n + i]! * L.im.data[j * n + k]!;
      }
      const vr = R.re.data[i * n + k]!, vi = R.im.data[i * n + k]!;
      const wr = L.re.data[i * n + k]!, wi = -L.im.data[i * n + k]!;
      sr -= lr * vr - li * vi;
      si -= lr * vi + li * vr;
      tr -= lr * wr - li * wi;
      ti -= lr * wi + li * wr;
      rr += sr * sr + si * si;
      ll += tr * tr + ti * ti;
      nv += vr * vr + vi * vi;
      nw += wr * wr + wi * wi;
    }
    right = Math.max(right, Math.sqrt(rr));
    left = Math.max(left, Math.sqrt(ll));
    norms.push(Math.sqrt(nv), Math.sqrt(nw));
  }
  return { right, left, norms };
}

function rotation(theta: number): Matrix {
  return fromRows([
    [Math.cos(theta), -Math.sin(theta)],
    [Math.sin(theta), Math.cos(theta)],
  ]);
}

function checkPairs(re: Float64Array, im: Float64Array): void {
  for (let k = 0; k < re.length; k++) {
    if (im[k] !== 0) {
      expect(im[k]!).toBeGreaterThan(0);
      expect(re[k + 1]).toBe(re[k]);
      expect(im[k + 1]).toBe(-im[k]!);
      k++;
    }
  }
}

describe('generalEigen', () => {
  it('right and left vectors satisfy Av = λv, wᴴA = λwᴴ on random matrices (≤ 1e-10‖A‖)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1e6 }), (n, seed) => {
        const A = gaussian(n, n, seed);
        const e = generalEigen(A);
        const r = residuals(A, e.re, e.im, e.right!, e.left!);
        const tol = 1e-10 * frobeniusNorm(A);
        expect(r.right).toBeLessThanOrEqual(tol);
        expect(r.left).toBeLessThanOrEqual(tol);
        for (const v of r.norms) expect(Math.abs(v - 1)).toBeLessThan(1e-12);
        checkPairs(e.re, e.im);
      }),
      { numRuns: 40 },
    );
  });

  it('rotation matrices: eigenvalues e^{±iθ}, +Im first, vectors exact', () => {
    for (const theta of [Math.PI / 3, 0.1, 2.5]) {
      const A = rotation(theta);
      const e = generalEigen(A);
      expect(e.re[0]).toBeCloseTo(Math.cos(theta), 14);
      expect(e.im[0]).toBeCloseTo(Math.sin(theta), 14);
      expect(e.im[1]).toBeCloseTo(-Math.sin(theta), 14);
      const r = residuals(A, e.re, e.im, e.right!, e.left!);
      expect(r.right).toBeLessThanOrEqual(1e-12);
      expect(r.left).toBeLessThanOrEqual(1e-12);
    }
  });

  it('block rotations embedded by a random orthogonal similarity (complex pairs in larger n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1e6 }), (blocks, seed) => {
        const rng = createRng(seed);
        const n = 2 * blocks + 1;
        const D = zeros(n, n);
        for (let b = 0; b < blocks; b++) {
          const rho = 0.5 + rng.uniform();
          const th = 0.1 + 2.8 * rng.uniform();
          const R = rotation(th);
          for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) D.data[(2 * b + i) * n + 2 * b + j] = rho * R.data[i * 2 + j]!;
        }
        D.data[n * n - 1] = 0.3;
        const Q = randomOrthogonal(n, rng);
        const A = gemm(gemm(Q, D), Q, { transB: true });
        const e = generalEigen(A);
        const r = residuals(A, e.re, e.im, e.right!, e.left!);
        const tol = 1e-10 * frobeniusNorm(A);
        expect(r.right).toBeLessThanOrEqual(tol);
        expect(r.left).toBeLessThanOrEqual(tol);
        checkPairs(e.re, e.im);
        expect(e.im.filter((v) => v !== 0).length).toBe(2 * blocks);
      }),
      { numRuns: 20 },
    );
  });

  it('extreme scales (1e±300) are handled by exact power-of-two scaling', () => {
    for (const sc of [1e300, 1e-300]) {
      const A = rotation(0.7);
      for (let i = 0; i < 4; i++) A.data[i]! *= sc;
      const e = generalEigen(A);
      expect(e.re[0]! / sc).toBeCloseTo(Math.cos(0.7), 13);
      expect(e.im[0]! / sc).toBeCloseTo(Math.sin(0.7), 13);
      const S = fromRows([[2 * sc, sc], [sc, 2 * sc]]);
      const { values } = symmetricEigen(S);
      expect(values[0]! / sc).toBeCloseTo(1, 13);
      expect(values[1]! / sc).toBeCloseTo(3, 13);
    }
  });

  it('defective and repeated eigenvalues still give valid left and right vectors', () => {
    for (const A of [fromRows([[1, 1], [0, 1]]), identity(3), fromRows([[2, 1, 0], [0, 2, 1], [0, 0, 2]]), zeros(2, 2)]) {
      const e = generalEigen(A);
      const r = residuals(A, e.re, e.im, e.right!, e.left!);
      expect(r.right).toBeLessThanOrEqual(1e-7);
      expect(r.left).toBeLessThanOrEqual(1e-7);
    }
  });

  it('values only; empty matrix; errors', () => {
    const A = gaussian(5, 5, 3);
    const e = generalEigen(A, { vectors: false });
    expect(e.right).toBeUndefined();
    expect(e.re.length).toBe(5);
    expect(generalEigen(zeros(0, 0)).re.length).toBe(0);
    expect(() => generalEigen(zeros(2, 3))).toThrow(ShapeError);
    const B = identity(2);
    B.data[1] = NaN;
    expect(() => generalEigen(B)).toThrow(NonFiniteError);
  });
});

describe('symmetricEigen', () => {
  it('ascending values, orthonormal vectors, reconstructs A (lower triangle trusted)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1e6 }), (n, seed) => {
        const G = gaussian(n, n, seed);
        const S = gemm(G, G, { transB: true, alpha: 0.5 });
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = G.data[i * n + j]! + G.data[j * n + i]!;
        const garbled = { rows: n, cols: n, data: S.data.slice() };
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbled.data[i * n + j] = 1e3; // upper ignored
        const { values, vectors } = symmetricEigen(garbled);
        for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
        const V = vectors!;
        const VtV = gemm(V, V, { transA: true });
        expect(maxAbsDiff(VtV.data, identity(n).data)).toBeLessThanOrEqual(1e-12 * n);
        const rec = gemm(gemm(V, diag(values)), V, { transB: true });
        expect(maxAbsDiff(rec.data, S.data)).toBeLessThanOrEqual(1e-12 * n * frobeniusNorm(S));
      }),
      { numRuns: 30 },
    );
  });

  it('edge cases: n = 0, 1, zero matrix, repeated values; values-only agrees', () => {
    expect(symmetricEigen(zeros(0, 0)).values.length).toBe(0);
    expect(Array.from(symmetricEigen(fromRows([[-2]])).values)).toEqual([-2]);
    const Z = symmetricEigen(zeros(4, 4));
    expect(Array.from(Z.values)).toEqual([0, 0, 0, 0]);
    expect(maxAbsDiff(gemm(Z.vectors!, Z.vectors!, { transA: true }).data, identity(4).data)).toBeLessThan(1e-15);
    const D = symmetricEigen(diag([3, 1, 3, 1, 2]));
    expect(Array.from(D.values)).toEqual([1, 1, 2, 3, 3]);
    const G = gaussian(12, 12, 77);
    const S = gemm(G, G, { transA: true });
    const withV = symmetricEigen(S);
    const noV = symmetricEigen(S, { vectors: false });
    // js: the same QL sweep gives identical values; LAPACK (native backend) may use another
    // algorithm without vectors, so allow 64ε·max|λ| there.
    const tol = getBackend().name === 'js' ? 0 : 64 * Number.EPSILON * maxAbs(withV.values);
    expect(maxAbsDiff(withV.values, noV.values)).toBeLessThanOrEqual(tol);
    expect(noV.vectors).toBeUndefined();
    expect(() => symmetricEigen(zeros(2, 3))).toThrow(ShapeError);
    expect(() => symmetricEigen(fromRows([[1, 0], [Infinity, 1]]))).toThrow(NonFiniteError);
  });

  it('generalEigen on a symmetric matrix gives real values and left = right vectors', () => {
    const G = gaussian(8, 8, 5);
    const S = gemm(G, G, { transA: true });
    const e = generalEigen(S);
    expect(maxAbs(e.im)).toBe(0);
    const r = residuals(S, e.re, e.im, e.right!, e.left!);
    expect(r.right).toBeLessThanOrEqual(1e-10 * frobeniusNorm(S));
    expect(r.left).toBeLessThanOrEqual(1e-10 * frobeniusNorm(S));
    expect(maxAbsDiff(e.right!.re.data, e.left!.re.data)).toBeLessThan(1e-10);
  });

  it('known spectrum', () => {
    const { values } = symmetricEigen(fromRows([[2, 1], [1, 2]]), { vectors: false });
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
  });
});
