/**
 * The PyTorch cells (torch-rnn, torch-gru, torch-lstm; 1 and 2 layers; with and without biases):
 * one-step derivatives against central differences (step FD_STEP = 1e-6, relative error
 * ‖a−b‖/max(‖a‖,‖b‖) ≤ 1e-7), dense Jacobians against JVPs (≤ 1e-13 relative), adjointness
 * ⟨Ju, v⟩ = ⟨u, Jᵀv⟩ for ∂f/∂h and ∂f/∂θ (fast-check, ≤ 1e-12 relative to ‖Ju‖‖v‖ + ‖u‖‖Jᵀv‖)
 * and through whole trajectories.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CellKind, Model } from '../../src/models/index.js';
import { defineSpec, randomModel, rollout, trajectoryJvp, trajectoryVjp, stateSize, readout, mseLoss } from '../../src/models/index.js';
import { FD_STEP, createRng, dot, fdDir, fdGrad, norm, randn, relErr } from './helpers.js';

const TOL = 1e-7;
const ADJ = 1e-12;
const KINDS: CellKind[] = ['torch-rnn', 'torch-gru', 'torch-lstm'];
const CASES: [CellKind, number, boolean][] = KINDS.flatMap((k) => [1, 2].flatMap((L) => [true, false].map((b) => [k, L, b] as [CellKind, number, boolean])));

function torchModel(cell: CellKind, layers: number, bias: boolean, H: number, D: number, seed: number, O = 0): Model {
  const spec = defineSpec({ cell, hiddenSize: H, inputSize: D, outputSize: O, numLayers: layers, bias });
  return randomModel(spec, seed, { gain: 1.1, biasScale: 0.4 });
}

function adjointGap(Ju: Float64Array, v: Float64Array, u: Float64Array, JTv: Float64Array): number {
  return Math.abs(dot(Ju, v) - dot(u, JTv)) / (norm(Ju) * norm(v) + norm(u) * norm(JTv) + 1e-300);
}

describe.each(CASES)('%s, %i layer(s), bias %s', (cell, layers, bias) => {
  const H = 4, D = 3;
  const m = torchModel(cell, layers, bias, H, D, 7);
  const N = m.cell.N;
  const theta = m.params.subarray(0, m.layout.cellSize);
  const rng = createRng(`torch-${cell}-${layers}-${bias}`);
  const h = randn(rng, N, 0.8);
  const x = randn(rng, D);
  const c = m.cell.forward(theta, h, x);
  const F = (hh: Float64Array) => m.cell.forward(theta, hh, x).out.slice();
  const Ft = (t: Float64Array) => m.cell.forward(t, h, x).out.slice();

  it('state size and parameter count follow PyTorch', () => {
    expect(N).toBe(stateSize(m.spec));
    expect(N).toBe(layers * H * (cell === 'torch-lstm' ? 2 : 1));
    const G = cell === 'torch-rnn' ? 1 : cell === 'torch-gru' ? 3 : 4;
    let P = 0;
    for (let l = 0; l < layers; l++) P += G * H * (l === 0 ? D : H) + G * H * H + (bias ? 2 * G * H : 0);
    expect(m.cell.P).toBe(P);
  });

  it('jvpH, jvpTheta, jacobianH, jacobianTheta vs central differences', () => {
    const dh = randn(rng, N), dt = randn(rng, m.cell.P);
    const a = new Float64Array(N), b = new Float64Array(N);
    m.cell.jvpH(theta, c, dh, a);
    m.cell.jvpTheta(theta, c, dt, b);
    expect(relErr(a, fdDir(F, h, dh))).toBeLessThanOrEqual(TOL);
    expect(relErr(b, fdDir(Ft, theta, dt))).toBeLessThanOrEqual(TOL);
    const Jh = m.cell.jacobianH(theta, c), Jt = m.cell.jacobianTheta(theta, c);
    const a2 = new Float64Array(N), b2 = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) a2[i]! += Jh.data[i * N + j]! * dh[j]!;
    for (let i = 0; i < N; i++) for (let j = 0; j < m.cell.P; j++) b2[i]! += Jt.data[i * m.cell.P + j]! * dt[j]!;
    expect(relErr(a2, a)).toBeLessThanOrEqual(1e-13);
    expect(relErr(b2, b)).toBeLessThanOrEqual(1e-13);
  });

  it('f_hh, f_hhh, f_hθ vs central differences of the lower derivative', () => {
    const r = randn(rng, N), s = randn(rng, N), t = randn(rng, N), dt = randn(rng, m.cell.P);
    const hh = new Float64Array(N), hhh = new Float64Array(N), ht = new Float64Array(N);
    m.cell.hessianH(theta, c, r, s, hh);
    m.cell.thirdH(theta, c, r, s, t, hhh);
    m.cell.hessianHTheta(theta, c, r, dt, ht);
    const jvpAt = (hx: Float64Array) => {
      const o = new Float64Array(N);
      m.cell.jvpH(theta, m.cell.forward(theta, hx, x), r, o);
      return o;
    };
    const hessAt = (hx: Float64Array) => {
      const o = new Float64Array(N);
      m.cell.hessianH(theta, m.cell.forward(theta, hx, x), r, s, o);
      return o;
    };
    const jvpAtTheta = (tx: Float64Array) => {
      const o = new Float64Array(N);
      m.cell.jvpH(tx, m.cell.forward(tx, h, x), r, o);
      return o;
    };
    expect(relErr(hh, fdDir(jvpAt, h, s))).toBeLessThanOrEqual(TOL);
    expect(relErr(hhh, fdDir(hessAt, h, t))).toBeLessThanOrEqual(TOL);
    expect(relErr(ht, fdDir(jvpAtTheta, theta, dt))).toBeLessThanOrEqual(TOL);
    // symmetry of the exact second derivative
    const hs = new Float64Array(N);
    m.cell.hessianH(theta, c, s, r, hs);
    expect(relErr(hs, hh)).toBeLessThanOrEqual(1e-13);
  });

  it('adjointness of ∂f/∂h and ∂f/∂θ (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.2, max: 2, noNaN: true }), (seed, scale) => {
        const r2 = createRng(seed);
        const cc = m.cell.forward(theta, randn(r2, N, scale), randn(r2, D, scale));
        const u = randn(r2, N), v = randn(r2, N), ut = randn(r2, m.cell.P);
        const Ju = new Float64Array(N), JTv = new Float64Array(N), Jut = new Float64Array(N), JTvt = new Float64Array(m.cell.P);
        m.cell.jvpH(theta, cc, u, Ju);
        m.cell.vjpH(theta, cc, v, JTv);
        m.cell.jvpTheta(theta, cc, ut, Jut);
        m.cell.vjpTheta(theta, cc, v, JTvt);
        expect(adjointGap(Ju, v, u, JTv)).toBeLessThanOrEqual(ADJ);
        expect(adjointGap(Jut, v, ut, JTvt)).toBeLessThanOrEqual(ADJ);
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  it('trajectory adjointness and the MSE gradient of a readout model vs central differences', () => {
    const mo = torchModel(cell, layers, bias, H, D, 11, 2);
    const B = 2, T = 6;
    const X = randn(rng, B * T * D);
    const tr = rollout(mo, X, { B, T });
    const P = mo.layout.cellSize;
    const u = randn(rng, P), E = randn(rng, B * T * mo.cell.N);
    const Ju = trajectoryJvp(mo, tr, u), JTE = trajectoryVjp(mo, tr, E);
    expect(adjointGap(Ju, E, u, JTE)).toBeLessThanOrEqual(ADJ);
    const Y = randn(rng, B * T * 2);
    const { grad } = mseLoss(mo, tr, Y);
    const L = (p: Float64Array) => {
      const m2 = { ...mo, params: p };
      const t2 = rollout(m2, X, { B, T });
      const out = readout(m2, t2);
      let s = 0;
      for (let k = 0; k < out.length; k++) s += (out[k]! - Y[k]!) ** 2;
      return (0.5 * s) / out.length;
    };
    expect(relErr(grad, fdGrad(L, mo.params.slice(), FD_STEP))).toBeLessThanOrEqual(1e-6);
  });
});
