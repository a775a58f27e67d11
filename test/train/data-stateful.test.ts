/**
 * Training LSTM and stacked students on the data task: every monitor quantity is taken on the
 * cell's full state (`[h; c]` per LSTM layer, all layers of a stacked cell) and the readout's state
 * slice. Checked against independent computations:
 * - the monitor's sNTK trace and PR against the dense state-space sNTK `K = J Jᵀ` (denseSntk,
 *   `M × M` over all `B·T·N` state rows): relative 1e-10;
 * - its output-space PR against `J_y` of the training sweep (all parameters, readout included):
 *   relative 1e-10;
 * - the zero-input fixed points against the cell's map (residual ≤ 1e-10 on the full state) and an
 *   independent Newton solve with central-difference Jacobians (step 1e-6; |Δh| ≤ 1e-8);
 * - `B*ᵀl` against central differences of `lᵀ f(h*, 0; θ)` in θ (step 1e-6, within 1e-6 of the
 *   largest entry plus the differences' rounding floor);
 * - the segment detector: an LSTM fold met between two checkpoints at the `s` of an independent
 *   continuation of the same straight path (|Δs| ≤ 1e-6);
 * - end to end: `trainRun` on examples/data-task.npz with an LSTM and a 2-layer GRU student reaches
 *   0.1·L₀.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dataTask } from '../../src/train/tasks/data.js';
import { forwardTargets } from '../../src/train/tasks/common.js';
import { monitorKernel } from '../../src/train/monitor/kernel.js';
import { zeroInputAnalysis } from '../../src/train/monitor/fixed.js';
import { segmentBifurcations } from '../../src/train/monitor/events.js';
import { createMonitorCore } from '../../src/train/monitor/core.js';
import { createMonitor } from '../../src/train/monitor/monitor.js';
import { outputJacobian } from '../../src/train/sweep.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { trainRun } from '../../src/train/run.js';
import { buildTask } from '../../src/train/build.js';
import { loadTaskData } from '../../src/io/train-data.js';
import { denseSntk } from '../../src/sntk/dense.js';
import { syrk } from '../../src/linalg/index.js';
import { continueBranch, linePath, pathSystem } from '../../src/dynamics/index.js';
import { createModel, defineSpec, paramBlock, readout, rollout, withParams, type Model } from '../../src/models/index.js';
import type { Matrix } from '../../src/linalg/matrix.js';

const B = 4, T = 6, D = 2, O = 2;
const X = Float64Array.from({ length: B * T * D }, (_, i) => Math.sin(0.7 * i + 0.3));
const Y = Float64Array.from({ length: B * T * O }, (_, i) => 0.5 * Math.cos(0.4 * i));

function prOf(G: Matrix): number {
  let tr = 0, f2 = 0;
  for (let i = 0; i < G.rows; i++) tr += G.data[i * G.cols + i]!;
  for (const v of G.data) f2 += v * v;
  return (tr * tr) / f2;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const students: [string, { cell: 'torch-lstm' | 'torch-gru' | 'torch-rnn'; numLayers: number }, number][] = [
  ['LSTM (state [h; c], N = 2·3)', { cell: 'torch-lstm', numLayers: 1 }, 6],
  ['2-layer GRU (N = 2·3)', { cell: 'torch-gru', numLayers: 2 }, 6],
  ['2-layer LSTM (N = 2·2·3)', { cell: 'torch-lstm', numLayers: 2 }, 12],
];

describe.each(students)('data task with a %s student', (_name, cellOpts, N) => {
  const task = dataTask({ X, Y, B, T, D, O }, { ...cellOpts, hiddenSize: 3, seed: 2, studentGain: 1.1 });
  const model = task.student;

  it('is built (no refusal) with the full state size', () => {
    expect(model.cell.N).toBe(N);
    // forwardTargets: readout on the top layer's h; 'state' gives the full state
    const traj = rollout(model, X, { B, T });
    expect(Array.from(forwardTargets(model, X, B, T, 'output'))).toEqual(Array.from(readout(model, traj)));
    expect(forwardTargets(model, X, B, T, 'state').length).toBe(B * T * N);
  });

  it('monitor sNTK trace and PR equal the dense state-space sNTK over all B·T·N rows (relative 1e-10)', () => {
    const k = monitorKernel(model, task, { method: 'dense', trials: 3, top: 5 });
    const traj = rollout(model, X.subarray(0, 3 * T * D), { B: 3, T });
    const { K } = denseSntk(model, traj);
    expect(K.rows).toBe(3 * T * N);
    let tr = 0;
    for (let i = 0; i < K.rows; i++) tr += K.data[i * K.rows + i]!;
    expect(rel(k.trace, tr)).toBeLessThanOrEqual(1e-10);
    expect(rel(k.pr, prOf(K))).toBeLessThanOrEqual(1e-10);
    // output space: J_y over every parameter (cell + readout), from the training sweep
    const sub = { B: 3, T, X: X.subarray(0, 3 * T * D), Y: Y.subarray(0, 3 * T * O) };
    const { J } = outputJacobian(model, sub);
    expect(rel(k.prOutput!, prOf(syrk(J, true)))).toBeLessThanOrEqual(1e-10);
  });

  it('zero-input fixed points live on the full state and agree with an independent Newton solve (|Δh| ≤ 1e-8)', () => {
    const z = zeroInputAnalysis(model, { seed: 1, fixedPoints: { nStarts: 6 } });
    expect(z.points.length).toBeGreaterThan(0);
    const theta = model.params.subarray(0, model.layout.cellSize);
    const x0 = new Float64Array(D);
    const f = (h: Float64Array): Float64Array => model.cell.forward(theta, h.slice(), x0).out.slice();
    let checked = 0;
    for (const p of z.points) {
      expect(p.h.length).toBe(N);
      const fh = f(p.h);
      let res = 0;
      for (let i = 0; i < N; i++) res = Math.max(res, Math.abs(fh[i]! - p.h[i]!));
      expect(res).toBeLessThanOrEqual(1e-10);
      // the independent solve needs a hyperbolic point inside the cell's range: GRU states with
      // |h_i| > 1 are reached only where the update gate saturates (z = 1 to rounding, h ↦ h), a
      // numerical continuum of fixed points on which Newton's step is singular
      if (Math.abs(p.sigma) < 1e-3 || (cellOpts.cell === 'torch-gru' && p.h.some((v) => Math.abs(v) > 1))) continue;
      checked++;
      // Newton on g(h) = f(h) − h with central differences (step 1e-6), from a perturbed start
      let h = p.h.map((v, i) => v + 1e-3 * Math.cos(i));
      for (let it = 0; it < 30; it++) {
        const g = f(h).map((v, i) => v - h[i]!);
        const A: number[][] = Array.from({ length: N }, () => new Array<number>(N + 1).fill(0));
        const e = 1e-6;
        for (let j = 0; j < N; j++) {
          const hp = h.slice(), hm = h.slice();
          hp[j]! += e;
          hm[j]! -= e;
          const fp = f(hp), fm = f(hm);
          for (let i = 0; i < N; i++) A[i]![j] = (fp[i]! - fm[i]!) / (2 * e) - (i === j ? 1 : 0);
        }
        for (let i = 0; i < N; i++) A[i]![N] = -g[i]!;
        // Gaussian elimination with partial pivoting
        for (let c = 0; c < N; c++) {
          let piv = c;
          for (let r = c + 1; r < N; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
          [A[c], A[piv]] = [A[piv]!, A[c]!];
          for (let r = c + 1; r < N; r++) {
            const m = A[r]![c]! / A[c]![c]!;
            for (let q = c; q <= N; q++) A[r]![q]! -= m * A[c]![q]!;
          }
        }
        const dh = new Float64Array(N);
        for (let r = N - 1; r >= 0; r--) {
          let s = A[r]![N]!;
          for (let q = r + 1; q < N; q++) s -= A[r]![q]! * dh[q]!;
          dh[r] = s / A[r]![r]!;
        }
        h = h.map((v, i) => v + dh[i]!);
        if (Math.max(...dh.map(Math.abs)) < 1e-14) break;
      }
      for (let i = 0; i < N; i++) expect(Math.abs(h[i]! - p.h[i]!)).toBeLessThanOrEqual(1e-8);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('B*ᵀl equals central differences of lᵀ f(h*, 0; θ) (step 1e-6, 1e-6 of the largest entry)', () => {
    const z = zeroInputAnalysis(model, { seed: 1, fixedPoints: { nStarts: 6 } });
    expect(z.nearest).not.toBeNull();
    const hs = z.points[z.nearest!]!.h;
    const l = z.left!.re;
    const g = z.bStarL[0]!;
    const P = model.layout.cellSize;
    const x0 = new Float64Array(D);
    const lf = (th: Float64Array): number => {
      const out = model.cell.forward(th, hs.slice(), x0).out;
      let s = 0;
      for (let i = 0; i < N; i++) s += l[i]! * out[i]!;
      return s;
    };
    let scale = 0;
    const lAbs = l.reduce((a, v) => a + Math.abs(v), 0);
    for (let q = 0; q < P; q++) scale = Math.max(scale, Math.abs(g[q]!));
    for (let q = 0; q < P; q += 7) {
      const tp = model.params.slice(0, P), tm = model.params.slice(0, P);
      tp[q]! += 1e-6;
      tm[q]! -= 1e-6;
      const fd = (lf(tp) - lf(tm)) / 2e-6;
      // relative 1e-6 of the largest entry, plus the differences' rounding floor ε·Σ|l_i|/step
      expect(Math.abs(fd - g[q]!)).toBeLessThanOrEqual(1e-6 * scale + 1e-8 * lAbs);
    }
    // the readout has no part in B* (cell parameters only)
    for (let q = P; q < model.layout.size; q++) expect(g[q]).toBe(0);
    // the bias part: B*ᵀl on every layer's bias_ih/bias_hh block, 0 elsewhere
    const bias = z.bStarLBias[0]!;
    const inBias = new Uint8Array(model.layout.size);
    for (const b of model.layout.blocks) if (b.name.startsWith('bias_')) inBias.fill(1, b.offset, b.offset + b.rows * b.cols);
    expect(inBias.reduce((a, v) => a + v, 0)).toBe(2 * cellOpts.numLayers * (cellOpts.cell === 'torch-lstm' ? 4 : 3) * 3);
    for (let q = 0; q < model.layout.size; q++) expect(bias[q]).toBe(inBias[q] ? g[q] : 0);
  });

  it('the monitor core observes a step on the full state (trace = denseSntk trace, fixed points of length N)', () => {
    const core = createMonitorCore({ trials: 2, kernel: 'dense', fixedPointStarts: 4 });
    const config = parseTrainConfig({ steps: 2, task: { name: 'data', cell: cellOpts.cell, numLayers: cellOpts.numLayers, hiddenSize: 3 } });
    const o = core.observe({ step: 0, loss: 1, model, task, batch: task, natgrad: null, config });
    const { K } = denseSntk(model, rollout(model, X.subarray(0, 2 * T * D), { B: 2, T }));
    let tr = 0;
    for (let i = 0; i < K.rows; i++) tr += K.data[i * K.rows + i]!;
    expect(rel(o.extra.trace as number, tr)).toBeLessThanOrEqual(1e-10);
    expect(o.zeroInput.points.every((p) => p.h.length === N)).toBe(true);
    expect(o.eigenvaluesLine.jacobian.every((ev) => ev.length === N)).toBe(true);
  });
});

describe('monitor events on an LSTM: a fold between two checkpoints', () => {
  // the bistable LSTM of test/dynamics/torch-cells-bifurcation.test.ts, its g-gate bias moved
  const base = createModel(defineSpec({ cell: 'torch-lstm', hiddenSize: 1, inputSize: 1 }));
  base.params.set([0.3, -0.2, 3, 0.1], paramBlock(base.layout, 'weight_hh_l0').offset);
  base.params.set([0, 0, 0.1, 0], paramBlock(base.layout, 'bias_hh_l0').offset);
  const at = (s: number): Model => {
    const p = base.params.slice();
    p.set([1, 0.5, s, 2], paramBlock(base.layout, 'bias_ih_l0').offset);
    return withParams(base, p);
  };
  it('segmentBifurcations finds the saddle-node at the s of an independent continuation (|Δs| ≤ 1e-6)', () => {
    const s0 = -3, s1 = 3;
    const full = continueBranch(pathSystem(linePath(at(s0), at(s1))), { s0: 0, s1: 1, h0: Float64Array.of(-0.8, -1.5) });
    const folds = full.events.filter((e) => e.type === 'saddle-node').map((e) => s0 + e.s * (s1 - s0)).sort((a, b) => a - b);
    expect(folds).toHaveLength(2);
    const [a, b] = folds as [number, number];
    const sPrev = a - 0.4, sCur = (a + b) / 2; // one fixed point before, three after
    const prev = at(sPrev), cur = at(sCur);
    const zp = zeroInputAnalysis(prev, { seed: 0, fixedPoints: { nStarts: 24, scale: 2 } });
    const zc = zeroInputAnalysis(cur, { seed: 0, fixedPoints: { nStarts: 24, scale: 2 } });
    expect(zp.points.length).toBe(1);
    expect(zc.points.length).toBe(3);
    const segs = segmentBifurcations(prev, zp.points, cur, zc.points);
    const sn = segs.filter((e) => e.detectedAs === 'saddle-node');
    expect(sn.length).toBe(1);
    expect(Math.abs(sPrev + sn[0]!.s * (sCur - sPrev) - a)).toBeLessThanOrEqual(1e-6);
  });
});

describe('trainRun on examples/data-task.npz with LSTM and 2-layer students', () => {
  const data = loadTaskData({ file: 'data-task.npz', inputs: 'inputs', targets: 'targets', teacher: null }, join(import.meta.dirname, '..', '..', 'examples'));
  it.each([
    ['torch-lstm', 1],
    ['torch-gru', 2],
  ] as const)('%s with %i layer(s) reaches 0.1·L₀ with the monitor on', async (cell, numLayers) => {
    const out = mkdtempSync(join(tmpdir(), 'sntk-stateful-'));
    const config = parseTrainConfig({
        seed: 0,
        steps: 60,
        task: { name: 'data', file: 'data-task.npz', cell, numLayers, hiddenSize: 6, batchSize: 8, validation: 0.25 },
        optimizer: { kind: 'adam', learningRate: 0.03 },
        checkpointEvery: 30,
        monitorEvery: 20,
        monitor: { trials: 2, top: 3, fixedPointStarts: 2, continuation: false },
    });
    const mon = createMonitor({ ...config.monitor, seed: config.seed });
    const { summary: r } = await trainRun(config, { outDir: out, taskData: data, ...mon.hooks() });
    expect(r.status).toBe('completed');
    expect(r.stepsToTarget).not.toBeNull();
    expect(r.finalLoss!).toBeLessThanOrEqual(0.1 * r.initialLoss!);
    // the monitor wrote its columns from the full-state kernel
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.trace).toBeGreaterThan(0);
      expect(row.fixedPoints).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('data task sizes', () => {
  it('the run memory is checked on the full state before the student is allocated (InputError naming the part)', () => {
    const config = parseTrainConfig({ task: { name: 'data', cell: 'torch-lstm', numLayers: 3, hiddenSize: 3000 } });
    expect(() => buildTask(config, { X, Y, B, T, D, O })).toThrow(/^task: the run would need about .* GiB .*over the memory budget/);
    const small = parseTrainConfig({ task: { name: 'data', cell: 'torch-lstm', numLayers: 2, hiddenSize: 3 } });
    expect(buildTask(small, { X, Y, B, T, D, O }).student.cell.N).toBe(12);
  });
});
