/**
 * The PyTorch cells' whole-trajectory k-column sweeps (models/layer-sweep.ts, taken by the output
 * sweeps for 2 ≤ k ≤ 16) against the per-column route (k single-column sweeps on the cells' step
 * kernels), and their adjointness.
 */
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../src/models/index.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { outputJvpBlock, outputVjpBlock, prepareOutputSweep, restrictTrials } from '../../src/models/output-sweep.js';
import { hasLayerSweep } from '../../src/models/layer-sweep.js';
import type { Matrix } from '../../src/linalg/matrix.js';
import { createRng, randn, relErr } from './helpers.js';

const CASES: [CellKind, number, boolean][] = [
  ['torch-rnn', 1, true],
  ['torch-gru', 1, true],
  ['torch-lstm', 1, true],
  ['torch-gru', 2, true],
  ['torch-lstm', 3, true],
  ['torch-rnn', 2, false],
];

/** Column j of a `rows × k` block as a `rows × 1` block. */
function column(M: Matrix, j: number): Matrix {
  const out = new Float64Array(M.rows);
  for (let r = 0; r < M.rows; r++) out[r] = M.data[r * M.cols + j]!;
  return { rows: M.rows, cols: 1, data: out };
}

describe.each(CASES)('%s × %i layer(s), bias %s: layer sweeps', (kind, layers, bias) => {
  it('J_y V and J_yᵀ E (k = 3, a subset of trials) equal k single-column sweeps to rounding, and are adjoint', () => {
    const spec = defineSpec({ cell: kind, hiddenSize: 5, inputSize: 2, outputSize: 3, numLayers: layers, bias });
    const m = randomModel(spec, `layer-${kind}-${layers}`, { gain: 0.9, ...(bias ? { biasScale: 0.3 } : {}) });
    expect(hasLayerSweep(m.cell)).toBe(true);
    const rng = createRng(`layer-${kind}-${layers}`);
    const B = 4, T = 6, k = 3;
    const X = randn(rng, B * T * spec.inputSize);
    const sw = restrictTrials(prepareOutputSweep(m, rollout(m, X, { B, T }), 'output'), [2, 0]);
    const P = m.layout.size;
    const V = { rows: P, cols: k, data: randn(rng, P * k) };
    const R = 2 * T * spec.outputSize;
    const E = { rows: R, cols: k, data: randn(rng, R * k) };
    const JV = outputJvpBlock(sw, V);
    const G = outputVjpBlock(sw, { ...E, data: E.data.slice() });
    for (let j = 0; j < k; j++) {
      // relative 2-norm error: rounding of the differently ordered sums
      expect(relErr(column(JV, j).data, outputJvpBlock(sw, column(V, j)).data)).toBeLessThan(1e-13);
      expect(relErr(column(G, j).data, outputVjpBlock(sw, column(E, j)).data)).toBeLessThan(1e-13);
    }
    let a = 0, b = 0;
    for (let i = 0; i < R * k; i++) a += JV.data[i]! * E.data[i]!;
    for (let p = 0; p < P * k; p++) b += V.data[p]! * G.data[p]!;
    expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.max(1, Math.abs(a)));
  });
});

describe('layer sweeps: which cells', () => {
  it('the sntk cells (vanilla, gru) do not take them', () => {
    for (const cell of ['vanilla', 'gru'] as const) {
      const m = randomModel(defineSpec({ cell, hiddenSize: 4, inputSize: 1, outputSize: 1 }), 'x');
      expect(hasLayerSweep(m.cell)).toBe(false);
    }
  });
});
