/**
 * The "Must show" bifurcation cases (docs/theory.md §6–§7) on hand-written systems with analytic answers.
 */
import { describe, it, expect } from 'vitest';
import { continueBranch, elementwiseSystem } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import { allFinite, conjugateDiag, randomOrthogonal, rotation, scalarTanh, tiltedTanh } from './helpers.js';

describe('pitchfork and period doubling of h ↦ tanh(w h)', () => {
  it('one supercritical pitchfork at w = 1 (|error| ≤ 1e-6) on w ∈ [0.5, 1.5]', () => {
    const r = continueBranch(scalarTanh(), { s0: 0.5, s1: 1.5, h0: Float64Array.of(0.1) });
    expect(r.stopReason).toBe('reached-end');
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('pitchfork');
    expect(Math.abs(e.s - 1)).toBeLessThanOrEqual(1e-6);
    expect(e.sError).toBeLessThanOrEqual(1e-8);
    // centre manifold of tanh(h) at 0: b₂ = 0, b₃ = f'''(0)/6 = −1/3 → supercritical
    expect(Math.abs(e.coefficients.a!)).toBeLessThan(1e-12);
    expect(e.coefficients.b3).toBeCloseTo(-1 / 3, 10);
    expect(e.criticality).toBe('supercritical');
    expect(e.eigenvalues[0]!.re).toBeCloseTo(1, 10);
    expect(allFinite(r)).toBe(true);
  });

  it('one supercritical period doubling at w = −1 on w ∈ [−0.5, −1.5]', () => {
    const r = continueBranch(scalarTanh(), { s0: -0.5, s1: -1.5, h0: Float64Array.of(0) });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('period-doubling');
    expect(Math.abs(e.s + 1)).toBeLessThanOrEqual(1e-6);
    // f(h) = −tanh(h): c = f'''(0)/6 = (−1)·(−2)/6 = 1/3 > 0 → a stable 2-cycle is born
    expect(e.coefficients.c).toBeCloseTo(1 / 3, 10);
    expect(e.criticality).toBe('supercritical');
    expect(e.eigenvalues[0]!.re).toBeCloseTo(-1, 10);
  });
});

describe('saddle-node of h ↦ tanh(2h + b)', () => {
  const hc = -Math.SQRT1_2;
  const bc = Math.atanh(hc) - 2 * hc; // ≈ 0.53284
  it('fold at b_c (|error| ≤ 1e-6), a = ½ f″ = +√2, then the unstable middle branch', () => {
    const r = continueBranch(tiltedTanh(), { s0: -1, s1: 1, h0: Float64Array.of(-0.9) });
    expect(bc).toBeCloseTo(0.53284, 5);
    const folds = r.events.filter((e) => e.type === 'saddle-node');
    expect(folds.length).toBe(2);
    const e = folds[0]!;
    expect(Math.abs(e.s - bc)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(e.h[0]! - hc)).toBeLessThanOrEqual(1e-4);
    // f″(h_c) = 4·tanh″(u) = 4·(−2 tanh u sech² u) = 4·(−2·(−√½)·½) = 2√2, r = l = 1 → a = √2 > 0
    expect(e.coefficients.a).toBeCloseTo(Math.SQRT2, 8);
    // β = lᵀ f_b = sech²(u) = ½
    expect(e.coefficients.beta).toBeCloseTo(0.5, 8);
    // the branch turns: after the fold s decreases and the points are unstable (f' > 1)
    const iFold = r.branch.findIndex((p) => p.tangentS < 0);
    expect(iFold).toBeGreaterThan(0);
    expect(r.branch[iFold - 1]!.tangentS).toBeGreaterThan(0);
    expect(r.branch[iFold - 1]!.stability).toBe('stable');
    const after = r.branch.slice(iFold, iFold + 4);
    expect(after.length).toBeGreaterThan(0);
    for (const p of after) {
      expect(p.s).toBeLessThan(bc);
      expect(p.stability).toBe('unstable');
      expect(p.h[0]!).toBeGreaterThan(hc); // above the lower branch
    }
    // second fold, mirrored: b = −b_c with a = −√2
    expect(Math.abs(folds[1]!.s + bc)).toBeLessThanOrEqual(1e-6);
    expect(folds[1]!.coefficients.a).toBeCloseTo(-Math.SQRT2, 8);
    expect(r.stopReason).toBe('reached-end');
  });
});

describe('rotation W = ρR(ϑ)', () => {
  it('Neimark–Sacker of the map h ↦ tanh(ρR(ϑ)h) at ρ = 1, supercritical', () => {
    const theta = 1.1;
    const r = continueBranch(rotation(theta, 'discrete'), { s0: 0.6, s1: 1.4, h0: Float64Array.of(0, 0) });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('neimark-sacker');
    expect(Math.abs(e.s - 1)).toBeLessThanOrEqual(1e-6);
    expect(e.coefficients.theta).toBeCloseTo(theta, 10);
    // B = 0, C(q,q,q̄) = −2 (Wq)⊙(Wq)⊙(Wq̄) = −e^{iϑ} q for q = (1, −i)/√2, p = q:
    // d = ½ Re(e^{−iϑ}·(−e^{iϑ})) = −½ → stable invariant circle
    expect(e.coefficients.d).toBeCloseTo(-0.5, 10);
    expect(e.criticality).toBe('supercritical');
  });

  /*
   * Hopf of the leaky flow ḣ = −h + tanh(W h), W = ρR(ϑ), at h* = 0: A = −I + ρR(ϑ), eigenvalues
   * −1 + ρe^{±iϑ}; Hopf where ρ cos ϑ = 1, ω = ρ sin ϑ = tan ϑ. Kuznetsov: q = (1, −i)/√2
   * (R q = e^{iϑ} q, ⟨q, q⟩ = 1); Aᵀ = −I + ρR(−ϑ) has Aᵀq = −iω q, so p = q, ⟨p, q⟩ = 1.
   * B = 0 (tanh″(0) = 0); C(u,v,w) = tanh‴(0)(Wu)⊙(Wv)⊙(Ww) = −2(Wu)⊙(Wv)⊙(Ww), so
   * C(q,q,q̄) = −2ρ³e^{iϑ} (q⊙q⊙q̄) = −2ρ³e^{iϑ} q/2 = −ρ³e^{iϑ} q, and
   * c₁ = ½⟨p, C(q,q,q̄)⟩ = −½ρ³e^{iϑ}, ℓ₁ = Re c₁/ω = −½ρ³cos ϑ/(ρ sin ϑ) = −1/sin 2ϑ.
   * ϑ = π/3: ρ = 2, ω = √3, c₁ = −2 − 2√3 i, ℓ₁ = −2/√3 (docs/theory.md §7).
   * Cycle: ż = (μ + iω)z + c₁|z|²z has |z| = √(μ/|Re c₁|), and h = zq + z̄q̄ has |h| = √2|z|.
   */
  it.each([Math.PI / 3, 1.2])('Hopf of the leaky flow at ρ cos ϑ = 1 (ϑ = %f), ℓ₁ = −1/sin 2ϑ, cycle amplitude', (theta) => {
    const rhoC = 1 / Math.cos(theta);
    const sys = rotation(theta, 'continuous');
    const r = continueBranch(sys, { s0: 0.5 * rhoC, s1: 1.5 * rhoC, h0: Float64Array.of(0, 0) });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('hopf');
    expect(Math.abs(e.s - rhoC)).toBeLessThanOrEqual(1e-6 * rhoC);
    expect(e.coefficients.omega).toBeCloseTo(Math.tan(theta), 9);
    expect(e.coefficients.l1).toBeCloseTo(-1 / Math.sin(2 * theta), 9);
    expect(e.coefficients.c1Re).toBeCloseTo(-0.5 * rhoC ** 3 * Math.cos(theta), 9);
    expect(e.coefficients.c1Im).toBeCloseTo(-0.5 * rhoC ** 3 * Math.sin(theta), 9);
    expect(e.criticality).toBe('supercritical');
    if (theta !== Math.PI / 3) return;
    expect(e.coefficients.l1).toBeCloseTo(-2 / Math.sqrt(3), 12);

    // simulate the limit cycle past the Hopf: μ = Re λ = −1 + ρ cos ϑ
    const l1 = e.coefficients.l1!, omega = e.coefficients.omega!;
    const radii: number[] = [];
    for (const mu of [0.01, 0.0025]) {
      const rho = (1 + mu) / Math.cos(theta);
      const predicted = Math.SQRT2 * Math.sqrt(mu / (omega * Math.abs(l1)));
      let h = [predicted, 0];
      const g = (x: number[]) => {
        const val = sys.value(Float64Array.from(x), rho);
        return [val[0]!, val[1]!];
      };
      const dt = 0.05;
      const T = 40 / mu;
      let sum = 0, count = 0;
      for (let t = 0; t < T; t += dt) {
        const k1 = g(h);
        const k2 = g(h.map((v, i) => v + 0.5 * dt * k1[i]!));
        const k3 = g(h.map((v, i) => v + 0.5 * dt * k2[i]!));
        const k4 = g(h.map((v, i) => v + dt * k3[i]!));
        h = h.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
        if (t > T - 20) {
          sum += Math.hypot(h[0]!, h[1]!);
          count++;
        }
      }
      const amp = sum / count;
      expect(Math.abs(amp / predicted - 1)).toBeLessThanOrEqual(0.05);
      radii.push(amp);
    }
    // ∝ √μ: quartering μ halves the amplitude (5%)
    expect(Math.abs(radii[0]! / radii[1]! / 2 - 1)).toBeLessThanOrEqual(0.05);
  });
});

describe('pitchfork hidden in N = 20', () => {
  it('W = Q diag(w, …) Qᵀ: detected at w = 1, r ∥ Q e₁ (|cos| ≥ 1 − 1e-8), b₃ = −⅓ Σ (Qe₁)ᵢ⁴', () => {
    const N = 20;
    const Q = randomOrthogonal(N, 42);
    const rest = Array.from({ length: N - 1 }, (_, k) => 0.3 - (0.6 * k) / (N - 2)); // 0.3 … −0.3
    const sys = elementwiseSystem({
      N,
      time: 'discrete',
      phi: tanhActivation,
      W: (s) => conjugateDiag(Q, [s, ...rest], N),
      dW: () => conjugateDiag(Q, [1, ...rest.map(() => 0)], N),
    });
    const r = continueBranch(sys, { s0: 0.5, s1: 1.5, h0: new Float64Array(N) });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('pitchfork');
    expect(Math.abs(e.s - 1)).toBeLessThanOrEqual(1e-6);
    const q1 = Array.from({ length: N }, (_, i) => Q[i * N]!);
    let c = 0;
    for (let i = 0; i < N; i++) c += e.right.re[i]! * q1[i]!;
    expect(Math.abs(c)).toBeGreaterThanOrEqual(1 - 1e-8);
    // at h = 0, W r = r: C(r,r,r) = −2 r⊙r⊙r, w = 0 (B = 0), l = r → b₃ = −⅓ Σ rᵢ⁴
    const b3 = -q1.reduce((acc, v) => acc + v ** 4, 0) / 3;
    expect(e.coefficients.b3).toBeCloseTo(b3, 9);
    expect(e.criticality).toBe('supercritical');
  });
});
