/**
 * Values-only general eigenproblem on the js backend (balancing + Hessenberg + double-shift QR,
 * src/linalg/hessenberg-qr.ts) against ml-matrix's EigenvalueDecomposition (hqr2), as multisets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import { createRng, gemm, generalEigen, getBackend, randomNormalMatrix, randomOrthogonal, setBackend, zeros, type Matrix } from '../../src/linalg/index.js';
import { generalEigenMl } from '../../src/linalg/eigen.js';
import { generalEigenValuesHqr, hessenbergInPlace, hessenbergQrValues } from '../../src/linalg/hessenberg-qr.js';
import { ConvergenceError, NonFiniteError } from '../../src/errors.js';

interface Vals {
  re: ArrayLike<number>;
  im: ArrayLike<number>;
}

function mlValues(A: Matrix): Vals {
  const n = A.rows;
  const m = new MlMatrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, A.data[i * n + j]!);
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: false });
  return { re: e.realEigenvalues, im: e.imaginaryEigenvalues };
}

/** Greedy multiset match: max over ours of the distance to the nearest unused reference value. */
function matchDistance(a: Vals, b: Vals): number {
  const n = a.re.length;
  expect(b.re.length).toBe(n);
  const used = new Uint8Array(n);
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let best = Infinity;
    let at = -1;
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      const d = Math.hypot(a.re[k]! - b.re[j]!, a.im[k]! - b.im[j]!);
      if (d < best) {
        best = d;
        at = j;
      }
    }
    used[at] = 1;
    worst = Math.max(worst, best);
  }
  return worst;
}

/** Max-abs entry (the ‖A‖ used in the tolerances). */
function norm(A: Matrix): number {
  let s = 0;
  for (const x of A.data) s = Math.max(s, Math.abs(x));
  return s;
}

/** Real: im exactly 0; complex: adjacent pair, +Im first, exactly conjugate. */
function expectPairsConjugate(v: Vals): void {
  const n = v.re.length;
  for (let k = 0; k < n; k++) {
    if (v.im[k] === 0) continue;
    expect(v.im[k]!).toBeGreaterThan(0);
    expect(k + 1).toBeLessThan(n);
    expect(v.re[k + 1]).toBe(v.re[k]);
    expect(v.im[k + 1]).toBe(-v.im[k]!);
    k++;
  }
}

function similar(A: Matrix, Q: Matrix): Matrix {
  return gemm(gemm(Q, A), Q, { transB: true });
}

describe('general eigenvalues without vectors (js: Hessenberg + double-shift QR)', () => {
  let previous: 'js' | 'native';
  beforeAll(() => {
    previous = getBackend().name as 'js' | 'native';
    setBackend('js');
  });
  afterAll(() => setBackend(previous));

  it('matches ml-matrix on random n ∈ [1, 60] to 1e-10·‖A‖; pairs exactly conjugate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2 ** 30 }), (n, seed) => {
        const A = randomNormalMatrix(n, n, createRng(seed));
        const ours = generalEigenMl(A, false);
        expect(ours.right).toBeUndefined();
        expect(matchDistance(ours, mlValues(A))).toBeLessThanOrEqual(1e-10 * norm(A));
        expectPairsConjugate(ours);
      }),
      { numRuns: 40 },
    );
  });

  it('through the public wrapper: same values, n = 0, 1, 2', () => {
    const A = randomNormalMatrix(30, 30, createRng(11));
    const e = generalEigen(A, { vectors: false });
    expect(matchDistance(e, mlValues(A))).toBeLessThanOrEqual(1e-10 * norm(A));
    expect(generalEigen(zeros(0, 0), { vectors: false }).re.length).toBe(0);
    const one = generalEigen({ rows: 1, cols: 1, data: Float64Array.of(-2.5) }, { vectors: false });
    expect([one.re[0], one.im[0]]).toEqual([-2.5, 0]);
    // [[1, -2], [3, 4]]: λ = 5/2 ± i·√15/2
    const c = generalEigen({ rows: 2, cols: 2, data: Float64Array.of(1, -2, 3, 4) }, { vectors: false });
    expect(Math.abs(c.re[0]! - 2.5)).toBeLessThan(1e-14);
    expect(Math.abs(c.im[0]! - Math.sqrt(15) / 2)).toBeLessThan(1e-14);
    expectPairsConjugate(c);
    // [[2, 1], [1, 2]]: λ = 1, 3 (real)
    const r = generalEigen({ rows: 2, cols: 2, data: Float64Array.of(2, 1, 1, 2) }, { vectors: false });
    expect(matchDistance(r, { re: [1, 3], im: [0, 0] })).toBeLessThan(1e-14);
    // zero 2×2
    const z = generalEigen(zeros(2, 2), { vectors: false });
    expect([...z.re, ...z.im]).toEqual([0, 0, 0, 0]);
  });

  it('rotation blocks ρ(c ± i s) under a random orthogonal similarity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 2 ** 30 }), (blocks, seed) => {
        const rng = createRng(seed);
        const n = 2 * blocks;
        const R = zeros(n, n);
        const re: number[] = [], im: number[] = [];
        for (let b = 0; b < blocks; b++) {
          const rho = 0.2 + 2 * rng.uniform();
          const th = 0.05 + 3 * rng.uniform();
          const c = rho * Math.cos(th), s = rho * Math.sin(th);
          const i = 2 * b;
          R.data[i * n + i] = c;
          R.data[i * n + i + 1] = -s;
          R.data[(i + 1) * n + i] = s;
          R.data[(i + 1) * n + i + 1] = c;
          re.push(c, c);
          im.push(s, -s);
        }
        const A = similar(R, randomOrthogonal(n, rng));
        const ours = generalEigenMl(A, false);
        expect(matchDistance(ours, { re, im })).toBeLessThanOrEqual(1e-10 * norm(A));
        expect(matchDistance(ours, mlValues(A))).toBeLessThanOrEqual(1e-10 * norm(A));
        expectPairsConjugate(ours);
        for (let k = 0; k < n; k++) expect(ours.im[k]).not.toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it('upper triangular: exactly the diagonal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 30 }), (n, seed) => {
        const A = randomNormalMatrix(n, n, createRng(seed));
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[i * n + j] = 0;
        const d = Array.from({ length: n }, (_, i) => A.data[i * n + i]!);
        const ours = generalEigenMl(A, false);
        expect(matchDistance(ours, { re: d, im: new Array<number>(n).fill(0) })).toBe(0);
        expect(matchDistance(ours, mlValues(A))).toBeLessThanOrEqual(1e-10 * norm(A));
      }),
      { numRuns: 25 },
    );
  });

  it('defective (Jordan blocks under an orthogonal similarity): within (ε‖A‖)^(1/m) and accurate cluster means', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 ** 30 }), (m, extra, seed) => {
        const rng = createRng(seed);
        const n = m + extra;
        const J = zeros(n, n);
        const lam = 2 * rng.uniform() - 1;
        for (let i = 0; i < m; i++) {
          J.data[i * n + i] = lam;
          if (i + 1 < m) J.data[i * n + i + 1] = 1;
        }
        // well separated simple eigenvalues for the rest
        const rest: number[] = [];
        for (let i = m; i < n; i++) {
          const v = 3 + (i - m) + 0.5 * rng.uniform();
          J.data[i * n + i] = v;
          rest.push(v);
          for (let j = i + 1; j < n; j++) J.data[i * n + j] = 0.3 * rng.normal();
        }
        const A = similar(J, randomOrthogonal(n, rng));
        const ours = generalEigenMl(A, false);
        const scale = norm(A);
        // m eigenvalues nearest lam: each within (c ε)^(1/m)·‖A‖, their mean within ~1e-10·‖A‖.
        const idx = Array.from({ length: n }, (_, k) => k).sort(
          (a, b) => Math.hypot(ours.re[a]! - lam, ours.im[a]!) - Math.hypot(ours.re[b]! - lam, ours.im[b]!),
        );
        let mr = 0, mi = 0;
        const radius = (1e3 * Number.EPSILON) ** (1 / m) * Math.max(1, scale);
        for (let t = 0; t < m; t++) {
          const k = idx[t]!;
          expect(Math.hypot(ours.re[k]! - lam, ours.im[k]!)).toBeLessThanOrEqual(radius);
          mr += ours.re[k]! / m;
          mi += ours.im[k]! / m;
        }
        expect(Math.hypot(mr - lam, mi)).toBeLessThanOrEqual(1e-10 * Math.max(1, scale));
        const others = idx.slice(m);
        expect(matchDistance({ re: others.map((k) => ours.re[k]!), im: others.map((k) => ours.im[k]!) }, { re: rest, im: rest.map(() => 0) })).toBeLessThanOrEqual(1e-10 * Math.max(1, scale));
        expectPairsConjugate(ours);
        // the same multiset as ml-matrix to the looser Jordan tolerance
        expect(matchDistance(ours, mlValues(A))).toBeLessThanOrEqual(2 * radius);
      }),
      { numRuns: 40 },
    );
  });

  it('entries scaled by 1e±100 and graded diagonal similarities 2^±60', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 30 }), fc.constantFrom(1e100, 1e-100), (n, seed, c) => {
        const rng = createRng(seed);
        const A = randomNormalMatrix(n, n, rng);
        const ref = mlValues(A);
        const tol = 1e-10 * norm(A);
        const S = { rows: n, cols: n, data: A.data.map((x) => x * c) };
        const s = generalEigen(S, { vectors: false });
        expect(matchDistance({ re: s.re.map((x) => x / c), im: s.im.map((x) => x / c) }, ref)).toBeLessThanOrEqual(tol);
        expectPairsConjugate(s);
        // D A D⁻¹ with D = diag(2^e), e ∈ [−60, 60]: exact similarity, same eigenvalues
        const e = Array.from({ length: n }, () => 2 ** Math.round(120 * rng.uniform() - 60));
        const G = { rows: n, cols: n, data: A.data.map((x, k) => (x * e[Math.floor(k / n)]!) / e[k % n]!) };
        const g = generalEigen(G, { vectors: false });
        expect(matchDistance(g, ref)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 30 },
    );
  });

  it('Hessenberg reduction is a similarity (trace, Frobenius norm) with zeros below the subdiagonal', () => {
    const n = 25;
    const A = randomNormalMatrix(n, n, createRng(5));
    const h = A.data.slice();
    hessenbergInPlace(n, h);
    let trA = 0, trH = 0, fA = 0, fH = 0;
    for (let i = 0; i < n; i++) {
      trA += A.data[i * n + i]!;
      trH += h[i * n + i]!;
      for (let j = 0; j < n; j++) {
        fA += A.data[i * n + j]! ** 2;
        fH += h[i * n + j]! ** 2;
        if (i > j + 1) expect(h[i * n + j]).toBe(0);
      }
    }
    expect(Math.abs(trA - trH)).toBeLessThan(1e-12 * Math.sqrt(fA));
    expect(Math.abs(Math.sqrt(fA) - Math.sqrt(fH))).toBeLessThan(1e-12 * Math.sqrt(fA));
  });

  it('errors: NaN/Inf → NonFiniteError from the public wrapper; sweep cap → ConvergenceError', () => {
    const A = randomNormalMatrix(4, 4, createRng(1));
    A.data[5] = NaN;
    expect(() => generalEigen(A, { vectors: false })).toThrow(NonFiniteError);
    A.data[5] = Infinity;
    expect(() => generalEigen(A, { vectors: false })).toThrow(NonFiniteError);
    // The kernel checks too (it may be called directly).
    const B = randomNormalMatrix(6, 6, createRng(2));
    B.data[7] = NaN;
    expect(() => generalEigenValuesHqr(6, B.data)).toThrow(NonFiniteError);
    // The sweep cap: a 3×3 unreduced Hessenberg block with a budget of 0 sweeps.
    const H = Float64Array.of(1, 2, 3, 4, 5, 6, 0, 7, 8);
    expect(() => hessenbergQrValues(3, H, new Float64Array(3), new Float64Array(3), 0)).toThrow(ConvergenceError);
    // Default cap 30·n is ample for the same matrix.
    const re = new Float64Array(3), im = new Float64Array(3);
    hessenbergQrValues(3, Float64Array.of(1, 2, 3, 4, 5, 6, 0, 7, 8), re, im);
    expect(re[0]! + re[1]! + re[2]!).toBeCloseTo(14, 12);
  });
});
