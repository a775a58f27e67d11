/**
 * The output sweep engine's per-column route (cells without weight sites: PyTorch GRU/LSTM and
 * stacked layers) with the cells' fused step kernels (`Cell.jvpStep`, `Cell.vjpStep`) against the
 * same sweeps on separate `jvpH`/`jvpTheta` and `vjpH`/`vjpTheta` calls, and the single-column
 * VJP against `trajectoryVjp` plus the readout's gradient.
 */
import { describe, expect, it } from 'vitest';
import type { Cell, CellKind, Model } from '../../src/models/index.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { outputJvpBlock, outputVjpBlock, prepareOutputSweep } from '../../src/models/output-sweep.js';
import { createRng, randn, relErr } from './helpers.js';

const CASES: [CellKind, number][] = [['torch-gru', 1], ['torch-lstm', 1], ['torch-rnn', 2], ['torch-lstm', 2]];

/** The model with a cell that hides its fused step kernels. */
function unfused(m: Model): Model {
  const cell = Object.create(m.cell) as Cell;
  (cell as { jvpStep?: Cell['jvpStep'] }).jvpStep = undefined;
  (cell as { vjpStep?: Cell['vjpStep'] }).vjpStep = undefined;
  return { ...m, cell };
}

describe.each(CASES)('%s × %i layer(s): fused step kernels in the output sweeps', (kind, layers) => {
  it('J_y V (one column, the per-column route) and J_yᵀ E (one column) equal the unfused sweeps to rounding', () => {
    const spec = defineSpec({ cell: kind, hiddenSize: 5, inputSize: 2, outputSize: 3, numLayers: layers });
    const m = randomModel(spec, `fused-${kind}-${layers}`, { gain: 0.9, biasScale: 0.3 });
    expect(typeof m.cell.jvpStep).toBe('function');
    expect(typeof m.cell.vjpStep).toBe('function');
    const rng = createRng(`fused-${kind}`);
    const B = 3, T = 7;
    const X = randn(rng, B * T * spec.inputSize);
    const traj = rollout(m, X, { B, T });
    const P = m.layout.size;
    const V = { rows: P, cols: 1, data: randn(rng, P) };
    const R = B * T * spec.outputSize;
    const E = { rows: R, cols: 1, data: randn(rng, R) };
    const fused = prepareOutputSweep(m, traj, 'output');
    const plain = prepareOutputSweep(unfused(m), traj, 'output');
    const jf = outputJvpBlock(fused, V).data;
    const jp = outputJvpBlock(plain, V).data;
    expect(relErr(jf, jp)).toBeLessThan(1e-13);
    const gf = outputVjpBlock(fused, E).data;
    const gp = outputVjpBlock(plain, E).data;
    expect(relErr(gf, gp)).toBeLessThan(1e-13);
    // adjointness ⟨J V, E⟩ = ⟨V, Jᵀ E⟩
    let a = 0, b = 0;
    for (let i = 0; i < R; i++) a += jf[i]! * E.data[i]!;
    for (let p = 0; p < P; p++) b += V.data[p]! * gf[p]!;
    expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.max(1, Math.abs(a)));
  });
});

const KEPT: [CellKind, number][] = [['vanilla', 1], ['gru', 1], ['torch-gru', 2], ['torch-lstm', 1]];

describe.each(KEPT)('%s × %i layer(s): block sweeps on the kept workspace of a model', (kind, layers) => {
  it('J_y V and J_yᵀ E for k ≥ 2 are the same numbers (bit for bit) when repeated, after sweeps of other shapes, and for the state target', () => {
    const spec = defineSpec({ cell: kind, hiddenSize: 6, inputSize: 2, outputSize: 2, numLayers: layers });
    const m = randomModel(spec, `kept-workspace-${kind}`, { gain: 0.9, biasScale: 0.3 });
    const rng = createRng('kept-workspace');
    const P = m.layout.size;
    const sweepOf = (B: number, T: number, target: 'output' | 'state') => prepareOutputSweep(m, rollout(m, randn(createRng(`x${B}:${T}`), B * T * spec.inputSize), { B, T }), target);
    const block = (rows: number, k: number) => ({ rows, cols: k, data: randn(rng, rows * k) });
    const V3 = block(P, 3);
    const sw = sweepOf(3, 7, 'output');
    const E3 = block(3 * 7 * spec.outputSize, 3);
    const j1 = outputJvpBlock(sw, V3).data.slice();
    const g1 = outputVjpBlock(sw, { ...E3, data: E3.data.slice() }).data.slice();
    // other shapes in between: a longer batch, more columns, the state target
    outputJvpBlock(sweepOf(4, 9, 'output'), block(P, 5));
    outputVjpBlock(sweepOf(4, 9, 'output'), block(4 * 9 * spec.outputSize, 5));
    const st = sweepOf(3, 7, 'state');
    const js = outputJvpBlock(st, V3).data;
    const gs = outputVjpBlock(st, block(3 * 7 * st.O, 3)).data;
    expect(js.every(Number.isFinite) && gs.every(Number.isFinite)).toBe(true);
    expect(Array.from(outputJvpBlock(sw, V3).data)).toEqual(Array.from(j1));
    expect(Array.from(outputVjpBlock(sw, { ...E3, data: E3.data.slice() }).data)).toEqual(Array.from(g1));
    // the state target's J V is not a workspace view: a later sweep leaves it alone
    const before = js.slice();
    outputJvpBlock(sw, V3);
    expect(Array.from(js)).toEqual(Array.from(before));
  });
});
