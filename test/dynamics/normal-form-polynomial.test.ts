/**
 * Normal-form coefficients with nonzero quadratic terms (B ≠ 0), on hand-written polynomial
 * systems whose coefficients are known in closed form or measured by simulation:
 * - real critical eigenvalue (flows and maps): `a = b₂` and the centre-manifold correction of
 *   `b₃` from a coupled stable direction (closed form);
 * - period doubling: `c = a₃ + a₂² + e·k/(1 − ρ)` (closed form);
 * - Hopf: `ℓ₁ = 2a/ω` with Guckenheimer–Holmes' planar `a` (quadratic and cubic terms), and, with a
 *   stable third direction coupled quadratically, the radial law `d(r⁻²)/dt = −2a` measured by RK4;
 * - Neimark–Sacker: the radial law `r⁻²_{n+1} − r⁻²_n = −d` measured by iterating the map;
 * - transcritical: classified by continuation, `a` = the quadratic coefficient, `β = 0`.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ParamSystem } from '../../src/dynamics/index.js';
import { continueBranch, hopfCoefficients, neimarkSackerCoefficient, periodDoublingCoefficient, realCriticalCoefficients } from '../../src/dynamics/index.js';
import type { Monomial } from './helpers.js';
import { polynomialSystem } from './helpers.js';

/**
 * Guckenheimer–Holmes' coefficient `a` of `ṙ = a r³` for `ẋ = −ωy + f`, `ẏ = ωx + g` at the origin,
 * from the partial derivatives of f, g.
 */
function guckenheimerHolmesA(d: Record<string, number>, omega: number): number {
  const g = (k: string) => d[k] ?? 0;
  return (
    (g('fxxx') + g('fxyy') + g('gxxy') + g('gyyy')) / 16 +
    (g('fxy') * (g('fxx') + g('fyy')) - g('gxy') * (g('gxx') + g('gyy')) - g('fxx') * g('gxx') + g('fyy') * g('gyy')) / (16 * omega)
  );
}

/** Planar quadratic + cubic terms from monomial coefficients, and their partial derivatives at 0. */
function planarTerms(c: { f: number[]; g: number[] }): { monomials: Monomial[]; partials: Record<string, number> } {
  // order: x², xy, y², x³, x²y, xy², y³
  const vars = [[0, 0], [0, 1], [1, 1], [0, 0, 0], [0, 0, 1], [0, 1, 1], [1, 1, 1]];
  const monomials: Monomial[] = [];
  c.f.forEach((coef, k) => monomials.push({ i: 0, coef, vars: vars[k]! }));
  c.g.forEach((coef, k) => monomials.push({ i: 1, coef, vars: vars[k]! }));
  const p = (a: number[], name: string): Record<string, number> => ({
    [`${name}xx`]: 2 * a[0]!,
    [`${name}xy`]: a[1]!,
    [`${name}yy`]: 2 * a[2]!,
    [`${name}xxx`]: 6 * a[3]!,
    [`${name}xxy`]: 2 * a[4]!,
    [`${name}xyy`]: 2 * a[5]!,
    [`${name}yyy`]: 6 * a[6]!,
  });
  return { monomials, partials: { ...p(c.f, 'f'), ...p(c.g, 'g') } };
}

/** RK4 for `ḣ = F(h)`, step dt, n steps. */
function rk4(sys: ParamSystem, h0: Float64Array, dt: number, n: number): Float64Array {
  let h = h0.slice();
  const add = (a: Float64Array, b: Float64Array, s: number) => a.map((v, i) => v + s * b[i]!);
  for (let k = 0; k < n; k++) {
    const k1 = sys.value(h, 0);
    const k2 = sys.value(add(h, k1, dt / 2), 0);
    const k3 = sys.value(add(h, k2, dt / 2), 0);
    const k4 = sys.value(add(h, k3, dt), 0);
    h = h.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  }
  return h;
}

const coef = fc.double({ min: -1, max: 1, noNaN: true });
const seven = fc.array(coef, { minLength: 7, maxLength: 7 });

describe('real critical eigenvalue with quadratic terms', () => {
  it('flow ẋ = a₂x² + a₃x³ + e·xy, ẏ = −ρy + kx²: a = a₂, b₃ = a₃ + e·k/ρ, β = 0 (rel 1e-12)', () => {
    fc.assert(
      fc.property(coef, coef, coef, coef, fc.double({ min: 0.2, max: 3, noNaN: true }), (a2, a3, e, k, rho) => {
        const sys = polynomialSystem(2, 'continuous', [0, 0, 0, -rho], [
          { i: 0, coef: a2, vars: [0, 0] },
          { i: 0, coef: a3, vars: [0, 0, 0] },
          { i: 0, coef: e, vars: [0, 1] },
          { i: 1, coef: k, vars: [0, 0] },
        ]);
        const h = new Float64Array(2);
        const co = realCriticalCoefficients(sys, h, 0, sys.jacobian(h, 0), 0);
        expect(co.a).toBeCloseTo(a2, 12);
        expect(Math.abs(co.b3 - (a3 + (e * k) / rho))).toBeLessThan(1e-12 * (1 + Math.abs(a3) + Math.abs(e * k) / rho));
        expect(co.beta).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('map x ↦ x + a₂x² + a₃x³ + e·xy, y ↦ ρy + kx²: b₃ = a₃ + e·k/(1 − ρ) (rel 1e-12)', () => {
    fc.assert(
      fc.property(coef, coef, coef, coef, fc.double({ min: -0.9, max: 0.9, noNaN: true }), (a2, a3, e, k, rho) => {
        const sys = polynomialSystem(2, 'discrete', [1, 0, 0, rho], [
          { i: 0, coef: a2, vars: [0, 0] },
          { i: 0, coef: a3, vars: [0, 0, 0] },
          { i: 0, coef: e, vars: [0, 1] },
          { i: 1, coef: k, vars: [0, 0] },
        ]);
        const h = new Float64Array(2);
        const co = realCriticalCoefficients(sys, h, 0, sys.jacobian(h, 0), 1);
        expect(co.a).toBeCloseTo(a2, 12);
        expect(Math.abs(co.b3 - (a3 + (e * k) / (1 - rho)))).toBeLessThan(1e-12 * (1 + Math.abs(a3) + Math.abs(e * k) / (1 - rho)));
      }),
      { numRuns: 60 },
    );
  });

  it('transcritical ẋ = s·x − x² (+ a stable, coupled y): continuation classifies it, a = −1, β = 0', () => {
    const sys = polynomialSystem(2, 'continuous', [0, 0, 0, -1], [
      { i: 0, coef: -1, vars: [0, 0] },
      { i: 0, coef: 0.3, vars: [0, 1] },
      { i: 1, coef: 0.5, vars: [0, 0] },
    ], [1, 0, 0, 0]);
    const r = continueBranch(sys, { s0: -0.5, s1: 0.5, h0: new Float64Array(2) });
    const ev = r.events.find((e) => e.type !== 'hopf');
    expect(ev?.type).toBe('transcritical');
    expect(Math.abs(ev!.s)).toBeLessThan(1e-6);
    expect(ev!.coefficients['a']).toBeCloseTo(-1, 6);
    expect(Math.abs(ev!.coefficients['beta']!)).toBeLessThan(1e-8);
  });
});

describe('period doubling with quadratic terms', () => {
  it('x ↦ −x + a₂x² + a₃x³ + e·xy, y ↦ ρy + kx²: c = a₃ + a₂² + e·k/(1 − ρ) (rel 1e-12)', () => {
    fc.assert(
      fc.property(coef, coef, coef, coef, fc.double({ min: -0.9, max: 0.9, noNaN: true }), (a2, a3, e, k, rho) => {
        const sys = polynomialSystem(2, 'discrete', [-1, 0, 0, rho], [
          { i: 0, coef: a2, vars: [0, 0] },
          { i: 0, coef: a3, vars: [0, 0, 0] },
          { i: 0, coef: e, vars: [0, 1] },
          { i: 1, coef: k, vars: [0, 0] },
        ]);
        const h = new Float64Array(2);
        const { c } = periodDoublingCoefficient(sys, h, 0, sys.jacobian(h, 0), -1);
        const want = a3 + a2 * a2 + (e * k) / (1 - rho);
        expect(Math.abs(c - want)).toBeLessThan(1e-12 * (1 + Math.abs(a3) + a2 * a2 + Math.abs(e * k) / (1 - rho)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('Hopf with quadratic terms', () => {
  it('ẋ = −y + x², ẏ = x + x²: ℓ₁ = 2a/ω = −0.5 (a = −¼)', () => {
    const sys = polynomialSystem(2, 'continuous', [0, -1, 1, 0], [
      { i: 0, coef: 1, vars: [0, 0] },
      { i: 1, coef: 1, vars: [0, 0] },
    ]);
    const h = new Float64Array(2);
    const k = hopfCoefficients(sys, h, 0, sys.jacobian(h, 0), { re: 0, im: 1 });
    expect(k.omega).toBeCloseTo(1, 12);
    expect(k.l1).toBeCloseTo(-0.5, 12);
  });

  it('random planar quadratic + cubic terms: ℓ₁ = 2a_GH/ω (Guckenheimer–Holmes), rel 1e-10', () => {
    fc.assert(
      fc.property(seven, seven, fc.double({ min: 0.3, max: 3, noNaN: true }), (f, g, omega) => {
        const { monomials, partials } = planarTerms({ f, g });
        const sys = polynomialSystem(2, 'continuous', [0, -omega, omega, 0], monomials);
        const h = new Float64Array(2);
        const k = hopfCoefficients(sys, h, 0, sys.jacobian(h, 0), { re: 0, im: omega });
        const want = (2 * guckenheimerHolmesA(partials, omega)) / omega;
        expect(Math.abs(k.l1 - want)).toBeLessThan(1e-10 * (1 + Math.abs(want)));
      }),
      { numRuns: 80 },
    );
  });

  it('a stable third direction coupled quadratically: RK4 measures d(r⁻²)/dt = −ω·ℓ₁ (rel 5e-3)', () => {
    // ẋ = −ωy + x² − 0.5xy + 0.4xz, ẏ = ωx + 0.7y² + 0.3x³ − y·z, ż = −ρz + 0.8x² − 0.6xy
    const omega = 1.3, rho = 0.9;
    const sys = polynomialSystem(3, 'continuous', [0, -omega, 0, omega, 0, 0, 0, 0, -rho], [
      { i: 0, coef: 1, vars: [0, 0] },
      { i: 0, coef: -0.5, vars: [0, 1] },
      { i: 0, coef: 0.4, vars: [0, 2] },
      { i: 1, coef: 0.7, vars: [1, 1] },
      { i: 1, coef: 0.3, vars: [0, 0, 0] },
      { i: 1, coef: -1, vars: [1, 2] },
      { i: 2, coef: 0.8, vars: [0, 0] },
      { i: 2, coef: -0.6, vars: [0, 1] },
    ]);
    const h = new Float64Array(3);
    const k = hopfCoefficients(sys, h, 0, sys.jacobian(h, 0), { re: 0, im: omega });
    const a = (k.l1 * omega) / 2; // ṙ = a r³ in the (x, y) plane, ρ_z = r/√2
    expect(Math.abs(a)).toBeGreaterThan(0.05);
    // start on (near) the centre manifold: let the z transient decay at a small radius first
    const r0 = 0.02;
    const period = (2 * Math.PI) / omega;
    const dt = period / 200;
    let x = rk4(sys, Float64Array.of(r0, 0, 0), dt, 200 * 20);
    // r⁻² averaged over one period (the quadratic terms make it oscillate at O(r) relative)
    const meanInv = (v: Float64Array): [number, Float64Array] => {
      let acc = 0;
      let y = v;
      for (let n = 0; n < 200; n++) {
        acc += 1 / (y[0]! ** 2 + y[1]! ** 2);
        y = rk4(sys, y, dt, 1);
      }
      return [acc / 200, y];
    };
    const [startInv] = meanInv(x);
    const periods = 60;
    x = rk4(sys, x, dt, 200 * periods);
    const [endInv] = meanInv(x);
    const slope = (endInv - startInv) / (periods * period);
    expect(Math.abs(slope - -2 * a) / Math.abs(2 * a)).toBeLessThan(5e-3); // seen 3.4e-4 (0.25749 vs 0.25740)
  });
});

describe('Neimark–Sacker with quadratic terms', () => {
  it('iterating h ↦ R(θ)h + quadratic + cubic terms measures r⁻²_{n+1} − r⁻²_n = −d (rel 5e-3)', () => {
    const theta = 1.1; // away from the strong resonances 2π/3, π/2
    const c = Math.cos(theta), s = Math.sin(theta);
    const sys = polynomialSystem(2, 'discrete', [c, -s, s, c], [
      { i: 0, coef: 0.6, vars: [0, 0] },
      { i: 0, coef: -0.4, vars: [1, 1] },
      { i: 0, coef: -0.5, vars: [0, 0, 0] },
      { i: 1, coef: 0.3, vars: [0, 1] },
      { i: 1, coef: -0.7, vars: [0, 1, 1] },
      { i: 1, coef: -0.2, vars: [1, 1, 1] },
    ]);
    const h0 = new Float64Array(2);
    const k = neimarkSackerCoefficient(sys, h0, 0, sys.jacobian(h0, 0), { re: c, im: s });
    expect(k.theta).toBeCloseTo(theta, 12);
    expect(Math.abs(k.d)).toBeGreaterThan(0.05);
    let h: Float64Array = Float64Array.of(0.02, 0);
    const rad2 = (v: Float64Array) => v[0]! ** 2 + v[1]! ** 2;
    for (let n = 0; n < 200; n++) h = sys.value(h, 0);
    // r⁻² averaged over a window of iterates (quasi-periodic O(r) oscillation from the quadratic terms)
    const window = 400;
    const meanInv = (): number => {
      let acc = 0;
      let y: Float64Array = h;
      for (let n = 0; n < window; n++) {
        acc += 1 / rad2(y);
        y = sys.value(y, 0);
      }
      return acc / window;
    };
    const startInv = meanInv();
    const steps = 4000;
    for (let n = 0; n < steps; n++) h = sys.value(h, 0);
    const perStep = (meanInv() - startInv) / steps;
    expect(Math.abs(perStep - -k.d) / Math.abs(k.d)).toBeLessThan(5e-3); // seen 1.2e-5 (0.365108 vs 0.365113)
  });
});
