import { describe, expect, it } from 'vitest';
import { channelDecomposition, classifyNearest, crossingSpeed, cycleAmplitude, hopfPrediction, pitchforkPrediction, saddleNodePrediction } from '../../src/channels/index.js';
import { directionPath, eigenPair, hopfCoefficients, modelSystem, pathSystem, realCriticalCoefficients, solveFixedPoint } from '../../src/dynamics/index.js';
import { paramBlock } from '../../src/models/index.js';
import { slope, symmetricTop1, vanilla } from './helpers.js';

const x0 = new Float64Array(0);
const logspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));

/** Fixed point of the model's map near `start` (dynamics Newton). */
function fixedPoint(m: ReturnType<typeof vanilla>, start: Float64Array): Float64Array {
  const r = solveFixedPoint(modelSystem(m), 0, start, { tol: 1e-14 });
  expect(r.converged).toBe(true);
  return r.h;
}

/** Restricted fixed-point kernel ‖(dh* / dθ) u‖² along the unit direction u. */
function restricted(m: ReturnType<typeof vanilla>, h: Float64Array, u: Float64Array): number {
  const S = channelDecomposition(m, h, x0).sensitivity;
  let k = 0;
  for (let i = 0; i < S.rows; i++) {
    let s = 0;
    for (let p = 0; p < S.cols; p++) s += S.data[i * S.cols + p]! * u[p]!;
    k += s * s;
  }
  return k;
}

describe('pitchfork: scalar map h = tanh(w h)', () => {
  const wDir = (m: ReturnType<typeof vanilla>): Float64Array => {
    const u = new Float64Array(m.layout.cellSize);
    u[paramBlock(m.layout, 'W').offset] = 1;
    return u;
  };
  it('(dh*/dw)² within 1% of 3/(4(w−1)) at w = 1.001 and within 6% at 1.01', () => {
    for (const [w, tol] of [[1.001, 0.01], [1.01, 0.06]] as const) {
      const m = vanilla(1, [w]);
      const h = fixedPoint(m, Float64Array.of(Math.sqrt(3 * (w - 1))));
      const k = restricted(m, h, wDir(m));
      expect(Math.abs(k / (3 / (4 * (w - 1))) - 1)).toBeLessThan(tol);
    }
  });
  it('fitted log–log slope −1 ± 0.05 on the branch; normal-form constant C = |ν|/(4|b₃|) = 3/4', () => {
    const mus = logspace(-4, -2, 7);
    const ks = mus.map((mu) => {
      const m = vanilla(1, [1 + mu]);
      return restricted(m, fixedPoint(m, Float64Array.of(Math.sqrt(3 * mu))), wDir(m));
    });
    const fit = slope(mus.map(Math.log), ks.map(Math.log));
    expect(Math.abs(fit.slope + 1)).toBeLessThan(0.05);
    // prediction from the dynamics layer's coefficients at the critical point w = 1
    const crit = vanilla(1, [1]);
    const sys = pathSystem(directionPath(crit, wDir(crit)));
    const J = sys.jacobian(Float64Array.of(0), 0);
    const co = realCriticalCoefficients(sys, Float64Array.of(0), 0, J, 1);
    const nu = crossingSpeed(sys, Float64Array.of(0), 0, J, { re: 1, im: 0 });
    expect(co.b3).toBeCloseTo(-1 / 3, 10);
    expect(nu).toBeCloseTo(1, 10);
    const pred = pitchforkPrediction({ b3: co.b3, nu });
    expect(pred.constants['C']).toBeCloseTo(0.75, 10);
    expect(Math.abs(pred.kappa(mus[3]!) / ks[3]! - 1)).toBeLessThan(0.01); // mus[3] = 1e-3
    expect(pred.side).toBe(1);
    expect(pred.kappa(-1e-3)).toBeNaN();
  });
  it('the pitchfork hidden in N = 20 (W = w·S): same exponent −1 ± 0.05 and the predicted constant', () => {
    const N = 20;
    const S = symmetricTop1(N, 0.5, 11);
    const nS = Math.hypot(...S);
    const u = new Float64Array(N * N + N);
    for (let k = 0; k < N * N; k++) u[k] = S[k]! / nS;
    const crit = vanilla(N, S);
    const sys = pathSystem(directionPath(crit, u));
    const J = sys.jacobian(new Float64Array(N), 0);
    const co = realCriticalCoefficients(sys, new Float64Array(N), 0, J, 1);
    const nu = crossingSpeed(sys, new Float64Array(N), 0, J, { re: 1, im: 0 });
    const pred = pitchforkPrediction({ b3: co.b3, nu });
    const r = co.pair.right.re;
    const mus = logspace(-4, -2.5, 5);
    const ks = mus.map((mu) => {
      const w = 1 + mu * (nS > 0 ? 1 / nS : 1); // θ = θ_c + μ u  ⇔  w = 1 + μ/‖S‖
      const m = vanilla(N, S.map((v) => w * v));
      const z = Math.sqrt(-nu * mu / co.b3);
      const h = fixedPoint(m, r.map((v) => z * v));
      expect(Math.hypot(...h)).toBeGreaterThan(0.5 * z);
      return restricted(m, h, u);
    });
    const fit = slope(mus.map(Math.log), ks.map(Math.log));
    expect(Math.abs(fit.slope + 1)).toBeLessThan(0.05);
    expect(Math.abs(pred.kappa(mus[0]!) / ks[0]! - 1)).toBeLessThan(0.02);
    const near = classifyNearest(vanilla(N, S.map((v) => (1 + 1e-3) * v)), fixedPoint(vanilla(N, S.map((v) => (1 + 1e-3) * v)), r.map((v) => Math.sqrt(-nu * 1e-3 * nS / co.b3) * v)), x0);
    expect(near.type).toBe('pitchfork'); // on the symmetric branch pair, not mistaken for a fold
  });
});

describe('saddle-node: h = tanh(w h + b), κ ∝ 1/|μ|, μ = w − w_c', () => {
  it('slope −1 ± 0.05 and the constant |β|/(4|a|)', () => {
    const hc = -0.3;
    const wc = 1 / (1 - hc * hc);
    const b = Math.atanh(hc) - wc * hc;
    const crit = vanilla(1, [wc], [b]);
    const u = new Float64Array(crit.layout.cellSize);
    u[paramBlock(crit.layout, 'W').offset] = 1;
    const sys = pathSystem(directionPath(crit, u));
    const J = sys.jacobian(Float64Array.of(hc), 0);
    expect(J.data[0]).toBeCloseTo(1, 12);
    const co = realCriticalCoefficients(sys, Float64Array.of(hc), 0, J, 1);
    const pred = saddleNodePrediction({ a: co.a, beta: co.beta });
    const side = pred.side;
    const mus = logspace(-5, -3, 5).map((m) => side * m);
    const ks = mus.map((mu) => {
      const m = vanilla(1, [wc + mu], [b]);
      const z = pred.equilibria(mu);
      // stable branch: σ = −2a z > 0
      const zs = z.find((v) => -2 * co.a * v > 0)!;
      const h = fixedPoint(m, Float64Array.of(hc + zs));
      return restricted(m, h, u);
    });
    const fit = slope(mus.map((m) => Math.log(Math.abs(m))), ks.map(Math.log));
    expect(Math.abs(fit.slope + 1)).toBeLessThan(0.05);
    expect(Math.abs(pred.kappa(mus[0]!) / ks[0]! - 1)).toBeLessThan(0.02);
    expect(classifyNearest(vanilla(1, [wc + mus[2]!], [b]), fixedPoint(vanilla(1, [wc + mus[2]!], [b]), Float64Array.of(hc + pred.equilibria(mus[2]!).find((v) => -2 * co.a * v > 0)!)), x0).type).toBe('saddle-node');
  });
});

describe('Hopf: leaky flow ḣ = −h + tanh(W h), W = sR(π/3)', () => {
  const c = Math.cos(Math.PI / 3), sn = Math.sin(Math.PI / 3);
  const model = (mu: number) => {
    const s = 2 * (1 + mu); // Re λ = −1 + s/2 = μ
    return vanilla(2, [s * c, -s * sn, s * sn, s * c], undefined, 0, 'leaky', 0.5);
  };
  it('c₁ = −2 − 2√3 i, ℓ₁ = −2/√3 (docs/theory.md §7 reference values)', () => {
    const sys = modelSystem(model(0), { time: 'continuous' });
    const J = sys.jacobian(new Float64Array(2), 0);
    const k = hopfCoefficients(sys, new Float64Array(2), 0, J, { re: 0, im: Math.sqrt(3) });
    expect(k.c1.re).toBeCloseTo(-2, 8);
    expect(k.c1.im).toBeCloseTo(-2 * Math.sqrt(3), 8);
    expect(k.l1).toBeCloseTo(-2 / Math.sqrt(3), 8);
  });
  it('simulated ρ ∝ √μ and (dρ/dμ)² within 10% of 1/(4|Re c₁|μ)', () => {
    const sys = modelSystem(model(0), { time: 'continuous' });
    const J = sys.jacobian(new Float64Array(2), 0);
    const k = hopfCoefficients(sys, new Float64Array(2), 0, J, { re: 0, im: Math.sqrt(3) });
    const pred = hopfPrediction({ c1Re: k.c1.re, c1Im: k.c1.im, omega: k.omega, nu: 1 });
    const rho = (mu: number): number => {
      const m = model(mu);
      const Jm = modelSystem(m, { time: 'continuous' }).jacobian(new Float64Array(2), 0);
      const pair = eigenPair(Jm, { re: mu, im: Math.sqrt(3) * (1 + mu) });
      const r0 = pred.equilibria(mu)[0]!;
      const h0 = Float64Array.from([0, 1], (i) => 2 * r0 * pair.right.re[i]!);
      return cycleAmplitude(m, pair.left, { h0, dt: 0.05, transient: 250, window: 40 }).rho;
    };
    const mus = [0.0025, 0.005, 0.01, 0.02];
    const rs = mus.map(rho);
    const fit = slope(mus.map(Math.log), rs.map(Math.log));
    expect(Math.abs(fit.slope - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(rs[2]! / pred.equilibria(0.01)[0]! - 1)).toBeLessThan(0.03);
    const d = (rho(0.012) - rho(0.008)) / 0.004;
    const predicted = 1 / (4 * Math.abs(k.c1.re) * 0.01);
    expect(pred.kappa(0.01)).toBeCloseTo(predicted, 10);
    expect(Math.abs((d * d) / predicted - 1)).toBeLessThan(0.1);
  });
});
