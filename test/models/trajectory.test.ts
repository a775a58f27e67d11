/**
 * Rollout, forward sensitivity and BPTT through T = 20 steps with B = 2 trials, for every
 * cell × activation, against central finite differences of whole rollouts (step FD_STEP = 1e-6,
 * relative error ≤ 1e-7), the block variants against the single-tangent sweeps (exact), and the
 * MSE loss gradient (cell + readout parameters) against finite differences (≤ 1e-7 relative).
 */
import { describe, expect, it } from 'vitest';
import {
  createModel,
  mseLoss,
  readout,
  rollout,
  trajectoryJvp,
  trajectoryJvpBlock,
  trajectoryVjp,
  trajectoryVjpBlock,
} from '../../src/models/index.js';
import type { Model, Trajectory } from '../../src/models/index.js';
import { matrix } from '../../src/linalg/matrix.js';
import { COMBOS, createRng, dot, fdDir, fdGrad, model, randn, relErr, trajKinkDistance } from './helpers.js';

const TOL = 1e-7;
const B = 2, T = 20, N = 4, D = 2, O = 2;

function setup(cell: Parameters<typeof model>[0], act: Parameters<typeof model>[1]) {
  for (let k = 0; k < 50; k++) {
    const m = model(cell, act, N, D, 1000 + k, O);
    const rng = createRng(`traj-${cell}-${act}-${k}`);
    const X = randn(rng, B * T * D);
    const h0 = randn(rng, B * N, 0.5);
    const tr = rollout(m, X, { B, T, h0 });
    if (trajKinkDistance(m, tr) > 1e-3) return { m, rng, X, h0, tr };
  }
  throw new Error('no kink-free trajectory');
}

function withCell(m: Model, theta: Float64Array): Model {
  const p = m.params.slice();
  p.set(theta, 0);
  return createModel(m.spec, p);
}

describe.each(COMBOS)('%s cell, %s activation', (cell, act) => {
  const { m, rng, X, h0, tr } = setup(cell, act);
  const P = m.layout.cellSize;
  const theta0 = m.params.slice(0, P);
  const Hof = (th: Float64Array): Float64Array => rollout(withCell(m, th), X, { B, T, h0 }).H;

  it('rollout: states are the chained steps and H has shape B·T·N', () => {
    expect(tr.H.length).toBe(B * T * N);
    const c = m.cell.forward(theta0, tr.H.subarray((T + 2) * N, (T + 3) * N), X.subarray((T + 3) * D, (T + 4) * D));
    expect(relErr(c.out, tr.H.subarray((T + 3) * N, (T + 4) * N))).toBe(0);
  });

  it('trajectoryJvp matches FD of the rollout', () => {
    const u = randn(rng, P);
    expect(relErr(trajectoryJvp(m, tr, u), fdDir(Hof, theta0, u))).toBeLessThanOrEqual(TOL);
    // a full-length tangent (readout part ignored) gives the same
    const full = new Float64Array(m.layout.size);
    full.set(u);
    full.fill(7, P);
    expect(relErr(trajectoryJvp(m, tr, full), trajectoryJvp(m, tr, u))).toBe(0);
  });

  it('trajectoryVjp matches the FD gradient of ⟨E, H(θ)⟩, and dh0 that of ⟨E, H(h0)⟩', () => {
    const E = randn(rng, B * T * N);
    const dh0 = new Float64Array(B * N);
    const g = trajectoryVjp(m, tr, E, { dh0 });
    expect(relErr(g, fdGrad((th) => dot(E, Hof(th)), theta0))).toBeLessThanOrEqual(TOL);
    const fdh0 = fdGrad((hh) => dot(E, rollout(m, X, { B, T, h0: hh }).H), h0.slice());
    expect(relErr(dh0, fdh0)).toBeLessThanOrEqual(TOL);
  });

  it('block JVP/VJP equal the column-wise sweeps (≤ 1e-13 relative; the block path reorders sums)', () => {
    const k = 3;
    const U = randn(rng, P * k);
    const Em = randn(rng, B * T * N * k);
    const JU = trajectoryJvpBlock(m, tr, matrix(P, k, U));
    const JTE = trajectoryVjpBlock(m, tr, matrix(B * T * N, k, Em));
    expect([JU.rows, JU.cols, JTE.rows, JTE.cols]).toEqual([B * T * N, k, P, k]);
    for (let j = 0; j < k; j++) {
      const u = new Float64Array(P);
      for (let p = 0; p < P; p++) u[p] = U[p * k + j]!;
      const e = new Float64Array(B * T * N);
      for (let r = 0; r < e.length; r++) e[r] = Em[r * k + j]!;
      const a = trajectoryJvp(m, tr, u);
      const b = trajectoryVjp(m, tr, e);
      const ja = Float64Array.from(a, (_, r) => JU.data[r * k + j]!);
      const jb = Float64Array.from(b, (_, p) => JTE.data[p * k + j]!);
      expect(relErr(ja, a)).toBeLessThanOrEqual(1e-13);
      expect(relErr(jb, b)).toBeLessThanOrEqual(1e-13);
    }
  });

  it('mseLoss: value is ½·mean squared error and the full gradient matches FD', () => {
    const Y = randn(rng, B * T * O);
    const { loss, grad, outputs } = mseLoss(m, tr, Y);
    expect(relErr(outputs, readout(m, tr))).toBe(0);
    let s = 0;
    for (let i = 0; i < Y.length; i++) s += (outputs[i]! - Y[i]!) ** 2;
    expect(Math.abs(loss - s / (2 * Y.length))).toBeLessThanOrEqual(1e-15 * s);
    const lossOf = (p: Float64Array): number => {
      const mm = createModel(m.spec, p.slice());
      return mseLoss(mm, rollout(mm, X, { B, T, h0 }) as Trajectory, Y).loss;
    };
    expect(grad.length).toBe(m.layout.size);
    expect(relErr(grad, fdGrad(lossOf, m.params.slice()))).toBeLessThanOrEqual(TOL);
  });
});
