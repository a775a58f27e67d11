import { describe, expect, it } from 'vitest';
import { pitchforkTask, templateTask, flipFlopTask, plusAttractor, maskCount } from '../../src/train/index.js';
import { generalEigen, matrix } from '../../src/linalg/index.js';

describe('tasks', () => {
  it('pitchfork: calibrated teacher and student (outlier ≈ 1.36, + attractor reads +1, P = 288)', () => {
    const t = pitchforkTask({ seed: 0 });
    expect([t.B, t.T, t.X.length, t.Y.length]).toEqual([32, 60, 1920, 1920]);
    expect(maskCount(t.trainable)).toBe(288);
    const N = 16;
    const Wt = t.teacher!.params.subarray(0, N * N);
    const ev = generalEigen(matrix(N, N, Wt.slice()), { vectors: false });
    let maxRe = -Infinity;
    for (let i = 0; i < N; i++) if (Math.abs(ev.im[i]!) < 1e-12) maxRe = Math.max(maxRe, ev.re[i]!);
    expect(maxRe).toBeGreaterThan(1.3);
    expect(maxRe).toBeLessThan(1.45);
    // readout of the + attractor is +1, of the − attractor −1 (odd symmetry)
    const C = t.teacher!.params.subarray(N * N + 2 * N, N * N + 3 * N);
    const u = C.map((x) => x); // C ∥ u
    const hp = plusAttractor(Wt, N, u);
    let y = 0;
    for (let i = 0; i < N; i++) y += C[i]! * hp[i]!;
    expect(y).toBeCloseTo(1, 12);
    // student W = 0.4·Q′ : W Wᵀ = 0.16 I; U, C copied
    const Ws = t.student.params.subarray(0, N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += Ws[i * N + k]! * Ws[j * N + k]!;
      expect(s).toBeCloseTo(i === j ? 0.16 : 0, 12);
    }
    expect(Array.from(t.student.params.subarray(N * N))).toEqual(Array.from(t.teacher!.params.subarray(N * N)).map((v, i) => (i >= N && i < 2 * N ? 0 : v)));
    // every trial has a pulse in its first 5 steps; pulses are ±1
    for (let b = 0; b < t.B; b++) expect(Array.from(t.X.subarray(b * 60, b * 60 + 5)).some((x) => x !== 0)).toBe(true);
    expect(t.X.every((x) => x === 0 || x === 1 || x === -1)).toBe(true);
  });

  it('tasks are deterministic in the seed and differ across seeds', () => {
    const a = pitchforkTask({ seed: 7 });
    const b = pitchforkTask({ seed: 7 });
    const c = pitchforkTask({ seed: 8 });
    expect(a.Y).toEqual(b.Y);
    expect(a.student.params).toEqual(b.student.params);
    expect(a.Y).not.toEqual(c.Y);
    const f1 = flipFlopTask({ seed: 1, resample: true });
    const f2 = flipFlopTask({ seed: 1, resample: true });
    expect(f1.batchAt!(5).X).toEqual(f2.batchAt!(5).X);
    expect(f1.batchAt!(5).X).not.toEqual(f1.batchAt!(6).X);
  });

  it('template: sizes, input rank and teacher-state targets', () => {
    const t = templateTask({ seed: 1 });
    expect([t.B, t.T, t.student.spec.hiddenSize, t.student.spec.inputSize]).toEqual([128, 40, 64, 16]);
    expect(t.target).toBe('state');
    expect(t.Y.length).toBe(128 * 40 * 64);
    // inputs have rank 5 (seed 1 → 4 + 1): the 16×16 Gram matrix has 5 nonzero eigenvalues
    const D = 16;
    const G = new Float64Array(D * D);
    for (let r = 0; r < 200; r++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) G[i * D + j]! += t.X[r * D + i]! * t.X[r * D + j]!;
    const ev = generalEigen(matrix(D, D, G), { vectors: false });
    const big = Array.from(ev.re).filter((x) => Math.abs(x) > 1e-8 * Math.max(...ev.re.map(Math.abs))).length;
    expect(big).toBe(5);
  });

  it('flip-flop: targets hold the last pulse of each bit', () => {
    const t = flipFlopTask({ seed: 2, bits: 2, T: 30, B: 4 });
    for (let b = 0; b < 4; b++) for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let tt = 0; tt < 30; tt++) {
        const i = (b * 30 + tt) * 2 + k;
        if (t.X[i] !== 0) s = t.X[i]!;
        expect(t.Y[i]).toBe(s);
      }
    }
    expect(maskCount(t.trainable)).toBe(t.student.layout.size);
  });
});
