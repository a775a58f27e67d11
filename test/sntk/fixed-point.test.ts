import { describe, expect, it } from 'vitest';
import { fixedPointSntk } from '../../src/sntk/fixed-point.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';
import { createModel, defineSpec, randomModel, rollout, paramBlock, flowField } from '../../src/models/index.js';
import { createRng, randomOrthogonal } from '../../src/linalg/random.js';
import { symmetricEigen, zeros, solve } from '../../src/linalg/index.js';
import { SingularMatrixError, InputError } from '../../src/errors.js';
import { relErr } from './helpers.js';

/** Vanilla tanh RNN with W = g·S, S = Q diag(s) Qᵀ, s_1 = 1 > s_2 = 0.5 ≥ …, b = 0, U random. */
function closedFormModel(g: number, N = 20, seed = 1) {
  const rng = createRng(seed);
  const Q = randomOrthogonal(N, rng);
  const s = new Float64Array(N);
  s[0] = 1;
  for (let i = 1; i < N; i++) s[i] = 0.5 - (1.3 * (i - 1)) / (N - 1); // 0.5 down to about −0.74
  const spec = defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: 1 });
  const model = createModel(spec);
  const W = paramBlock(model.layout, 'W');
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    let v = 0;
    for (let k = 0; k < N; k++) v += Q.data[i * N + k]! * s[k]! * Q.data[j * N + k]!;
    model.params[W.offset + i * N + j] = g * v;
  }
  const U = paramBlock(model.layout, 'U');
  for (let i = 0; i < N; i++) model.params[U.offset + i] = rng.normal();
  return { model, Q, s };
}

describe('fixed-point sNTK', () => {
  it('reproduces (I − gS)⁻² with eigenvalues (1 − g s_i)⁻² for g = 0.5 … 0.999 (rel ≤ 1e-10); PR < 1.01 at g = 0.999', () => {
    const N = 20;
    for (const g of [0.5, 0.9, 0.99, 0.999]) {
      const { model, Q, s } = closedFormModel(g, N);
      const fp = fixedPointSntk(model, new Float64Array(N), new Float64Array(1));
      const exact = zeros(N, N);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
        let v = 0;
        for (let k = 0; k < N; k++) v += Q.data[i * N + k]! * (1 - g * s[k]!) ** -2 * Q.data[j * N + k]!;
        exact.data[i * N + j] = v;
      }
      expect(relErr(fp.K.data, exact.data)).toBeLessThan(1e-10);
      const ev = Array.from(symmetricEigen(fp.K, { vectors: false }).values).sort((a, b) => b - a);
      const want = Array.from(s, (si) => (1 - g * si) ** -2).sort((a, b) => b - a);
      for (let i = 0; i < N; i++) expect(Math.abs(ev[i]! - want[i]!) / want[0]!).toBeLessThan(1e-10);
      expect(Math.abs(ev[0]! - 1 / (1 - g) ** 2) / ev[0]!).toBeLessThan(1e-10);
      const tr = want.reduce((a, b) => a + b, 0);
      const fro2 = want.reduce((a, b) => a + b * b, 0);
      const pr = (tr * tr) / fro2;
      expect(fp.sigma).toBeCloseTo(1 - g, 10);
      if (g === 0.999) expect(pr).toBeLessThan(1.01);
    }
  });

  it('is the long-constant-input limit of the trajectory sensitivity: dh_T/dθ → dh*/dθ', () => {
    const N = 6;
    const spec = defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: 2 });
    const model = randomModel(spec, 5, { gain: 0.6, biasScale: 0.5 });
    const xbar = Float64Array.from([0.3, -0.7]);
    // h* by iterating the contracting map
    let h = new Float64Array(N);
    const theta = model.params.subarray(0, model.layout.cellSize);
    for (let k = 0; k < 2000; k++) h = Float64Array.from(model.cell.forward(theta, h, xbar).out);
    const fp = fixedPointSntk(model, h, xbar);
    const errs: number[] = [];
    for (const T of [5, 20, 80]) {
      const X = new Float64Array(T * 2);
      for (let t = 0; t < T; t++) X.set(xbar, 2 * t);
      const traj = rollout(model, X, { B: 1, T });
      const J = denseJacobian(model, traj);
      const P = model.layout.cellSize;
      const last = J.data.subarray((T - 1) * N * P, T * N * P);
      errs.push(relErr(last, fp.sensitivity.data));
    }
    expect(errs[1]!).toBeLessThan(errs[0]!);
    expect(errs[2]!).toBeLessThan(1e-12);
  });

  it('refuses a point that is exactly at a bifurcation, and a point that is not fixed', () => {
    const { model } = closedFormModel(1, 5);
    expect(() => fixedPointSntk(model, new Float64Array(5), new Float64Array(1))).toThrow(SingularMatrixError);
    expect(() => fixedPointSntk(model, new Float64Array(5).fill(0.5), new Float64Array(1))).toThrow(InputError);
  });

  it('for a leaky cell equals the flow formula −(∂g/∂h)⁻¹ ∂g/∂θ computed from the vector field (rel ≤ 1e-12)', () => {
    const spec = defineSpec({ cell: 'leaky', hiddenSize: 4, inputSize: 1, alpha: 0.3 });
    const model = randomModel(spec, 9, { gain: 0.5, biasScale: 0.2 });
    const theta = model.params.subarray(0, model.layout.cellSize);
    let h = new Float64Array(4);
    const x = new Float64Array(1);
    for (let k = 0; k < 3000; k++) h = Float64Array.from(model.cell.forward(theta, h, x).out);
    const a = fixedPointSntk(model, h, x, { time: 'continuous' });
    const g = flowField(model);
    const c = g.forward(theta, h, x);
    const gh = g.jacobianH(theta, c);
    const gth = g.jacobianTheta(theta, c);
    const S = solve(gh, gth);
    for (let i = 0; i < S.data.length; i++) S.data[i] = -S.data[i]!;
    expect(relErr(a.sensitivity.data, S.data)).toBeLessThan(1e-12);
  });
});
