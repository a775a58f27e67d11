/** Activations, specs, parameter layout, model construction and input validation. */
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  createLayout,
  createModel,
  defineSpec,
  getActivation,
  paramBlock,
  paramView,
  randomModel,
  rollout,
  readout,
  trajectoryVjp,
  withParams,
} from '../../src/models/index.js';
import { InputError, NonFiniteError, ShapeError } from '../../src/errors.js';
import { FD_STEP } from './helpers.js';

describe('activations', () => {
  const pts = [-2.3, -0.7, -0.05, 0.05, 0.4, 1.9];
  for (const name of ACTIVATION_NAMES) {
    it(`${name}: φ′, φ″, φ‴ match central differences of the lower derivative (≤ 1e-7 rel. or 1e-9 abs.)`, () => {
      const a = getActivation(name);
      const fs = [a.phi, a.d1, a.d2, a.d3];
      for (const x of pts) {
        for (let k = 1; k <= 3; k++) {
          const fd = (fs[k - 1]!(x + FD_STEP) - fs[k - 1]!(x - FD_STEP)) / (2 * FD_STEP);
          const an = fs[k]!(x);
          expect(Math.abs(fd - an)).toBeLessThanOrEqual(Math.max(1e-7 * Math.abs(an), 1e-9));
        }
      }
    });
  }
  it('relu′(0) = 0 by convention; softplus does not overflow', () => {
    expect(getActivation('relu').d1(0)).toBe(0);
    expect(getActivation('softplus').phi(800)).toBe(800);
    expect(getActivation('softplus').phi(-800)).toBe(0);
    expect(getActivation('tanh').d1(0)).toBe(1);
  });
  it('unknown activation is an InputError', () => {
    expect(() => getActivation('gelu')).toThrow(InputError);
  });
});

describe('layout', () => {
  it('vanilla: W, U, b, C, d in order, contiguous', () => {
    const L = createLayout(defineSpec({ cell: 'vanilla', hiddenSize: 3, inputSize: 2, outputSize: 1 }));
    expect(L.blocks.map((b) => [b.name, b.offset, b.rows, b.cols])).toEqual([
      ['W', 0, 3, 3], ['U', 9, 3, 2], ['b', 15, 3, 1], ['C', 18, 1, 3], ['d', 21, 1, 1],
    ]);
    expect([L.cellSize, L.size]).toEqual([18, 22]);
  });
  it('gru: Wr, Wz, Wn, Ur, Uz, Un, br, bz, bn; no readout when O = 0', () => {
    const L = createLayout(defineSpec({ cell: 'gru', hiddenSize: 2, inputSize: 3 }));
    expect(L.blocks.map((b) => b.name)).toEqual(['Wr', 'Wz', 'Wn', 'Ur', 'Uz', 'Un', 'br', 'bz', 'bn']);
    expect([L.cellSize, L.size]).toEqual([3 * 4 + 3 * 6 + 3 * 2, 36]);
    expect(() => paramBlock(L, 'C')).toThrow(InputError);
  });
  it('paramView is a view into params (no copy)', () => {
    const m = createModel(defineSpec({ cell: 'leaky', hiddenSize: 3, inputSize: 2, outputSize: 2 }));
    const U = paramView(m, 'U');
    expect([U.rows, U.cols]).toEqual([3, 2]);
    U.data[1 * 2 + 0] = 5; // U[1,0]
    expect(m.params[9 + 2]).toBe(5);
    m.params[18 + 1 * 3 + 2] = -4; // C[1,2]
    expect(paramView(m, 'C').data[5]).toBe(-4);
  });
});

describe('createModel / randomModel', () => {
  const spec = defineSpec({ cell: 'rate', hiddenSize: 3, inputSize: 2, outputSize: 1, alpha: 0.2 });
  it('zero parameters when absent; a Float64Array is used without copying', () => {
    expect(createModel(spec).params.every((v) => v === 0)).toBe(true);
    const p = new Float64Array(22);
    expect(createModel(spec, p).params).toBe(p);
  });
  it('wrong length → ShapeError naming the expected blocks', () => {
    expect(() => createModel(spec, new Float64Array(21))).toThrow(ShapeError);
    expect(() => createModel(spec, new Float64Array(21))).toThrow(/needs 22 parameters \(W 3×3, U 3×2, b 3×1, C 1×3, d 1×1\), got 21/);
  });
  it('NaN / Inf → NonFiniteError naming the block', () => {
    const p = new Float64Array(22);
    p[16] = NaN;
    expect(() => createModel(spec, p)).toThrow(NonFiniteError);
    expect(() => createModel(spec, p)).toThrow(/block b/);
    p[16] = 0;
    p[20] = Infinity;
    expect(() => createModel(spec, p)).toThrow(/block C/);
  });
  it('bad specs → InputError', () => {
    expect(() => defineSpec({ cell: 'lstm' as 'gru', hiddenSize: 2, inputSize: 1 })).toThrow(/unknown cell "lstm"/);
    expect(() => defineSpec({ cell: 'leaky', hiddenSize: 0, inputSize: 1 })).toThrow(/hiddenSize/);
    expect(() => defineSpec({ cell: 'leaky', hiddenSize: 2, inputSize: 1, alpha: NaN })).toThrow(/alpha/);
    expect(() => defineSpec({ cell: 'leaky', hiddenSize: 2, inputSize: 1, activation: 'elu' as 'relu' })).toThrow(/activation/);
  });
  it('defaults: tanh, O = 0, α = 0.1 for leaky/rate, 1 otherwise', () => {
    const s = defineSpec({ cell: 'leaky', hiddenSize: 2, inputSize: 1 });
    expect([s.activation, s.outputSize, s.alpha]).toEqual(['tanh', 0, 0.1]);
    expect(defineSpec({ cell: 'gru', hiddenSize: 2, inputSize: 1 }).alpha).toBe(1);
  });
  it('randomModel is deterministic in the seed and scales W by gain/√N', () => {
    const big = defineSpec({ cell: 'vanilla', hiddenSize: 200, inputSize: 1 });
    const a = randomModel(big, 5, { gain: 1.5 });
    const b = randomModel(big, 5, { gain: 1.5 });
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    const W = paramView(a, 'W').data;
    let s = 0;
    for (const v of W) s += v * v;
    expect(Math.abs(s / W.length - 1.5 ** 2 / 200)).toBeLessThan(0.05 * 1.5 ** 2 / 200);
    expect(paramView(a, 'b').data.every((v) => v === 0)).toBe(true);
    expect(Array.from(randomModel(big, 6).params.subarray(0, 5))).not.toEqual(Array.from(a.params.subarray(0, 5)));
  });
  it('withParams shares the cell and validates', () => {
    const m = randomModel(spec, 1);
    const m2 = withParams(m, new Float64Array(22));
    expect(m2.cell).toBe(m.cell);
    expect(() => withParams(m, new Float64Array(3))).toThrow(ShapeError);
  });
});

describe('rollout and sweep input validation', () => {
  const spec = defineSpec({ cell: 'vanilla', activation: 'identity', hiddenSize: 3, inputSize: 2 });
  const m = randomModel(spec, 3);
  it('wrong input / h0 lengths → ShapeError; NaN input → NonFiniteError', () => {
    expect(() => rollout(m, new Float64Array(11), { B: 2, T: 3 })).toThrow(/expected B·T·D = 2·3·2 = 12/);
    expect(() => rollout(m, new Float64Array(12), { B: 2, T: 3, h0: new Float64Array(5) })).toThrow(ShapeError);
    const X = new Float64Array(12);
    X[4] = NaN;
    expect(() => rollout(m, X, { B: 2, T: 3 })).toThrow(NonFiniteError);
    expect(() => rollout(m, new Float64Array(0), { B: 0, T: 3 })).toThrow(ShapeError);
  });
  it('a diverging rollout → NonFiniteError naming trial and step', () => {
    const W = new Float64Array(9 + 6 + 3);
    for (let i = 0; i < 3; i++) W[i * 3 + i] = 10;
    W[15] = 1;
    const mm = createModel(spec, W);
    expect(() => rollout(mm, new Float64Array(400 * 2), { B: 1, T: 400 })).toThrow(/rollout diverged: state of trial 0 at step 3\d\d/);
  });
  it('wrong cotangent length → ShapeError; readout without C → InputError', () => {
    const tr = rollout(m, new Float64Array(12), { B: 2, T: 3 });
    expect(() => trajectoryVjp(m, tr, new Float64Array(17))).toThrow(ShapeError);
    expect(() => readout(m, tr)).toThrow(InputError);
  });
  it('forward checks its argument lengths', () => {
    const th = m.params.subarray(0, m.layout.cellSize);
    expect(() => m.cell.forward(th, new Float64Array(2), new Float64Array(2))).toThrow(/state h has length 2, expected 3/);
    expect(() => m.cell.forward(th, new Float64Array(3), new Float64Array(1))).toThrow(ShapeError);
  });
});
