/** Fixed points, k-cycles and robustness of the multi-start solver. */
import { describe, it, expect } from 'vitest';
import { elementwiseSystem, findCycles, findFixedPoints, residual, solveFixedPoint, continueBranch } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import type { ParamSystem } from '../../src/dynamics/index.js';
import { zeros } from '../../src/linalg/index.js';
import { ConvergenceError } from '../../src/errors.js';
import { allFinite, scalarTanh } from './helpers.js';

/** Scalar system from plain functions (derivatives beyond the Jacobian unused here). */
function scalar(f: (h: number) => number, df: (h: number) => number, time: ParamSystem['time'] = 'discrete'): ParamSystem {
  const no = () => new Float64Array(1);
  return {
    N: 1,
    time,
    value: (h) => Float64Array.of(f(h[0]!)),
    jacobian: (h) => ({ rows: 1, cols: 1, data: Float64Array.of(df(h[0]!)) }),
    ds: no,
    hessian: no,
    third: no,
    hessianS: no,
  };
}

describe('fixed points of h ↦ tanh(w h)', () => {
  it('w = 2: 0 (unstable) and ±h* with h* = tanh(2h*) (stable), residual ≤ 1e-10', () => {
    const r = findFixedPoints(scalarTanh(), { s: 2 });
    expect(r.points).toHaveLength(3);
    const [z, a, b] = r.points;
    expect(Math.abs(z!.h[0]!)).toBeLessThan(1e-12);
    expect(z!.stability).toBe('unstable');
    expect(z!.radius).toBeCloseTo(2, 12);
    expect(z!.sigma).toBeCloseTo(-1, 12);
    const hs = Math.abs(a!.h[0]!);
    expect(Math.abs(hs - Math.tanh(2 * hs))).toBeLessThan(1e-12);
    expect(hs).toBeGreaterThan(0.95);
    expect(a!.h[0]! * b!.h[0]!).toBeLessThan(0);
    for (const p of r.points) expect(p.residual).toBeLessThanOrEqual(1e-10);
    expect(a!.stability).toBe('stable');
    // eigenvalue f'(h*) = 2(1 − h*²)
    expect(a!.eigenvalues[0]!.re).toBeCloseTo(2 * (1 - hs * hs), 12);
  });

  it('w = −2: one 2-cycle {h*, −h*} of minimal period 2 (the fixed point 0 is excluded)', () => {
    const cycles = findCycles(scalarTanh(), 2, { s: -2 });
    expect(cycles).toHaveLength(1);
    const c = cycles[0]!;
    expect(c.period).toBe(2);
    expect(Math.abs(c.orbit[0]![0]! + c.orbit[1]![0]!)).toBeLessThan(1e-12);
    const hs = Math.abs(c.orbit[0]![0]!);
    expect(Math.abs(hs - Math.tanh(2 * hs))).toBeLessThan(1e-12);
    expect(c.residual).toBeLessThanOrEqual(1e-10);
    expect(c.multipliers.stability).toBe('stable');
  });

  it('exactly at the pitchfork (w = 1, singular Jacobian at 0): finds 0, marginal, no NaN', () => {
    const r = findFixedPoints(scalarTanh(), { s: 1 });
    expect(r.points).toHaveLength(1);
    expect(r.points[0]!.residual).toBeLessThanOrEqual(1e-10);
    expect(r.points[0]!.stability).toBe('marginal');
    expect(allFinite(r)).toBe(true);
  });
});

describe('random N = 64 tanh RNN', () => {
  // W = 0.5 G/√N + 2 u uᵀ + 1.6 v vᵀ (u ⊥ v unit): two stable points near ±u, two saddles near ±v, saddle 0
  const N = 64;
  const rng = createRng(7);
  const u = new Float64Array(N), v = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    u[i] = rng.normal();
    v[i] = rng.normal();
  }
  const nu = Math.hypot(...u);
  u.forEach((x, i) => (u[i] = x / nu));
  let d = 0;
  for (let i = 0; i < N; i++) d += u[i]! * v[i]!;
  for (let i = 0; i < N; i++) v[i]! -= d * u[i]!;
  const nv = Math.hypot(...v);
  v.forEach((x, i) => (v[i] = x / nv));
  const W = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) W[i * N + j] = (0.5 * rng.normal()) / Math.sqrt(N) + 2 * u[i]! * u[j]! + 1.6 * v[i]! * v[j]!;
  const sys = elementwiseSystem({ N, time: 'discrete', phi: tanhActivation, W: () => W, dW: () => new Float64Array(N * N) });

  it('residual ≤ 1e-10, duplicates merged, the same 5 points for 3 seeds', () => {
    const counts: number[] = [];
    let first: Float64Array[] | undefined;
    for (const seed of [1, 2, 3]) {
      const r = findFixedPoints(sys, { seed });
      counts.push(r.points.length);
      for (const p of r.points) {
        expect(p.residual).toBeLessThanOrEqual(1e-10);
        const F = residual(sys, p.h, 0);
        expect(Math.hypot(...F)).toBeLessThanOrEqual(1e-10);
      }
      // merged: pairwise distances well above the dedup tolerance
      for (let i = 0; i < r.points.length; i++)
        for (let j = i + 1; j < r.points.length; j++) {
          const a = r.points[i]!.h, b = r.points[j]!.h;
          expect(Math.hypot(...a.map((x, k) => x - b[k]!))).toBeGreaterThan(1e-3);
        }
      expect(r.points.reduce((s, p) => s + p.hits, 0)).toBeGreaterThan(r.points.length); // several starts per point
      if (!first) first = r.points.map((p) => p.h);
      else for (const p of r.points) expect(first.some((q) => Math.hypot(...q.map((x, k) => x - p.h[k]!)) < 1e-8)).toBe(true);
      expect(r.points.filter((p) => p.stability === 'stable')).toHaveLength(2);
    }
    expect(counts).toEqual([5, 5, 5]);
  });
});

describe('bad input never gives NaN', () => {
  it('no fixed point (f(h) = h + 1 + 0.1 tanh h): nothing found, reported as not converged', () => {
    const sys = scalar((h) => h + 1 + 0.1 * Math.tanh(h), (h) => 1 + 0.1 * (1 - Math.tanh(h) ** 2));
    const r = findFixedPoints(sys, { nStarts: 5, nRandom: 5, trajectories: 2 });
    expect(r.points).toHaveLength(0);
    expect(r.notConverged + r.slowPoints.length).toBe(r.starts);
    expect(allFinite(r)).toBe(true);
  });

  it('Newton into a NaN region (F = −log h) is damped back and converges to h = 1', () => {
    const sys = scalar((h) => h - Math.log(h), (h) => 1 - 1 / h);
    const r = solveFixedPoint(sys, 0, Float64Array.of(5));
    expect(r.converged).toBe(true);
    expect(r.h[0]).toBeCloseTo(1, 10);
  });

  it('singular Jacobian at the start (F = h² − 1 from 0) and divergence to infinity are reported', () => {
    const sys = scalar((h) => h + h * h - 1, (h) => 1 + 2 * h);
    const r = solveFixedPoint(sys, 0, Float64Array.of(0));
    expect(allFinite(r)).toBe(true);
    // F'(0) = 0: Newton cannot start; the q-function fallback moves off and converges to a root ±1
    expect(r.usedQ).toBe(true);
    if (r.converged) expect(Math.abs(Math.abs(r.h[0]!) - 1)).toBeLessThan(1e-10);
    else expect(r.status).not.toBe('converged');
    const div = scalar((h) => h + Math.exp(h) + 1, (h) => 1 + Math.exp(h)); // F = eʰ + 1 > 0: no root
    const d = solveFixedPoint(div, 0, Float64Array.of(0), { maxNorm: 50 });
    expect(d.converged).toBe(false);
    expect(['diverged', 'slow-point', 'max-iterations', 'non-finite']).toContain(d.status);
    expect(allFinite(d)).toBe(true);
  });

  it('continuation from a state with no fixed point nearby throws ConvergenceError', () => {
    const sys = scalar((h) => h + 1 + 0.1 * Math.tanh(h), (h) => 1 + 0.1 * (1 - Math.tanh(h) ** 2));
    expect(() => continueBranch(sys, { s0: 0, s1: 1, h0: Float64Array.of(0) })).toThrow(ConvergenceError);
  });

  it('continuation started exactly at the pitchfork (singular augmented Jacobian) stays finite', () => {
    const r = continueBranch(scalarTanh(), { s0: 1, s1: 1.5, h0: Float64Array.of(0) });
    expect(allFinite(r)).toBe(true);
    expect(r.branch.length).toBeGreaterThan(2);
    void zeros;
  });
});

describe('the state box of gated cells', () => {
  it('GRU cells, tanh RNN layers and all-GRU stacks declare the box (−1, 1)^N; LSTM and ReLU cells none', async () => {
    const { createCell, defineSpec } = await import('../../src/models/index.js');
    expect(createCell(defineSpec({ cell: 'gru', hiddenSize: 3, inputSize: 1 })).fixedPointBox).toBe(1);
    expect(createCell(defineSpec({ cell: 'gru', hiddenSize: 3, inputSize: 1, activation: 'relu' })).fixedPointBox).toBeUndefined();
    expect(createCell(defineSpec({ cell: 'torch-gru', hiddenSize: 3, inputSize: 1 })).fixedPointBox).toBe(1);
    expect(createCell(defineSpec({ cell: 'torch-rnn', hiddenSize: 3, inputSize: 1 })).fixedPointBox).toBe(1);
    expect(createCell(defineSpec({ cell: 'torch-lstm', hiddenSize: 3, inputSize: 1 })).fixedPointBox).toBeUndefined();
    expect(createCell(defineSpec({ cell: 'vanilla', hiddenSize: 3, inputSize: 1 })).fixedPointBox).toBeUndefined();
  });

  it('a saturated-gate artefact of a GRU (|h|∞ ≈ 25, residual ≈ 1e-10) is found without the box and rejected with it', async () => {
    const { defineSpec, randomModel } = await import('../../src/models/index.js');
    const { modelSystem } = await import('../../src/dynamics/index.js');
    const model = randomModel(defineSpec({ cell: 'torch-gru', hiddenSize: 8, inputSize: 1 }), 3, { gain: 1.5 });
    const sys = modelSystem(model);
    expect(sys.stateBox).toBe(1);
    const { stateBox: _box, ...unboxed } = sys;
    const without = findFixedPoints(unboxed as ParamSystem, { seed: 0 });
    const fake = without.points.filter((p) => p.h.some((v) => Math.abs(v) > 1));
    expect(fake.length).toBeGreaterThan(0);
    for (const p of fake) {
      expect(p.residual).toBeLessThanOrEqual(1e-10);
      // not a fixed point: the candidate n(h) the GRU moves towards is inside (−1, 1)^N, h is far outside
      expect(Math.max(...Array.from(p.h, Math.abs))).toBeGreaterThan(5);
    }
    const withBox = findFixedPoints(sys, { seed: 0 });
    expect(withBox.points.length).toBe(without.points.length - fake.length);
    expect(withBox.points.every((p) => p.h.every((v) => Math.abs(v) < 1))).toBe(true);
    expect(withBox.rejected).toBeGreaterThan(without.rejected);
  });
});
