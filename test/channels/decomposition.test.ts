import { describe, expect, it } from 'vitest';
import { channelDecomposition, classifyNearest } from '../../src/channels/index.js';
import { cosine, nearFold, symmetricTop1, vanilla } from './helpers.js';
import { fixedPointSntk } from '../../src/sntk/fixed-point.js';

describe('fixed-point channel: W = g·S at h* = 0 (sNTK_fp = (I − gS)⁻² exactly)', () => {
  const N = 20;
  const S = symmetricTop1(N, 0.5, 3);
  const h0 = new Float64Array(N);
  const x0 = new Float64Array(0);
  const rows = [0.5, 0.9, 0.99, 0.999].map((g) => {
    const d = channelDecomposition(vanilla(N, S.map((v) => g * v)), h0, x0);
    return { g, share: d.channelShare, amp: d.amplification, ampTimes: d.amplification * (1 - g) ** 2, resid: d.residualNorm, cross: d.crossNorm, pr: d.prBefore, prAfter: d.prAfter, cos: d.cosine, sigma: d.sigma };
  });
  it('table: share → 1, amplification = 1/(1−g)², PR → 1, residual bounded', () => {
    console.table(rows);
    for (const r of rows) {
      expect(r.ampTimes).toBeCloseTo(1, 10); // amplification·(1−g)² = 1 (σ = 1 − g exactly)
      expect(r.sigma).toBeCloseTo(1 - r.g, 12);
      expect(r.cross).toBeLessThan(1e-8 * r.amp); // r ⟂ residual modes for symmetric J
    }
    const shares = rows.map((r) => r.share);
    for (let i = 1; i < shares.length; i++) expect(shares[i]!).toBeGreaterThan(shares[i - 1]!);
    expect(shares[3]!).toBeGreaterThan(0.999);
    expect(1 - shares[3]!).toBeLessThan(2e-4);
    expect(rows[3]!.pr).toBeLessThan(1.01); // docs/theory.md §4: PR < 1.01 at g = 0.999 when s₂ ≤ 0.5
    expect(rows[3]!.cos).toBeGreaterThan(0.9999);
    const change = Math.abs(rows[3]!.resid - rows[2]!.resid) / rows[2]!.resid;
    expect(change).toBeLessThan(0.1);
    // the residual is exactly Σ_{i≥2} (1 − g s_i)⁻² q_i q_iᵀ: its largest eigenvalue ≤ (1 − g/2)⁻²
    expect(rows[3]!.resid).toBeLessThan(Math.sqrt(N) / (1 - 0.999 * 0.5) ** 2);
  });
  it('channel + cross + residual = sNTK_fp (rel. 1e-10) and the channel is ‖B*ᵀl‖²/σ² r rᵀ', () => {
    const g = 0.99;
    const d = channelDecomposition(vanilla(N, S.map((v) => g * v)), h0, x0);
    let err = 0, scale = 0;
    for (let k = 0; k < N * N; k++) {
      err = Math.max(err, Math.abs(d.channel.data[k]! + d.cross.data[k]! + d.residual.data[k]! - d.K.data[k]!));
      scale = Math.max(scale, Math.abs(d.K.data[k]!));
    }
    expect(err / scale).toBeLessThan(1e-10);
    const r = d.mode.right.re;
    const c = d.unfoldingNorm ** 2 / d.sigma ** 2;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) expect(d.channel.data[i * N + j]!).toBeCloseTo(c * r[i]! * r[j]!, 6);
    expect(d.unfoldingNorm).toBeCloseTo(1, 10); // ‖v*‖² = 1 (bias site), D* = I
  });
});

describe('dominant direction = B*ᵀl/‖B*ᵀl‖ near a generic fold', () => {
  for (const N of [20, 100]) {
    it(`N = ${N}, σ = 1e-3: top right singular vector of dh*/dθ has |cos| ≥ 0.999 with g`, () => {
      const { model, hStar } = nearFold(N, 1e-3, 10 + N);
      const d = channelDecomposition(model, hStar, new Float64Array(0));
      expect(d.sigma).toBeCloseTo(1e-3, 9);
      // top right singular vector of S = dh*/dθ by power iteration on SᵀS (through the N×N Gram)
      const S = d.sensitivity;
      const P = S.cols;
      let u = new Float64Array(N).fill(1);
      for (let it = 0; it < 50; it++) {
        const v = new Float64Array(P);
        for (let i = 0; i < N; i++) for (let p = 0; p < P; p++) v[p]! += u[i]! * S.data[i * P + p]!;
        const w = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          let s = 0;
          for (let p = 0; p < P; p++) s += S.data[i * P + p]! * v[p]!;
          w[i] = s;
        }
        const n = Math.hypot(...w);
        u = w.map((x) => x / n);
      }
      const v = new Float64Array(P);
      for (let i = 0; i < N; i++) for (let p = 0; p < P; p++) v[p]! += u[i]! * S.data[i * P + p]!;
      const c = Math.abs(cosine(v, d.dominantDirection));
      expect(c).toBeGreaterThanOrEqual(0.999);
      expect(d.channelShare).toBeGreaterThan(0.99);
      const near = classifyNearest(model, hStar, new Float64Array(0));
      expect(near.type).toBe('saddle-node');
      expect(near.distance).toBeCloseTo(1e-3, 9);
    });
  }
});

describe('complex mode and flows', () => {
  it('leaky flow W = sR(π/3): the channel is rank two over R and not amplified (1/σ² ≤ 1/ω²)', () => {
    const s = 1.98, c = Math.cos(Math.PI / 3), sn = Math.sin(Math.PI / 3);
    const m = vanilla(2, [s * c, -s * sn, s * sn, s * c], undefined, 0, 'leaky', 0.5);
    const d = channelDecomposition(m, new Float64Array(2), new Float64Array(0), { time: 'continuous' });
    // eigenvalue of g_h = −1 + s e^{±iπ/3}
    expect(d.eigenvalue.re).toBeCloseTo(-1 + s / 2, 10);
    expect(Math.abs(d.eigenvalue.im)).toBeCloseTo((s * Math.sqrt(3)) / 2, 10);
    expect(d.sigma).toBeCloseTo(Math.hypot(-1 + s / 2, (s * Math.sqrt(3)) / 2), 10);
    expect(d.amplification).toBeCloseTo(1 / ((1 - s / 2) ** 2 + (3 * s * s) / 4), 10); // 1/|μ|² → 1/ω² = 1/3: bounded
    expect(d.amplification).toBeLessThan(0.35);
    expect(d.channelShare).toBeCloseTo(1, 10); // N = 2: the pair spans the whole space
    const near = classifyNearest(m, new Float64Array(2), new Float64Array(0), { time: 'continuous' });
    expect(near.type).toBe('hopf');
    expect(near.criticality).toBe('supercritical');
    expect(near.distance).toBeCloseTo(1 - s / 2, 10);
  });
  it('flow units: σ = (1 − λ)/α and the channel equals the map channel', () => {
    const N = 20;
    const S = symmetricTop1(N, 0.5, 4);
    const m = vanilla(N, S.map((v) => 0.99 * v), undefined, 0, 'leaky', 0.25);
    const dm = channelDecomposition(m, new Float64Array(N), new Float64Array(0));
    const df = channelDecomposition(m, new Float64Array(N), new Float64Array(0), { time: 'continuous' });
    expect(dm.sigma).toBeCloseTo(0.25 * 0.01, 12); // J = 0.75 I + 0.25·0.99 S
    expect(df.sigma).toBeCloseTo(0.01, 10);
    expect(df.eigenvalue.re).toBeCloseTo(-0.01, 10);
    expect(df.channelShare).toBeCloseTo(dm.channelShare, 12);
    expect(df.unfoldingNorm / df.sigma).toBeCloseTo(dm.unfoldingNorm / dm.sigma, 6);
  });
});

describe('classification and bad input', () => {
  it('pitchfork at h* = 0 of W = g·S (odd tanh, zero bias): supercritical', () => {
    const N = 20;
    const m = vanilla(N, symmetricTop1(N, 0.5, 5).map((v) => 0.999 * v));
    const near = classifyNearest(m, new Float64Array(N), new Float64Array(0));
    expect(near.type).toBe('pitchfork');
    expect(near.criticality).toBe('supercritical');
    expect(near.coefficients['a']).toBeCloseTo(0, 12);
    expect(near.coefficients['b3']!).toBeLessThan(0);
  });
  it('two equally critical modes (codimension 2) → degenerate, double-critical', () => {
    const N = 4;
    const W = new Float64Array(N * N);
    W[0] = 0.999; W[5] = 0.999; W[10] = 0.3; W[15] = -0.2;
    const near = classifyNearest(vanilla(N, W), new Float64Array(N), new Float64Array(0));
    expect(near.type).toBe('degenerate');
    expect(near.degeneracy).toBe('double-critical');
  });
  it('a Jordan block at the critical eigenvalue (Bogdanov–Takens-like) → degenerate', () => {
    const W = [0.999, 1, 0, 0.999];
    const near = classifyNearest(vanilla(2, W), new Float64Array(2), new Float64Array(0));
    expect(near.type).toBe('degenerate');
  });
  it('not a fixed point → InputError; exactly critical → SingularMatrixError', () => {
    const m = vanilla(2, [0.5, 0, 0, 0.3]);
    expect(() => channelDecomposition(m, Float64Array.of(0.3, 0), new Float64Array(0))).toThrow(/not a fixed point/);
    const crit = vanilla(2, [1, 0, 0, 0.3]);
    expect(() => channelDecomposition(crit, new Float64Array(2), new Float64Array(0))).toThrow(/singular|bifurcation/);
    expect(() => fixedPointSntk(crit, new Float64Array(2), new Float64Array(0))).toThrow();
  });
});
