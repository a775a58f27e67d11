/**
 * Event detection by tracked test functions: two events inside one nominal continuation step
 * (a Neimark–Sacker next to a fold, with an eigenvalue collision that makes the counts of
 * eigenvalues outside the unit circle cancel), bisection of such steps, and steps that shrink near
 * events.
 */
import { describe, expect, it } from 'vitest';
import { continueBranch, spectrumOf, trackCrossings } from '../../src/dynamics/index.js';
import type { ParamSystem } from '../../src/dynamics/index.js';
import { zeros } from '../../src/linalg/index.js';

/*
 * Map on (x, y₁, y₂, z₁, z₂), parameter s:
 *   x ↦ x + 0.1(s − x²)                          fold at s = 0 (x = 0, eigenvalue 1 − 0.2x = 1)
 *   y ↦ ρ(x) R(ϑ) y − ½|y|² R(ϑ) y,  ρ = 1 − ½(x − xN)   NS where x = xN (s = xN²), d = −1
 *   z ↦ M(x) z,  M = [[m, 1], [−κ(x), m]], κ = x − xC     complex pair (x > xC) outside the unit
 *                                                          circle collides into two real ones
 * Along the branch x = √s → −√s (x decreasing), the y-pair leaves the unit circle (+1 complex
 * eigenvalue outside) while the z-pair turns real outside it (−1): the counts cancel.
 */
const xN = 0.02, xC = 0.01, m = 1.5, th = 0.9;
const c = Math.cos(th), sn = Math.sin(th);
const rot = (u0: number, u1: number): [number, number] => [c * u0 - sn * u1, sn * u0 + c * u1];
function nsFoldSystem(): ParamSystem {
  const rho = (x: number) => 1 - 0.5 * (x - xN);
  const drho = -0.5;
  return {
    N: 5,
    time: 'discrete',
    value(h, s) {
      const [x, y0, y1, z0, z1] = h as unknown as number[];
      const q = y0! * y0! + y1! * y1!;
      const [r0, r1] = rot(y0!, y1!);
      const k = rho(x!) - 0.5 * q;
      return Float64Array.of(x! + 0.1 * (s - x! * x!), k * r0, k * r1, m * z0! + z1!, -(x! - xC) * z0! + m * z1!);
    },
    jacobian(h) {
      const [x, y0, y1, z0] = h as unknown as number[];
      const J = zeros(5, 5);
      const q = y0! * y0! + y1! * y1!;
      const [r0, r1] = rot(y0!, y1!);
      const k = rho(x!) - 0.5 * q;
      J.data[0] = 1 - 0.2 * x!;
      // y rows: ∂/∂x = ρ' R y; ∂/∂y = k R − R y yᵀ
      J.data[5] = drho * r0;
      J.data[10] = drho * r1;
      J.data[6] = k * c - r0 * y0!;
      J.data[7] = -k * sn - r0 * y1!;
      J.data[11] = k * sn - r1 * y0!;
      J.data[12] = k * c - r1 * y1!;
      J.data[18] = m;
      J.data[19] = 1;
      J.data[20] = -z0!;
      J.data[23] = -(x! - xC);
      J.data[24] = m;
      return J;
    },
    ds() {
      return Float64Array.of(0.1, 0, 0, 0, 0);
    },
    hessian(h, _s, u, v) {
      const [, y0, y1] = h as unknown as number[];
      const uy = [u[1]!, u[2]!], vy = [v[1]!, v[2]!], y = [y0!, y1!];
      const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]!;
      // g(y) = −½|y|² R y: g''[u,v] = −[(u·v) R y + (y·u) R v + (y·v) R u]; plus ρ'(u_x R v_y + v_x R u_y)
      const Ry = rot(y[0]!, y[1]!), Ru = rot(uy[0]!, uy[1]!), Rv = rot(vy[0]!, vy[1]!);
      const out = new Float64Array(5);
      out[0] = -0.2 * u[0]! * v[0]!;
      for (let i = 0; i < 2; i++) out[1 + i] = -(dot(uy, vy) * Ry[i]! + dot(y, uy) * Rv[i]! + dot(y, vy) * Ru[i]!) - 0.5 * (u[0]! * Rv[i]! + v[0]! * Ru[i]!);
      out[4] = -(u[0]! * v[3]! + v[0]! * u[3]!);
      return out;
    },
    third(_h, _s, u, v, w) {
      const uy = [u[1]!, u[2]!], vy = [v[1]!, v[2]!], wy = [w[1]!, w[2]!];
      const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]!;
      const Ru = rot(uy[0]!, uy[1]!), Rv = rot(vy[0]!, vy[1]!), Rw = rot(wy[0]!, wy[1]!);
      const out = new Float64Array(5);
      for (let i = 0; i < 2; i++) out[1 + i] = -(dot(uy, vy) * Rw[i]! + dot(uy, wy) * Rv[i]! + dot(vy, wy) * Ru[i]!);
      return out;
    },
    hessianS() {
      return new Float64Array(5);
    },
  };
}

describe('a Neimark–Sacker next to a fold, with a collision, inside one step', () => {
  it('the test system: analytic Jacobian = central differences of the map (rel 1e-7)', () => {
    const sys = nsFoldSystem();
    const h = Float64Array.of(0.3, 0.2, -0.1, 0.4, 0.7), s = 0.2;
    const J = sys.jacobian(h, s);
    for (let j = 0; j < 5; j++) {
      const e = 1e-6;
      const hp = h.slice(), hm = h.slice();
      hp[j]! += e;
      hm[j]! -= e;
      const fp = sys.value(hp, s), fm = sys.value(hm, s);
      for (let i = 0; i < 5; i++) expect(Math.abs((fp[i]! - fm[i]!) / (2 * e) - J.data[i * 5 + j]!)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(J.data[i * 5 + j]!)));
    }
  });

  it('the counts of eigenvalues outside the unit circle cancel across the three events; tracking sees the NS', () => {
    const sys = nsFoldSystem();
    const eigAt = (x: number) => {
      const J = sys.jacobian(Float64Array.of(x, 0, 0, 0, 0), x * x);
      return J;
    };
    // before (x = 0.05) and after (x = −0.05) on the branch: one complex pair outside at both
    const a = spectrumOf(eigAt(0.05), 'discrete').eigenvalues, b = spectrumOf(eigAt(-0.05), 'discrete').eigenvalues;
    const out = (e: typeof a) => e.filter((l) => l.im > 1e-10 && Math.hypot(l.re, l.im) > 1).length;
    expect(out(a)).toBe(1);
    expect(out(b)).toBe(1);
    const tr = trackCrossings(a, b, 'discrete');
    expect(tr.ambiguous).toBe(true); // the z-pair collides on the real axis
    expect(tr.crossings.map((x) => x.kind).sort()).toEqual(['complex', 'real']);
  });

  const check = (r: ReturnType<typeof continueBranch>) => {
    // on x ∈ [−√0.03, √0.03] nothing else happens (the real z-eigenvalues stay above 1.5 − √(xC + 0.18) > 1)
    const folds = r.events.filter((e) => e.type === 'saddle-node');
    const ns = r.events.filter((e) => e.type === 'neimark-sacker');
    expect(r.events).toHaveLength(2);
    expect(folds).toHaveLength(1);
    expect(ns).toHaveLength(1);
    expect(Math.abs(folds[0]!.s)).toBeLessThanOrEqual(1e-8);
    expect(Math.abs(folds[0]!.h[0]!)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(ns[0]!.s - xN * xN)).toBeLessThanOrEqual(1e-8);
    expect(Math.abs(ns[0]!.h[0]! - xN)).toBeLessThanOrEqual(1e-6);
    // |λ| = 1 at the NS, d = −1 (C(q,q,q̄) = −2e^{iϑ}q, B = 0 at y = 0): supercritical
    const l = ns[0]!.eigenvalues[0]!;
    expect(Math.abs(Math.hypot(l.re, l.im) - 1)).toBeLessThanOrEqual(1e-8);
    expect(ns[0]!.coefficients.d).toBeCloseTo(-1, 6);
    expect(ns[0]!.criticality).toBe('supercritical');
  };

  it('fixed step 0.06 (no shrinking): one step holds the NS, the collision and the fold; bisection finds both events', () => {
    const sys = nsFoldSystem();
    const r = continueBranch(sys, { s0: 0.03, s1: -0.5, h0: Float64Array.of(Math.sqrt(0.03), 0, 0, 0, 0), ds: 0.06, dsMin: 0.06, dsMax: 0.06 });
    // the step that crossed the fold also crossed x = xN: it starts above xN and ends below 0
    const i = r.branch.findIndex((p, k) => k > 0 && r.branch[k - 1]!.h[0]! > xN && p.h[0]! < 0);
    expect(i).toBeGreaterThan(0);
    check(r);
  });

  it('default steps: both found, and the steps shrink near the events (≤ ¼ of the largest step)', () => {
    const sys = nsFoldSystem();
    const r = continueBranch(sys, { s0: 0.03, s1: -0.5, h0: Float64Array.of(Math.sqrt(0.03), 0, 0, 0, 0), ds: 0.01, dsMax: 0.06 });
    check(r);
    const steps = r.branch.slice(1).map((p, k) => ({ x: p.h[0]!, d: p.arclength - r.branch[k]!.arclength }));
    const largest = Math.max(...steps.map((q) => q.d));
    const near = steps.filter((q) => Math.abs(q.x - xN) < 0.01 || Math.abs(q.x) < 0.01);
    expect(near.length).toBeGreaterThan(0);
    for (const q of near) expect(q.d).toBeLessThanOrEqual(0.25 * largest);
  });
});
