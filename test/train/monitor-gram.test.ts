/** The monitor's fast dense route: the state Gram by block VJP, the top vector by inverse iteration, the bias-part alignment. */
import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import { rollout } from '../../src/models/index.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';
import { getBackend, setBackend, symmetricEigen, syrk } from '../../src/linalg/index.js';
import { zeros } from '../../src/linalg/matrix.js';
import { pitchforkTask } from '../../src/train/tasks/pitchfork.js';
import { gramSpectrumAndTop, monitorKernel, spanAlignment, stateGram, trainableCellIndex, zeroInputAnalysis } from '../../src/train/monitor/index.js';

const before = getBackend().name;
afterEach(() => setBackend(before));

function selectCols(J: { rows: number; cols: number; data: Float64Array }, idx: Int32Array) {
  const out = zeros(J.rows, idx.length);
  for (let r = 0; r < J.rows; r++) for (let c = 0; c < idx.length; c++) out.data[r * idx.length + c] = J.data[r * J.cols + idx[c]!]!;
  return out;
}

describe('stateGram', () => {
  for (const trainBias of [true, false]) {
    it(`block-VJP Gram equals SYRK of J (rel 1e-12; trainBias ${trainBias})`, () => {
      setBackend('js'); // the block-VJP route
      const task = pitchforkTask({ seed: 5, hiddenSize: 6, T: 9, B: 4, trainBias });
      const m = task.student;
      const traj = rollout(m, task.X, { B: task.B, T: task.T });
      const idx = trainableCellIndex(m, task.trainable);
      const J = selectCols(denseJacobian(m, traj), idx);
      const G = stateGram(m, traj, J, idx);
      const R = syrk(J, true);
      let d = 0, s = 0;
      for (let i = 0; i < R.data.length; i++) {
        d = Math.max(d, Math.abs(G.data[i]! - R.data[i]!));
        s = Math.max(s, Math.abs(R.data[i]!));
      }
      expect(G.rows).toBe(idx.length);
      expect(d / s).toBeLessThan(1e-12);
      // exactly symmetric
      for (let a = 0; a < G.rows; a++) for (let b = 0; b < a; b++) expect(G.data[a * G.rows + b]).toBe(G.data[b * G.rows + a]);
    });
  }
});

describe('gramSpectrumAndTop', () => {
  it('spectrum and top vector equal the full eigendecomposition (rel 1e-10, |cos| > 1 − 1e-10), with and without a warm start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 2, max: 12 }), (seed, n) => {
        // random PSD matrix A Aᵀ with a distinct top eigenvalue (almost surely)
        const A = zeros(n, n + 2);
        let x = seed + 1;
        for (let i = 0; i < A.data.length; i++) {
          x = (x * 16807) % 2147483647;
          A.data[i] = x / 2147483647 - 0.5;
        }
        const G = syrk(A, false);
        const idx = Int32Array.from({ length: n }, (_, i) => i);
        const full = symmetricEigen(G, { vectors: true });
        const ref = new Float64Array(n);
        for (let q = 0; q < n; q++) ref[q] = full.vectors!.data[q * n + n - 1]!;
        for (const warm of [null, Float64Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0))]) {
          const r = gramSpectrumAndTop(G, warm, idx);
          for (let i = 0; i < n; i++) expect(Math.abs(r.spectrum[i]! - full.values[n - 1 - i]!)).toBeLessThan(1e-10 * full.values[n - 1]!);
          let c = 0;
          for (let q = 0; q < n; q++) c += r.topVector[q]! * ref[q]!;
          expect(Math.abs(c)).toBeGreaterThan(1 - 1e-10);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('monitorKernel: the js (block VJP + inverse iteration) and native-or-js SYRK routes agree on PR, trace and the top direction (rel 1e-10)', () => {
    const task = pitchforkTask({ seed: 2, hiddenSize: 6, T: 10, B: 4 });
    setBackend('js');
    const a = monitorKernel(task.student, task, { mask: task.trainable, method: 'dense' });
    // reference: SYRK + full eigendecomposition by hand
    const m = task.student;
    const traj = rollout(m, task.X, { B: task.B, T: task.T });
    const idx = trainableCellIndex(m, task.trainable);
    const G = syrk(selectCols(denseJacobian(m, traj), idx), true);
    const e = symmetricEigen(G, { vectors: true });
    let tr = 0, f2 = 0;
    for (const v of e.values) {
      tr += v;
      f2 += v * v;
    }
    expect(Math.abs(a.trace - tr) / tr).toBeLessThan(1e-10);
    expect(Math.abs(a.pr - (tr * tr) / f2) / a.pr).toBeLessThan(1e-10);
    const p = idx.length;
    let c = 0;
    for (let q = 0; q < p; q++) c += a.topVector[idx[q]!]! * e.vectors!.data[q * p + p - 1]!;
    expect(Math.abs(c)).toBeGreaterThan(1 - 1e-10);
  });
});

describe('zeroInputAnalysis: bias part of B*ᵀl', () => {
  it('is the b block of B*ᵀl (zero elsewhere), and equals B*ᵀl when h* = 0 (|cos| = 1 to 1e-12)', () => {
    const task = pitchforkTask({ seed: 1, hiddenSize: 6, T: 10, B: 3 });
    const m = task.student; // b = 0 at the start: the origin is a fixed point
    const z = zeroInputAnalysis(m, { mask: task.trainable, seed: 0 });
    expect(z.bStarLBias.length).toBe(z.bStarL.length);
    const blk = m.layout.blocks.find((b) => b.name === 'b')!;
    const v = z.bStarLBias[0]!;
    for (let i = 0; i < v.length; i++) {
      const inB = i >= blk.offset && i < blk.offset + blk.rows * blk.cols;
      if (inB) expect(v[i]).toBe(z.bStarL[0]![i]);
      else expect(v[i]).toBe(0);
    }
    const origin = z.points.findIndex((p) => Math.hypot(...p.h) < 1e-10);
    if (origin === z.nearest) {
      expect(z.hStarNorm!).toBeLessThan(1e-10);
      expect(spanAlignment(z.bStarL[0]!, z.bStarLBias)!).toBeGreaterThan(1 - 1e-12);
    } else {
      expect(z.hStarNorm!).toBeGreaterThan(0);
    }
  });
});
