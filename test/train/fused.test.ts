import { describe, expect, it } from 'vitest';
import { fusedSweep, outputJacobian } from '../../src/train/fused-sweep.js';
import { pitchforkTask, flipFlopTask, templateTask } from '../../src/train/tasks/index.js';
import type { Task } from '../../src/train/tasks/index.js';
import { createRng } from '../../src/linalg/random.js';
import { gemv } from '../../src/linalg/index.js';
import { rollout, trajectoryJvp, trajectoryVjp, mseLoss } from '../../src/models/index.js';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

function randDir(task: Task, seed: number): Float64Array {
  const v = new Float64Array(task.student.layout.size);
  createRng(seed).fillNormal(v);
  for (let i = 0; i < v.length; i++) if (!task.trainable[i]) v[i] = 0;
  return v;
}

const small = (): Task[] => [
  pitchforkTask({ seed: 3, hiddenSize: 6, T: 12, B: 4 }),
  flipFlopTask({ seed: 1, bits: 2, hiddenSize: 5, T: 10, B: 3 }),
  templateTask({ seed: 2, hiddenSize: 5, inputSize: 4, T: 8, B: 3, inputRank: 2 }),
];

describe('fused sweep', () => {
  it('training-loss gradient matches central differences (rel ≤ 1e-6)', () => {
    for (const task of small()) {
      const m = task.student;
      const r = fusedSweep(m, task, { target: task.target, mask: task.trainable });
      const fd = new Float64Array(m.layout.size);
      const h = 1e-5;
      for (let p = 0; p < fd.length; p++) {
        if (!task.trainable[p]) continue;
        const x0 = m.params[p]!;
        m.params[p] = x0 + h;
        const lp = fusedSweep(m, task, { target: task.target, grad: false }).loss;
        m.params[p] = x0 - h;
        const lm = fusedSweep(m, task, { target: task.target, grad: false }).loss;
        m.params[p] = x0;
        fd[p] = (lp - lm) / (2 * h);
      }
      const e = relErr(r.grad, fd);
      expect(e, task.name).toBeLessThan(1e-6);
    }
  });

  it('vanilla fast path equals the generic Cell-method path (1e-12)', () => {
    for (const task of small()) {
      const dirs = [randDir(task, 11), randDir(task, 12), randDir(task, 13)];
      const a = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, impl: 'generic', keepJV: true });
      const b = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, impl: 'vanilla', keepJV: true });
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-12);
      expect(relErr(b.grad, a.grad)).toBeLessThan(1e-12);
      for (let i = 0; i < dirs.length; i++) expect(relErr(b.Fv[i]!, a.Fv[i]!)).toBeLessThan(1e-12);
      expect(relErr(b.JV!.data, a.JV!.data)).toBeLessThan(1e-12);
    }
  });

  it('fused F_y v equals J_yᵀ(J_y v)/(BT) from a dense Jacobian (1e-12)', () => {
    for (const task of small()) {
      const dirs = [randDir(task, 21), randDir(task, 22)];
      const { J, index } = outputJacobian(task.student, task, { target: task.target, mask: task.trainable });
      for (const impl of ['generic', 'vanilla'] as const) {
        const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, impl });
        for (let i = 0; i < dirs.length; i++) {
          const vc = Float64Array.from(index, (p) => dirs[i]![p]!);
          const Jv = gemv(J, vc);
          const Fv = gemv(J, Jv, true).map((x) => x / (task.B * task.T));
          const got = Float64Array.from(index, (p) => r.Fv[i]![p]!);
          expect(relErr(got, Fv)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('a Fisher trial subset gives the Fisher of that sub-batch (1e-12)', () => {
    for (const task of small()) {
      const trials = [2, 0];
      const dirs = [randDir(task, 31), randDir(task, 32)];
      const { B, T } = task;
      const D = task.X.length / (B * T);
      const O = task.Y.length / (B * T);
      const sub = {
        B: trials.length,
        T,
        X: Float64Array.from(trials.flatMap((b) => Array.from(task.X.subarray(b * T * D, (b + 1) * T * D)))),
        Y: Float64Array.from(trials.flatMap((b) => Array.from(task.Y.subarray(b * T * O, (b + 1) * T * O)))),
      };
      const ref = fusedSweep(task.student, sub, { target: task.target, mask: task.trainable, directions: dirs });
      for (const impl of ['generic', 'vanilla'] as const) {
        const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, fisherTrials: trials, impl });
        for (let i = 0; i < dirs.length; i++) expect(relErr(r.Fv[i]!, ref.Fv[i]!)).toBeLessThan(1e-12);
        const full = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, impl });
        expect(relErr(r.grad, full.grad)).toBeLessThan(1e-14);
      }
    }
  });

  it('fused F_y v equals separate models-layer JVP/VJP calls, and the loss/gradient equal mseLoss (1e-12)', () => {
    for (const task of [pitchforkTask({ seed: 5, hiddenSize: 7, T: 20, B: 5 }), pitchforkTask({ seed: 6 })]) {
      const m = task.student;
      const N = m.spec.hiddenSize;
      const Pc = m.layout.cellSize;
      const BT = task.B * task.T;
      const traj = rollout(m, task.X, { B: task.B, T: task.T });
      const C = m.params.subarray(Pc, Pc + N); // O = 1
      const dirs = [randDir(task, 41), randDir(task, 42), randDir(task, 43)];
      const r = fusedSweep(m, task, { mask: task.trainable, directions: dirs });
      for (let i = 0; i < dirs.length; i++) {
        const dH = trajectoryJvp(m, traj, dirs[i]!); // C fixed: J_y v = (I ⊗ C) J v
        const E = new Float64Array(BT * N);
        for (let row = 0; row < BT; row++) {
          let y = 0;
          for (let n = 0; n < N; n++) y += C[n]! * dH[row * N + n]!;
          for (let n = 0; n < N; n++) E[row * N + n] = (C[n]! * y) / BT;
        }
        const Fv = trajectoryVjp(m, traj, E);
        expect(relErr(r.Fv[i]!.subarray(0, Pc), Fv)).toBeLessThan(1e-12);
      }
      const ref = mseLoss(m, traj, task.Y);
      expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-13);
      expect(relErr(r.grad.subarray(0, Pc), ref.grad.subarray(0, Pc))).toBeLessThan(1e-12);
    }
  });
});

describe('fusedSweep: GEMM-shaped direction recurrences', () => {
  it('directionGemms true equals the per-row loops (F_y v and J_y v rel 1e-12; all trials and a Fisher block; output and state targets)', () => {
    const tasks: Task[] = [...small(), { ...pitchforkTask({ seed: 4, hiddenSize: 6, T: 9, B: 4 }), target: 'state' as const, Y: new Float64Array(4 * 9 * 6).map((_, i) => Math.sin(i)) }];
    for (const task of tasks) {
      if (task.student.spec.cell !== 'vanilla') continue;
      const dirs = [randDir(task, 1), randDir(task, 2), randDir(task, 3)];
      for (const ft of [undefined, [2, 0]]) {
        const base = { target: task.target, mask: task.trainable, directions: dirs, keepJV: true, ...(ft ? { fisherTrials: ft } : {}) };
        const a = fusedSweep(task.student, task, { ...base, directionGemms: false });
        const b = fusedSweep(task.student, task, { ...base, directionGemms: true });
        for (let i = 0; i < dirs.length; i++) expect(relErr(b.Fv[i]!, a.Fv[i]!)).toBeLessThan(1e-12);
        expect(relErr(b.JV!.data, a.JV!.data)).toBeLessThan(1e-12);
        expect(relErr(b.grad, a.grad)).toBeLessThan(1e-15);
      }
    }
  });
});
