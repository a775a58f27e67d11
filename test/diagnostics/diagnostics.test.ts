import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Matrix } from '../../src/linalg/matrix.js';
import { zeros } from '../../src/linalg/matrix.js';
import { gemm, symmetricEigen } from '../../src/linalg/index.js';
import { createRng, randomOrthogonal } from '../../src/linalg/random.js';
import {
  checkSymmetricKernel, clampSpectrum, entropyEffectiveRank, frobeniusNorm, kernelAlignment, kernelDiagnostics, kernelTrace,
  participationRatio, rankForVariance, spaceReduction, targetAlignment, timeReduction, topEigenpairsDense,
} from '../../src/sntk/diagnostics.js';
import { InputError, NonFiniteError, ShapeError } from '../../src/errors.js';

/** Random low-rank Gram matrix `G Gᵀ` with `G` `n × r`. */
function lowRankGram(n: number, r: number, seed: number): Matrix {
  const G = zeros(n, r);
  createRng(seed).fillNormal(G.data);
  return gemm(G, G, { transB: true });
}
function kron(A: Matrix, B: Matrix): Matrix {
  const out = zeros(A.rows * B.rows, A.cols * B.cols);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) for (let k = 0; k < B.rows; k++) for (let l = 0; l < B.cols; l++) {
    out.data[(i * B.rows + k) * out.cols + j * B.cols + l] = A.data[i * A.cols + j]! * B.data[k * B.cols + l]!;
  }
  return out;
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('kernel diagnostics', () => {
  it('random low-rank Gram matrices: symmetric, PSD, PR and entropy rank in [1, rank], rank95 ≤ rank (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 1, max: 14 }), fc.integer(), (n, r0, seed) => {
        const r = Math.min(r0, n);
        const K = lowRankGram(n, r, seed);
        expect(() => checkSymmetricKernel(K)).not.toThrow();
        const ev = symmetricEigen(K, { vectors: false }).values;
        const lmax = ev[n - 1]!;
        for (const v of ev) expect(v).toBeGreaterThanOrEqual(-1e-12 * lmax);
        const d = kernelDiagnostics(K);
        expect(d.participationRatio).toBeGreaterThanOrEqual(1 - 1e-12);
        expect(d.participationRatio).toBeLessThanOrEqual(r + 1e-9);
        expect(d.entropyRank).toBeGreaterThanOrEqual(1 - 1e-12);
        expect(d.entropyRank).toBeLessThanOrEqual(r + 1e-9);
        expect(d.rank95).toBeGreaterThanOrEqual(1);
        expect(d.rank95).toBeLessThanOrEqual(r);
        // matrix and spectrum routes agree
        expect(Math.abs(participationRatio(ev) - d.participationRatio)).toBeLessThan(1e-9 * d.participationRatio);
        expect(Math.abs(d.trace - ev.reduce((a, b) => a + b, 0))).toBeLessThan(1e-10 * Math.abs(d.trace));
        // top descending
        for (let i = 1; i < d.top.length; i++) expect(d.top[i]!).toBeLessThanOrEqual(d.top[i - 1]!);
      }),
      { numRuns: 60 },
    );
  });

  it('rank-r projector: entropy rank = PR = r, rank95 = ⌈0.95 r⌉', () => {
    const n = 40;
    const Q = randomOrthogonal(n, createRng(3));
    for (const r of [1, 3, 7, 20]) {
      const U = zeros(n, r);
      for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) U.data[i * r + j] = Q.data[i * n + j]!;
      const P = gemm(U, U, { transB: true });
      const d = kernelDiagnostics(P);
      expect(Math.abs(d.participationRatio - r)).toBeLessThan(1e-10 * r);
      expect(Math.abs(d.entropyRank - r)).toBeLessThan(1e-9 * r);
      expect(d.rank95).toBe(Math.ceil(0.95 * r));
      expect(rankForVariance(d.eigenvalues, 1)).toBe(r);
      expect(d.clampedNegatives).toBeGreaterThanOrEqual(0);
    }
  });

  it('spectrum input, configurable fraction, top vectors', () => {
    const ev = [4, 3, 2, 1];
    const d = kernelDiagnostics(ev, { varianceFraction: 0.7, top: 2 });
    expect(d.trace).toBe(10);
    expect(d.frobeniusSquared).toBe(30);
    expect(d.participationRatio).toBeCloseTo(100 / 30, 14);
    const p = ev.map((v) => v / 10);
    expect(d.entropyRank).toBeCloseTo(Math.exp(-p.reduce((a, b) => a + b * Math.log(b), 0)), 13);
    expect(d.rank95).toBe(2);
    expect(d.top).toEqual([4, 3]);
    const K = lowRankGram(10, 3, 4);
    const dv = kernelDiagnostics(K, { top: 3, vectors: true });
    const te = topEigenpairsDense(K, 3);
    expect(maxAbsDiff(dv.top, te.values)).toBeLessThan(1e-12 * te.values[0]!);
    const v0 = dv.topVectors!;
    const Kv = gemm(K, v0);
    for (let c = 0; c < 3; c++) for (let i = 0; i < 10; i++) expect(Math.abs(Kv.data[i * 3 + c]! - dv.top[c]! * v0.data[i * 3 + c]!)).toBeLessThan(1e-10 * dv.top[0]!);
  });

  it('clamp: roundoff negatives clamped at the documented threshold, real negatives rejected', () => {
    const n = 5, tau = 64 * n * 2 ** -52 * 2;
    const c = clampSpectrum([2, 1, -0.5 * tau, 0.1, 0]);
    expect(c.clamped).toBe(1);
    expect(c.tolerance).toBeCloseTo(tau, 25);
    expect(Array.from(c.values)).toEqual([2, 1, 0.1, 0, 0]);
    expect(() => entropyEffectiveRank([2, 1, -2 * tau])).toThrow(InputError);
    expect(entropyEffectiveRank([2, 1, -2 * tau], { negativeTolerance: 1e-6 })).toBeCloseTo(entropyEffectiveRank([2, 1]), 14);
  });

  it('space and time reductions are the textbook partial traces (Kronecker check, trace preserved)', () => {
    const BT = 6, N = 4;
    const G = lowRankGram(BT, 4, 8), M = lowRankGram(N, 3, 9);
    const K = kron(G, M); // rows (bt, i)
    const S = spaceReduction(K, N);
    const R = timeReduction(K, N);
    const trG = kernelTrace(G), trM = kernelTrace(M);
    expect(maxAbsDiff(S.data, M.data.map((v) => v * trG))).toBeLessThan(1e-12 * trG * frobeniusNorm(M));
    expect(maxAbsDiff(R.data, G.data.map((v) => v * trM))).toBeLessThan(1e-12 * trM * frobeniusNorm(G));
    // general kernel: definition by loops, trace preserved
    const K2 = lowRankGram(BT * N, 7, 10);
    const S2 = spaceReduction(K2, N), R2 = timeReduction(K2, N);
    expect(Math.abs(kernelTrace(S2) - kernelTrace(K2))).toBeLessThan(1e-12 * kernelTrace(K2));
    expect(Math.abs(kernelTrace(R2) - kernelTrace(K2))).toBeLessThan(1e-12 * kernelTrace(K2));
    let s01 = 0;
    for (let p = 0; p < BT; p++) s01 += K2.data[(p * N + 0) * BT * N + p * N + 1]!;
    expect(S2.data[1]).toBeCloseTo(s01, 12);
    let r23 = 0;
    for (let i = 0; i < N; i++) r23 += K2.data[(2 * N + i) * BT * N + 3 * N + i]!;
    expect(R2.data[2 * BT + 3]).toBeCloseTo(r23, 12);
    // reductions of PSD kernels are PSD
    for (const v of symmetricEigen(S2, { vectors: false }).values) expect(v).toBeGreaterThan(-1e-10 * kernelTrace(K2));
    for (const v of symmetricEigen(R2, { vectors: false }).values) expect(v).toBeGreaterThan(-1e-10 * kernelTrace(K2));
    expect(() => spaceReduction(K2, 5)).toThrow(ShapeError);
  });

  it('target alignment and kernel alignment', () => {
    const K = lowRankGram(12, 5, 11);
    const { values, vectors } = topEigenpairsDense(K, 1);
    const y = new Float64Array(12);
    for (let i = 0; i < 12; i++) y[i] = 3 * vectors.data[i]!;
    expect(targetAlignment(K, y)).toBeCloseTo(values[0]! / kernelTrace(K), 12);
    const Y = zeros(12, 2);
    for (let i = 0; i < 12; i++) { Y.data[i * 2] = y[i]!; Y.data[i * 2 + 1] = y[i]!; }
    expect(targetAlignment(K, Y)).toBeCloseTo(values[0]! / kernelTrace(K), 12);
    expect(kernelAlignment(K, K)).toBeCloseTo(1, 14);
    expect(kernelAlignment(K, { rows: 12, cols: 12, data: K.data.map((v) => -2 * v) })).toBeCloseTo(-1, 14);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = kernelAlignment(lowRankGram(8, 3, seed), lowRankGram(8, 2, seed + 1));
        expect(a).toBeGreaterThanOrEqual(0); // PSD kernels: tr(AB) ≥ 0
        expect(a).toBeLessThanOrEqual(1 + 1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('bad inputs give typed errors', () => {
    expect(() => kernelDiagnostics(zeros(3, 4))).toThrow(ShapeError);
    expect(() => kernelDiagnostics({ rows: 2, cols: 2, data: Float64Array.from([1, 0.5, 0, 1]) })).toThrow(InputError);
    expect(() => kernelDiagnostics({ rows: 2, cols: 2, data: Float64Array.from([1, NaN, NaN, 1]) })).toThrow(NonFiniteError);
    expect(() => kernelDiagnostics(zeros(3, 3))).toThrow(InputError);
    expect(() => kernelDiagnostics([1, -1, 0.5])).toThrow(InputError);
    expect(() => rankForVariance([1, 2], 1.5)).toThrow(InputError);
    expect(() => kernelAlignment(zeros(2, 2), zeros(3, 3))).toThrow(ShapeError);
    expect(() => targetAlignment(lowRankGram(4, 2, 1), new Float64Array(3))).toThrow(ShapeError);
    expect(() => topEigenpairsDense(lowRankGram(4, 2, 1), 5)).toThrow(InputError);
  });
});
