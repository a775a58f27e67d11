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
