/**
 * Pitchforks of a swap-symmetric network off the odd-symmetric branch: h = tanh(W h + b) on R⁴ with
 * W = [[A + sI, B − sI], [B − sI, A + sI]] and b = (b₁, b₂, b₁, b₂), equivariant under the swap
 * S(u, v) = (v, u) but not odd (b ≠ 0). The symmetric branch h = (u, u), u = tanh((A + B)u + b₁₂),
 * does not depend on s; an antisymmetric mode (r, −r) crosses 1. Continuation and the channel's
 * classifier (one classifier, dynamics/classify.ts) both call it a pitchfork, super- or subcritical,
 * also from a point slightly off the symmetric branch; the criticality is checked independently
 * by iterating the map.
 */
import { describe, expect, it } from 'vitest';
import { classifyRealCritical, continueBranch, elementwiseSystem, solveFixedPoint } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import { classifyNearest } from '../../src/channels/index.js';
import { vanilla } from '../channels/helpers.js';

const A0 = [0.2, -0.15, 0.1, -0.1], B0 = [-0.1, 0.25, -0.05, 0.15];
function weights(s: number): Float64Array {
  const w = new Float64Array(16);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const a = A0[2 * i + j]! + (i === j ? s : 0), b = B0[2 * i + j]! - (i === j ? s : 0);
      w[i * 4 + j] = a;
      w[(i + 2) * 4 + j + 2] = a;
      w[i * 4 + j + 2] = b;
      w[(i + 2) * 4 + j] = b;
    }
  }
  return w;
}
function swapNet(b0: number) {
  const dW = new Float64Array(16);
  dW[0] = dW[5] = dW[10] = dW[15] = 1;
  dW[2] = dW[7] = dW[8] = dW[13] = -1;
  const bias = Float64Array.of(b0, b0 + 0.1, b0, b0 + 0.1);
  return { sys: elementwiseSystem({ N: 4, time: 'discrete', phi: tanhActivation, W: weights, dW: () => dW, b: () => bias, db: () => new Float64Array(4) }), bias };
}
const asym = (h: ArrayLike<number>) => Math.hypot(h[0]! - h[2]!, h[1]! - h[3]!);

describe.each([
  { b0: 0.2, criticality: 'supercritical' as const },
  { b0: 0.6, criticality: 'subcritical' as const },
])('swap-symmetric pitchfork, b₁ = $b0', ({ b0, criticality }) => {
  const { sys, bias } = swapNet(b0);
  const start = solveFixedPoint(sys, 0, new Float64Array(4));
  const cont = continueBranch(sys, { s0: 0, s1: 3, h0: start.h });
  const ev = cont.events[0]!;

  it(`continuation: a ${criticality} pitchfork at h* = (u, u) ≠ 0, mode (r, −r), β = 0`, () => {
    expect(start.converged).toBe(true);
    expect(Math.abs(start.h[0]!)).toBeGreaterThan(0.2); // off the odd-symmetric branch h = 0
    expect(ev.type).toBe('pitchfork');
    expect(ev.criticality).toBe(criticality);
    expect(asym(ev.h)).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(ev.right.re[0]! + ev.right.re[2]!)).toBeLessThanOrEqual(1e-8);
    expect(Math.abs(ev.coefficients.beta!)).toBeLessThanOrEqual(1e-10);
  });

  it('the one classifier: pitchfork also 1e-7 off the symmetric branch (|a| ≫ roundoff), as continuation and as channel', () => {
    const h = ev.h.slice();
    h[0]! += 1e-7;
    h[2]! -= 1e-7; // an antisymmetric error of the located point
    const J = sys.jacobian(h, ev.s);
    const c = classifyRealCritical({ sys, h, s: ev.s, J, lambda: ev.eigenvalues[0]!.re, foldLike: false, accuracy: 1e-7 });
    expect(Math.abs(c.coefficients.a)).toBeGreaterThan(1e-9); // a is no longer zero to roundoff
    expect(c.type).toBe('pitchfork');
    expect(c.symmetry?.kind).toBe('signed-permutation');
    expect(c.symmetry?.permutation).toEqual([2, 3, 0, 1]);
    expect(c.criticality).toBe(criticality);
    // the channel's classifier on the vanilla model at s = s* − 0.01 (stable symmetric point)
    const s = ev.s - 0.01;
    const fp = solveFixedPoint(sys, s, ev.h);
    const near = classifyNearest(vanilla(4, weights(s), bias), fp.h.map((v, i) => v + (i === 0 ? 1e-9 : i === 2 ? -1e-9 : 0)), new Float64Array(0));
    expect(near.type).toBe('pitchfork');
    expect(near.criticality).toBe(criticality);
  });

  it('criticality checked by iterating the map at s* ± 1e-3 from a small antisymmetric kick', () => {
    // supercritical: at s* + ε the orbit settles on an asymmetric fixed point with asymmetry
    // O(√ε) (within 3× of the normal-form amplitude); subcritical: it does not stay small
    // (asymmetry ≥ 8× that amplitude) at s* + ε, and at s* − ε a kick below the unstable
    // branch decays.
    const eps = 1e-3;
    const nu = (() => {
      const d = 1e-6;
      const lam = (s: number) => maxReal(sys, s, ev.h);
      return (lam(ev.s + d) - lam(ev.s - d)) / (2 * d);
    })();
    const amp = Math.sqrt((nu * eps) / Math.abs(ev.coefficients.b3!)); // |z*| of z ↦ z + νεz + b₃z³
    const run = (s: number, kick: number) => {
      let h: Float64Array = Float64Array.from(ev.h);
      h[0]! += kick * ev.right.re[0]!;
      h[1]! += kick * ev.right.re[1]!;
      h[2]! += kick * ev.right.re[2]!;
      h[3]! += kick * ev.right.re[3]!;
      for (let k = 0; k < 40000; k++) h = sys.value(h, s);
      return asym(h) / Math.hypot(ev.right.re[0]! - ev.right.re[2]!, ev.right.re[1]! - ev.right.re[3]!);
    };
    const after = run(ev.s + eps, 0.1 * amp);
    if (criticality === 'supercritical') {
      expect(after).toBeGreaterThan(amp / 3);
      expect(after).toBeLessThan(3 * amp);
    } else {
      expect(after).toBeGreaterThan(8 * amp);
      expect(run(ev.s - eps, 0.3 * amp)).toBeLessThan(1e-6);
    }
  });
});

function maxReal(sys: ReturnType<typeof swapNet>['sys'], s: number, h0: Float64Array): number {
  const fp = solveFixedPoint(sys, s, h0);
  const J = sys.jacobian(fp.h, s);
  // the antisymmetric block D(A − B + 2sI) restricted to (r, −r): eigenvalues of the 2×2 block
  const a = J.data[0]! - J.data[2]!, b = J.data[1]! - J.data[3]!, c = J.data[4]! - J.data[6]!, d = J.data[5]! - J.data[7]!;
  const tr = a + d, det = a * d - b * c;
  const disc = tr * tr - 4 * det;
  return disc >= 0 ? 0.5 * (tr + Math.sqrt(disc)) : 0.5 * tr;
}
