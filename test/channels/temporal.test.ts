import { describe, expect, it } from 'vitest';
import { channelDecomposition, temporalAmplification, temporalAmplificationCap, trajectoryChannel } from '../../src/channels/index.js';
import { densify } from '../../src/operators/index.js';
import { svd, zeros } from '../../src/linalg/index.js';
import { rollout } from '../../src/models/index.js';
import { symmetricTop1, vanilla } from './helpers.js';

describe('temporal amplification ‖P_λ‖₂', () => {
  it('matches a dense SVD of the Toeplitz matrix (real and complex λ, rel. 1e-9)', () => {
    const T = 30;
    for (const lam of [{ re: 0.9, im: 0 }, { re: 1, im: 0 }, { re: 0.6, im: 0.7 }, { re: -0.95, im: 0 }]) {
      // real 2T embedding of the complex Toeplitz matrix: singular values doubled
      const A = zeros(2 * T, 2 * T);
      for (let t = 0; t < T; t++) for (let s = 0; s <= t; s++) {
        // λ^{t−s}
        let pr = 1, pi = 0;
        for (let k = 0; k < t - s; k++) [pr, pi] = [pr * lam.re - pi * lam.im, pr * lam.im + pi * lam.re];
        A.data[t * 2 * T + s] = pr; A.data[(T + t) * 2 * T + T + s] = pr;
        A.data[t * 2 * T + T + s] = -pi; A.data[(T + t) * 2 * T + s] = pi;
      }
      const dense = svd(A).s[0]!;
      expect(Math.abs(temporalAmplification(lam, T) - dense) / dense).toBeLessThan(1e-9);
    }
  });
  it('T = 200: saturates near 2T/π as σ → 0 (exactly 1/(2 sin(π/(2(2T+1)))) at λ = 1)', () => {
    const T = 200;
    const vals = [1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 0].map((s) => temporalAmplification(1 - s, T));
    console.table(vals.map((v, i) => ({ sigma: [1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 0][i], amp: v, cap: temporalAmplificationCap(1 - [1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 0][i]!, T) })));
    for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeGreaterThan(vals[i - 1]!);
    expect(vals[5]!).toBeCloseTo(1 / (2 * Math.sin(Math.PI / (2 * (2 * T + 1)))), 8);
    expect(Math.abs(vals[4]! / ((2 * T) / Math.PI) - 1)).toBeLessThan(0.01);
    expect(vals[0]!).toBeGreaterThan(0.95 * 10); // T ≫ 1/σ: ≈ 1/σ
    expect(vals[0]!).toBeLessThanOrEqual(10);
  });
});

describe('trajectory channel at a fixed point (J_t = J* for all t: P = Σ P_λi ⊗ r_i l_iᵀ exactly)', () => {
  const N = 6, T = 40;
  const S = symmetricTop1(N, 0.5, 7);
  it('the channel operator equals (P_λ ⊗ r lᵀ) J_θ J_θᵀ (…)ᵀ: trace, PSD, and share → 1 as g → 1', () => {
    const shares: number[] = [];
    for (const g of [0.5, 0.9, 0.99, 0.999]) {
      const m = vanilla(N, S.map((v) => g * v));
      const d = channelDecomposition(m, new Float64Array(N), new Float64Array(0));
      const traj = rollout(m, new Float64Array(0), { B: 1, T });
      const tc = trajectoryChannel(m, traj, d.mode);
      const C = densify(tc.channel);
      let tr = 0;
      for (let i = 0; i < C.rows; i++) tr += C.data[i * C.rows + i]!;
      expect(Math.abs(tr - tc.channelTrace) / tc.channelTrace).toBeLessThan(1e-10);
      // residual operator = sNTK − C: its trace is tr − channelTrace
      const R = densify(tc.residual);
      let trR = 0;
      for (let i = 0; i < R.rows; i++) trR += R.data[i * R.rows + i]!;
      expect(Math.abs(trR - (tc.trace - tc.channelTrace)) / tc.trace).toBeLessThan(1e-10);
      // with symmetric S the modes are orthogonal: the residual is PSD and the split is exact
      expect(tc.share).toBeLessThanOrEqual(1 + 1e-12);
      shares.push(tc.share);
      expect(tc.temporalAmplification).toBeLessThanOrEqual(tc.cap * 1.001);
    }
    for (let i = 1; i < shares.length; i++) expect(shares[i]!).toBeGreaterThan(shares[i - 1]!);
    expect(shares[3]!).toBeGreaterThan(0.95);
  });
});
