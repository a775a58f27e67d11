/** The Model → ParamSystem adapter: paths, derivatives through the Cell, bifurcations of models. */
import { describe, it, expect } from 'vitest';
import { createModel, defineSpec, randomModel } from '../../src/models/index.js';
import type { Model } from '../../src/models/index.js';
import { continueBranch, directionPath, findFixedPoints, linePath, modelSystem, pathSystem, piecewisePath } from '../../src/dynamics/index.js';
import { InputError, ShapeError } from '../../src/errors.js';

function modelWithW(cell: 'vanilla' | 'leaky', W: number[], N: number, alpha?: number): Model {
  const spec = defineSpec({ cell, hiddenSize: N, inputSize: 1, ...(alpha ? { alpha } : {}) });
  const m = createModel(spec);
  const blk = m.layout.blocks.find((b) => b.name === 'W')!;
  m.params.set(W, blk.offset);
  return m;
}
const rot = (rho: number, t: number) => [rho * Math.cos(t), -rho * Math.sin(t), rho * Math.sin(t), rho * Math.cos(t)];

describe('model paths', () => {
  it('pitchfork of a vanilla tanh model on the line w = 0.5 → 1.5 at s = 0.5, distance 0.5', () => {
    const sys = pathSystem(linePath(modelWithW('vanilla', [0.5], 1), modelWithW('vanilla', [1.5], 1)));
    const r = continueBranch(sys, { s0: 0, s1: 1, h0: Float64Array.of(0) });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.type).toBe('pitchfork');
    expect(Math.abs(r.events[0]!.s - 0.5)).toBeLessThanOrEqual(1e-6);
    expect(r.events[0]!.distance).toBeCloseTo(0.5, 6);
    expect(r.events[0]!.criticality).toBe('supercritical');
  });

  it('piecewise path through 3 checkpoints: knots at integers, pitchfork in the second segment', () => {
    const path = piecewisePath([0.2, 0.8, 1.4].map((w) => modelWithW('vanilla', [w], 1)));
    const r = continueBranch(pathSystem(path), { s0: 0, s1: 2, h0: Float64Array.of(0) });
    expect(r.events).toHaveLength(1);
    expect(Math.abs(r.events[0]!.s - (1 + 0.2 / 0.6))).toBeLessThanOrEqual(1e-6);
    expect(r.events[0]!.distance).toBeCloseTo(0.8, 6);
  });

  it('Hopf of the leaky flow (--time continuous) with ℓ₁ = −2/√3 at ρ = 2', () => {
    const a = modelWithW('leaky', rot(1, Math.PI / 3), 2, 0.1), b = modelWithW('leaky', rot(3, Math.PI / 3), 2, 0.1);
    const r = continueBranch(pathSystem(linePath(a, b), { time: 'continuous' }), { s0: 0, s1: 1, h0: Float64Array.of(0, 0) });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.type).toBe('hopf');
    expect(Math.abs(e.s - 0.5)).toBeLessThanOrEqual(1e-6);
    expect(e.coefficients.l1).toBeCloseTo(-2 / Math.sqrt(3), 9);
  });

  it('different shapes on a path → ShapeError; continuous time on a vanilla cell → InputError', () => {
    expect(() => linePath(modelWithW('vanilla', [1, 0, 0, 1], 2), modelWithW('vanilla', [1, 0, 0, 0, 1, 0, 0, 0, 1], 3))).toThrow(ShapeError);
    expect(() => linePath(modelWithW('vanilla', [1, 0, 0, 1], 2), modelWithW('leaky', [1, 0, 0, 1], 2))).toThrow(ShapeError);
    // PyTorch cells: the number of layers and the biases are part of the shape, named in the message
    const torch = (numLayers: number, bias: boolean) => createModel(defineSpec({ cell: 'torch-gru', hiddenSize: 3, inputSize: 2, outputSize: 1, numLayers, bias }));
    expect(() => linePath(torch(1, true), torch(2, true))).toThrow(/differ in numLayers \(1 vs 2\)/);
    expect(() => linePath(torch(1, true), torch(1, false))).toThrow(/differ in bias \(true vs false\)/);
    expect(() => linePath(torch(2, false), torch(2, false))).not.toThrow();
    expect(() => modelSystem(modelWithW('vanilla', [1], 1), { time: 'continuous' })).toThrow(InputError);
    expect(() => modelSystem(modelWithW('vanilla', [1], 1), { input: Float64Array.of(1, 2) })).toThrow(ShapeError);
  });
});

describe('adapter derivatives vs central differences (rel. 1e-6)', () => {
  it('ds = f_θ·θ′ and hessianS = f_hθ[r, θ′] for a random leaky model along a random direction', () => {
    const spec = defineSpec({ cell: 'leaky', hiddenSize: 4, inputSize: 2, alpha: 0.3 });
    const m = randomModel(spec, 5, { gain: 1.3, biasScale: 0.2 });
    const d = randomModel(spec, 6).params.slice(0, m.layout.cellSize);
    for (const time of ['discrete', 'continuous'] as const) {
      const sys = pathSystem(directionPath(m, d, [-1, 1]), { time, input: Float64Array.of(0.3, -0.5) });
      const h = Float64Array.of(0.2, -0.1, 0.4, 0.3), u = Float64Array.of(0.5, 0.1, -0.3, 0.2), s = 0.3, eps = 1e-5;
      const jv = (ss: number) => {
        const J = sys.jacobian(h, ss);
        return Float64Array.from({ length: 4 }, (_, i) => J.data.slice(i * 4, i * 4 + 4).reduce((a, x, j) => a + x * u[j]!, 0));
      };
      const rel = (a: Float64Array, b: Float64Array) => Math.hypot(...a.map((x, i) => x - b[i]!)) / Math.hypot(...b);
      const fdS = sys.value(h, s + eps).map((x, i) => (x - sys.value(h, s - eps)[i]!) / (2 * eps));
      expect(rel(sys.ds(h, s), fdS)).toBeLessThan(1e-6);
      const fdHS = jv(s + eps).map((x, i) => (x - jv(s - eps)[i]!) / (2 * eps));
      expect(rel(sys.hessianS(h, s, u), fdHS)).toBeLessThan(1e-6);
    }
  });

  it('fixed points of a model at constant input', () => {
    const m = modelWithW('vanilla', [2], 1);
    const r = findFixedPoints(modelSystem(m));
    expect(r.points).toHaveLength(3);
  });
});
