/**
 * Fixed points and continuation on the PyTorch GRU and LSTM cells: folds located by
 * `continueBranch` along a bias, checked against a closed form (GRU, |Δs| ≤ 1e-8) and against an
 * independent Newton solve of the fold conditions written from PyTorch's LSTM equations here, with
 * central-difference Jacobians (step 1e-6; |Δs|, |Δh| ≤ 1e-6). Fixed points of the bistable LSTM
 * are checked by their residual and stability.
 */
import { describe, expect, it } from 'vitest';
import { continueBranch, directionPath, findFixedPoints, pathSystem } from '../../src/dynamics/index.js';
import { createModel, defineSpec, paramBlock, sigmoid, type Model } from '../../src/models/index.js';

function setBlock(m: Model, name: string, values: number[]): void {
  const b = paramBlock(m.layout, name);
  m.params.set(values, b.offset);
}

function direction(m: Model, name: string, index: number): Float64Array {
  const d = new Float64Array(m.layout.cellSize);
  d[paramBlock(m.layout, name).offset + index] = 1;
  return d;
}

describe('torch-gru: folds of h = tanh(b_in + r (4h + b_hn)) along b_in', () => {
  const m = createModel(defineSpec({ cell: 'torch-gru', hiddenSize: 1, inputSize: 1 }));
  setBlock(m, 'weight_hh_l0', [0, 0, 4]);
  setBlock(m, 'bias_ih_l0', [3, -1, 0]);
  setBlock(m, 'bias_hh_l0', [0, 0, 0.2]);
  const r = sigmoid(3);
  it('two saddle-nodes at the closed-form b_c (|Δs| ≤ 1e-8, |Δh| ≤ 1e-6)', () => {
    const sys = pathSystem(directionPath(m, direction(m, 'bias_ih_l0', 2), [-3.5, 3.5]));
    const res = continueBranch(sys, { s0: -3.5, s1: 3.5, h0: Float64Array.of(-1) });
    const folds = res.events.filter((e) => e.type === 'saddle-node');
    expect(folds).toHaveLength(2);
    // fold: sech²(u)·4r = 1 with u = s + r(4h + 0.2), h = tanh u
    const expected = [1, -1].map((sign) => {
      const t = sign * Math.sqrt(1 - 1 / (4 * r));
      return { s: Math.atanh(t) - r * (4 * t + 0.2), h: t };
    }).sort((a, b) => a.s - b.s);
    const got = folds.map((e) => ({ s: e.s, h: e.h[0]! })).sort((a, b) => a.s - b.s);
    for (let k = 0; k < 2; k++) {
      expect(Math.abs(got[k]!.s - expected[k]!.s)).toBeLessThanOrEqual(1e-8);
      expect(Math.abs(got[k]!.h - expected[k]!.h)).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('torch-lstm: a fold along the g-gate bias, verified by an independent Newton solve', () => {
  const m = createModel(defineSpec({ cell: 'torch-lstm', hiddenSize: 1, inputSize: 1 }));
  setBlock(m, 'weight_hh_l0', [0.3, -0.2, 3, 0.1]);
  setBlock(m, 'bias_ih_l0', [1, 0.5, 0, 2]);
  setBlock(m, 'bias_hh_l0', [0, 0, 0.1, 0]);
  const W = [0.3, -0.2, 3, 0.1], bih = [1, 0.5, 0, 2], bhh = [0, 0, 0.1, 0];
  // PyTorch's LSTM step written out here (x = 0), state (h, c), g-bias shifted by s
  const step = (h: number, c: number, s: number): [number, number] => {
    const a = W.map((w, k) => w * h + bih[k]! + bhh[k]! + (k === 2 ? s : 0));
    const i = sigmoid(a[0]!), f = sigmoid(a[1]!), g = Math.tanh(a[2]!), o = sigmoid(a[3]!);
    const c2 = f * c + i * g;
    return [o * Math.tanh(c2), c2];
  };
  const E = 1e-6;
  const jac = (h: number, c: number, s: number): number[][] => {
    const col = (dh: number, dc: number) => {
      const p = step(h + dh, c + dc, s), q = step(h - dh, c - dc, s);
      return [(p[0] - q[0]) / (2 * E), (p[1] - q[1]) / (2 * E)];
    };
    const a = col(E, 0), b = col(0, E);
    return [[a[0]!, b[0]!], [a[1]!, b[1]!]];
  };
  const G = (v: number[]): number[] => {
    const [h, c, s] = v as [number, number, number];
    const [h2, c2] = step(h, c, s);
    const J = jac(h, c, s);
    return [h2 - h, c2 - c, (J[0]![0]! - 1) * (J[1]![1]! - 1) - J[0]![1]! * J[1]![0]!];
  };
  const newton = (v0: number[]): number[] => {
    let v = v0.slice();
    for (let it = 0; it < 30; it++) {
      const g = G(v);
      const M = [0, 1, 2].map(() => [0, 0, 0]);
      const dv = 1e-5;
      for (let j = 0; j < 3; j++) {
        const p = v.slice(), q = v.slice();
        p[j]! += dv;
        q[j]! -= dv;
        const gp = G(p), gq = G(q);
        for (let i = 0; i < 3; i++) M[i]![j] = (gp[i]! - gq[i]!) / (2 * dv);
      }
      // solve M δ = −g (3×3 Cramer)
      const det3 = (A: number[][]) => A[0]![0]! * (A[1]![1]! * A[2]![2]! - A[1]![2]! * A[2]![1]!) - A[0]![1]! * (A[1]![0]! * A[2]![2]! - A[1]![2]! * A[2]![0]!) + A[0]![2]! * (A[1]![0]! * A[2]![1]! - A[1]![1]! * A[2]![0]!);
      const D = det3(M);
      const delta = [0, 1, 2].map((j) => det3(M.map((row, i) => row.map((x, k) => (k === j ? -g[i]! : x)))) / D);
      v = v.map((x, k) => x + delta[k]!);
      if (Math.hypot(...delta) < 1e-13) break;
    }
    return v;
  };

  it('continuation finds two folds; each matches the independent Newton solve (|Δs|, |Δh| ≤ 1e-6)', () => {
    const sys = pathSystem(directionPath(m, direction(m, 'bias_ih_l0', 2), [-3, 3]));
    const res = continueBranch(sys, { s0: -3, s1: 3, h0: Float64Array.of(-0.8, -1.5) });
    const folds = res.events.filter((e) => e.type === 'saddle-node');
    expect(folds).toHaveLength(2);
    for (const e of folds) {
      // start the independent solve away from the located point
      const v = newton([e.h[0]! + 0.05, e.h[1]! - 0.05, e.s + 0.05]);
      expect(Math.hypot(...G(v))).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(v[2]! - e.s)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(v[0]! - e.h[0]!)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(v[1]! - e.h[1]!)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('between the folds: three fixed points (two stable, one saddle), residual ≤ 1e-10', () => {
    const sys = pathSystem(directionPath(m, direction(m, 'bias_ih_l0', 2), [-3, 3]));
    const res = continueBranch(sys, { s0: -3, s1: 3, h0: Float64Array.of(-0.8, -1.5) });
    const [a, b] = res.events.filter((e) => e.type === 'saddle-node').map((e) => e.s).sort((x, y) => x - y) as [number, number];
    const rep = findFixedPoints(sys, { s: (a + b) / 2, nStarts: 24, scale: 2, seed: 3 });
    expect(rep.points).toHaveLength(3);
    for (const p of rep.points) {
      expect(p.residual).toBeLessThanOrEqual(1e-10);
      const [h2, c2] = step(p.h[0]!, p.h[1]!, (a + b) / 2);
      expect(Math.abs(h2 - p.h[0]!) + Math.abs(c2 - p.h[1]!)).toBeLessThanOrEqual(1e-10);
    }
    expect(rep.points.filter((p) => p.stability === 'stable')).toHaveLength(2);
    expect(rep.points.filter((p) => p.stability === 'saddle')).toHaveLength(1);
  });
});
