/** Branch switching at pitchfork and transcritical points, against analytic branches. */
import { describe, it, expect } from 'vitest';
import { continueBranch, continueNewBranches, elementwiseSystem, residual, switchBranch } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';
import { conjugateDiag, polynomialSystem, randomOrthogonal, scalarTanh, tiltedTanh } from './helpers.js';

/** The positive root of h = tanh(w h) for w > 1, by bisection to 1e-15. */
function tanhRoot(w: number): number {
  let lo = 1e-12, hi = 1;
  for (let i = 0; i < 200; i++) {
    const m = 0.5 * (lo + hi);
    if (Math.tanh(w * m) - m > 0) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

describe('switchBranch', () => {
  it('pitchfork of h ↦ tanh(w h) at w = 1: the new branches are h = ±root(w) (abs 1e-9 past w = 1.01), stable, on w ∈ (1, 1.5]', () => {
    const sys = scalarTanh();
    const r = continueBranch(sys, { s0: 0.5, s1: 1.5, h0: Float64Array.of(0.1) });
    const ev = r.events.find((e) => e.type === 'pitchfork')!;
    expect(ev.tangent).toBeDefined();
    const sw = switchBranch(sys, ev);
    expect(sw.points).toHaveLength(2);
    // φ ≈ (±1, 0): the new direction is the state, not the parameter
    expect(Math.abs(sw.direction[0]!)).toBeGreaterThan(1 - 1e-6);
    expect(sw.points.map((p) => Math.sign(p.h[0]!)).sort()).toEqual([-1, 1]);
    for (const p of sw.points) {
      expect(Math.abs(p.h[0]!)).toBeCloseTo(1e-3, 6);
      // on the branch: s − 1 ≈ h²/3 (b₃ = −1/3), to leading order
      expect(Math.abs(p.s - 1 - p.h[0]! ** 2 / 3)).toBeLessThan(1e-8);
    }
    const nb = continueNewBranches(sys, ev, { sMin: 0.5, sMax: 1.5 });
    expect(nb.branches).toHaveLength(2);
    for (const b of nb.branches) {
      expect(b.result.stopReason).toBe('reached-end');
      expect(b.result.events).toHaveLength(0);
      const last = b.result.branch[b.result.branch.length - 1]!;
      expect(last.s).toBeCloseTo(1.5, 12);
      expect(Math.abs(Math.abs(last.h[0]!) - tanhRoot(1.5))).toBeLessThan(1e-9);
      expect(Math.sign(last.h[0]!)).toBe(b.side);
      for (const p of b.result.branch) {
        expect(p.s).toBeGreaterThan(1);
        expect(Math.abs(p.h[0]! - Math.tanh(p.s * p.h[0]!))).toBeLessThan(1e-11);
        expect(Math.abs(p.h[0]!)).toBeGreaterThan(5e-4);
        // away from the tip the root is well conditioned (near it, |dh/dw| ∝ (w − 1)^{-1/2})
        if (p.s > 1.01) {
          expect(Math.abs(Math.abs(p.h[0]!) - tanhRoot(p.s))).toBeLessThan(1e-9);
          expect(p.stability).toBe('stable');
        }
      }
    }
  });

  it('transcritical ẋ = s·x − x²: the new branch is x = s on both sides of s = 0 (abs 1e-9)', () => {
    const sys = polynomialSystem(1, 'continuous', [0], [{ i: 0, coef: -1, vars: [0, 0] }], [1]);
    const r = continueBranch(sys, { s0: -0.5, s1: 0.5, h0: Float64Array.of(0) });
    const ev = r.events.find((e) => e.type === 'transcritical')!;
    expect(Math.abs(ev.s)).toBeLessThan(1e-8);
    const nb = continueNewBranches(sys, ev, { sMin: -0.5, sMax: 0.5 });
    expect(nb.branches).toHaveLength(2);
    const ends = nb.branches.map((b) => b.result.branch[b.result.branch.length - 1]!.s).sort((a, b) => a - b);
    expect(ends[0]).toBeCloseTo(-0.5, 12);
    expect(ends[1]).toBeCloseTo(0.5, 12);
    for (const b of nb.branches) {
      for (const p of b.result.branch) expect(Math.abs(p.h[0]! - p.s)).toBeLessThan(1e-9);
      // x = s is stable for s > 0 (g_h = s − 2x = −s), unstable for s < 0
      const last = b.result.branch[b.result.branch.length - 1]!;
      expect(last.stability).toBe(last.s > 0 ? 'stable' : 'unstable');
    }
  });

  it('a pitchfork hidden in N = 20 (W = w·QΛQᵀ, λ₁ = 1): the new branch leaves along Qe₁ (|cos| ≥ 1 − 1e-5) and satisfies h = tanh(W h) (residual ≤ 1e-10)', () => {
    const N = 20;
    const Q = randomOrthogonal(N, 11);
    const lam = Array.from({ length: N }, (_, i) => (i === 0 ? 1 : 0.6 - 0.5 * (i / N)));
    const S = conjugateDiag(Q, lam, N);
    const sys = elementwiseSystem({ N, time: 'discrete', phi: tanhActivation, W: (s) => S.map((v) => s * v), dW: () => S.slice() });
    const r = continueBranch(sys, { s0: 0.8, s1: 1.3, h0: new Float64Array(N) });
    const ev = r.events.find((e) => e.type === 'pitchfork')!;
    expect(Math.abs(ev.s - 1)).toBeLessThan(1e-6);
    const sw = switchBranch(sys, ev, { epsilon: 1e-4 });
    const q1 = Float64Array.from({ length: N }, (_, i) => Q[i * N]!);
    for (const p of sw.points) {
      const d = p.h.map((v, i) => v - ev.h[i]!);
      const c = Math.abs(d.reduce((a, v, i) => a + v * q1[i]!, 0)) / Math.hypot(...d);
      expect(c).toBeGreaterThan(1 - 1e-5);
    }
    const nb = continueNewBranches(sys, ev, { sMin: 0.8, sMax: 1.3 });
    expect(nb.branches).toHaveLength(2);
    for (const b of nb.branches) {
      expect(b.result.stopReason).toBe('reached-end');
      for (const p of b.result.branch) {
        const F = residual(sys, p.h, p.s);
        expect(Math.hypot(...F)).toBeLessThan(1e-10);
        expect(p.s).toBeGreaterThan(1);
      }
      // the two branches are mirror images (odd symmetry of tanh)
    }
    const a = nb.branches[0]!.result.branch.at(-1)!.h, b = nb.branches[1]!.result.branch.at(-1)!.h;
    for (let i = 0; i < N; i++) expect(a[i]! + b[i]!).toBeCloseTo(0, 9);
  });

  it('refuses a saddle-node, an event without a tangent, and a bad epsilon (InputError)', () => {
    const sys = tiltedTanh();
    const r = continueBranch(sys, { s0: -1, s1: 1, h0: Float64Array.of(-0.9) });
    const fold = r.events.find((e) => e.type === 'saddle-node')!;
    expect(() => switchBranch(sys, fold)).toThrow(InputError);
    const t = scalarTanh();
    const pf = continueBranch(t, { s0: 0.5, s1: 1.5, h0: Float64Array.of(0.1) }).events[0]!;
    const { tangent: _drop, ...noTangent } = pf;
    expect(() => switchBranch(t, noTangent)).toThrow(/no branch tangent/);
    expect(() => switchBranch(t, pf, { epsilon: -1 })).toThrow(InputError);
    expect(() => continueNewBranches(t, pf, { sMin: 1, sMax: 1 })).toThrow(InputError);
  });
});
