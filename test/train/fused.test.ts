import { describe, expect, it } from 'vitest';
import { fusedSweep, outputJacobian } from '../../src/train/sweep.js';
import { pitchforkTask, flipFlopTask, templateTask } from '../../src/train/tasks/index.js';
import type { Task } from '../../src/train/tasks/index.js';
import { createRng } from '../../src/linalg/random.js';
import { gemv, getBackend } from '../../src/linalg/index.js';
import { rollout, trajectoryJvp, trajectoryVjp, mseLoss, randomModel } from '../../src/models/index.js';
import type { CellKind, Model } from '../../src/models/index.js';

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

/** The pitchfork task's data with a random student of another cell (all parameters trainable). */
function withCell(task: Task, cell: CellKind, seed: number): Task {
  const s = task.student.spec;
  const student = randomModel({ ...s, cell, alpha: cell === 'leaky' || cell === 'rate' ? 0.5 : 1 }, seed, { gain: 0.9, biasScale: 0.1 });
  return { ...task, name: `${task.name}-${cell}`, student, trainable: new Uint8Array(student.layout.size).fill(1) };
}

const small = (): Task[] => [
  pitchforkTask({ seed: 3, hiddenSize: 6, T: 12, B: 4 }),
  flipFlopTask({ seed: 1, bits: 2, hiddenSize: 5, T: 10, B: 3 }),
  templateTask({ seed: 2, hiddenSize: 5, inputSize: 4, T: 8, B: 3, inputRank: 2 }),
  withCell(pitchforkTask({ seed: 4, hiddenSize: 5, T: 9, B: 3 }), 'leaky', 1),
  withCell(pitchforkTask({ seed: 5, hiddenSize: 5, T: 9, B: 3 }), 'rate', 2),
  withCell(pitchforkTask({ seed: 6, hiddenSize: 5, T: 9, B: 3 }), 'gru', 3),
  { ...pitchforkTask({ seed: 7, hiddenSize: 6, T: 9, B: 4 }), name: 'state-target', target: 'state' as const, Y: new Float64Array(4 * 9 * 6).map((_, i) => Math.sin(i)) },
];

/**
 * Reference: loss, gradient, `J_y v` and `F_y v` one vector and one step at a time through the
 * Cell's single-vector methods (forward, jvpH, jvpTheta, vjpH, vjpTheta) and the readout by hand.
 */
function reference(m: Model, task: Task, dirs: Float64Array[], trials: number[]): { loss: number; grad: Float64Array; JV: Float64Array[]; Fv: Float64Array[] } {
  const { cell } = m;
  const N = m.spec.hiddenSize, D = m.spec.inputSize, Pc = m.layout.cellSize, P = m.layout.size;
  const { B, T } = task;
  const state = task.target === 'state';
  const O = state ? N : m.spec.outputSize;
  const theta = m.params.subarray(0, Pc);
  const C = m.params.subarray(Pc, Pc + O * N), d = m.params.subarray(Pc + O * N, Pc + O * N + O);
  const caches = new Array(B * T);
  const H = new Float64Array(B * T * N);
  const y = new Float64Array(B * T * O);
  for (let b = 0; b < B; b++) {
    let h: Float64Array = task.h0 ? task.h0.slice(b * N, (b + 1) * N) : new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const r = b * T + t;
      const c = cell.forward(theta, h, task.X.subarray(r * D, (r + 1) * D));
      caches[r] = c;
      h = c.out;
      H.set(h, r * N);
      for (let o = 0; o < O; o++) {
        let s = state ? h[o]! : d[o]!;
        if (!state) for (let i = 0; i < N; i++) s += C[o * N + i]! * h[i]!;
        y[r * O + o] = s;
      }
    }
  }
  let loss = 0;
  const eps = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const e = y[i]! - task.Y[i]!;
    loss += e * e;
    eps[i] = e / y.length;
  }
  loss *= 0.5 / y.length;
  // J_yᵀ e over the given trials for cotangent e(row, o)
  const vjp = (e: (r: number, o: number) => number, rows: number[]): Float64Array => {
    const g = new Float64Array(P);
    const lam = new Float64Array(N), a = new Float64Array(N), t1 = new Float64Array(N);
    for (const b of rows) {
      lam.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const r = b * T + t;
        a.set(lam);
        for (let o = 0; o < O; o++) {
          const eo = e(r, o);
          if (state) a[o]! += eo;
          else {
            for (let i = 0; i < N; i++) {
              a[i]! += C[o * N + i]! * eo;
              g[Pc + o * N + i]! += eo * H[r * N + i]!;
            }
            g[Pc + O * N + o]! += eo;
          }
        }
        cell.vjpTheta(theta, caches[r], a, g.subarray(0, Pc));
        if (t > 0) {
          cell.vjpH(theta, caches[r], a, t1);
          lam.set(t1);
        }
      }
    }
    for (let p = 0; p < P; p++) if (!task.trainable[p]) g[p] = 0;
    return g;
  };
  const all = Array.from({ length: B }, (_, b) => b);
  const grad = vjp((r, o) => eps[r * O + o]!, all);
  const JV: Float64Array[] = [];
  const Fv: Float64Array[] = [];
  for (const v of dirs) {
    const jv = new Float64Array(B * T * O);
    const dh = new Float64Array(N), t1 = new Float64Array(N), t2 = new Float64Array(N);
    for (const b of trials) {
      dh.fill(0);
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        if (t > 0) cell.jvpH(theta, caches[r], dh, t1);
        else t1.fill(0);
        cell.jvpTheta(theta, caches[r], v.subarray(0, Pc), t2);
        for (let i = 0; i < N; i++) dh[i] = t1[i]! + t2[i]!;
        for (let o = 0; o < O; o++) {
          let s = state ? dh[o]! : v[Pc + O * N + o]!;
          if (!state) for (let i = 0; i < N; i++) s += C[o * N + i]! * dh[i]! + v[Pc + o * N + i]! * H[r * N + i]!;
          jv[r * O + o] = s;
        }
      }
    }
    JV.push(Float64Array.from(trials.flatMap((b) => Array.from(jv.subarray(b * T * O, (b + 1) * T * O)))));
    Fv.push(vjp((r, o) => jv[r * O + o]! / (trials.length * T), trials));
  }
  return { loss, grad, JV, Fv };
}

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

  it('equals a one-vector, one-step reference through the Cell methods for every cell and target (loss, gradient, J_y v, F_y v; 1e-12)', () => {
    for (const task of small()) {
      const dirs = [randDir(task, 11), randDir(task, 12), randDir(task, 13)];
      for (const trials of [undefined, [2, 0]]) {
        const all = Array.from({ length: task.B }, (_, b) => b);
        const ref = reference(task.student, task, dirs, trials ?? all);
        const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, keepJV: true, ...(trials ? { fisherTrials: trials } : {}) });
        expect(Math.abs(r.loss - ref.loss) / ref.loss, task.name).toBeLessThan(1e-12);
        expect(relErr(r.grad, ref.grad), task.name).toBeLessThan(1e-12);
        for (let i = 0; i < dirs.length; i++) {
          expect(relErr(r.Fv[i]!, ref.Fv[i]!), task.name).toBeLessThan(1e-12);
          const col = Float64Array.from({ length: r.JV!.rows }, (_, q) => r.JV!.data[q * dirs.length + i]!);
          expect(relErr(col, ref.JV[i]!), task.name).toBeLessThan(1e-12);
          // the block form of the result holds the same columns
          for (let p = 0; p < r.Fv[i]!.length; p++) expect(r.FvBlock.data[p * dirs.length + i]).toBe(r.Fv[i]![p]);
        }
      }
    }
  });

  it('directions as a P × k block give the same result as the vector list (bitwise)', () => {
    const task = small()[5]!;
    const dirs = [randDir(task, 51), randDir(task, 52)];
    const P = task.student.layout.size;
    const V = { rows: P, cols: 2, data: new Float64Array(P * 2) };
    for (let p = 0; p < P; p++) for (let j = 0; j < 2; j++) V.data[p * 2 + j] = dirs[j]![p]!;
    const a = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs });
    const b = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: V });
    expect(Array.from(b.FvBlock.data)).toEqual(Array.from(a.FvBlock.data));
    expect(() => fusedSweep(task.student, task, { directions: { rows: P - 1, cols: 1, data: new Float64Array(P - 1) } })).toThrow(/expected/);
  });

  it('fused F_y v equals J_yᵀ(J_y v)/(BT) from a dense Jacobian (1e-12)', () => {
    for (const task of small()) {
      const dirs = [randDir(task, 21), randDir(task, 22)];
      const { J, index } = outputJacobian(task.student, task, { target: task.target, mask: task.trainable });
      const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs });
      for (let i = 0; i < dirs.length; i++) {
        const vc = Float64Array.from(index, (p) => dirs[i]![p]!);
        const Jv = gemv(J, vc);
        const Fv = gemv(J, Jv, true).map((x) => x / (task.B * task.T));
        const got = Float64Array.from(index, (p) => r.Fv[i]![p]!);
        expect(relErr(got, Fv), task.name).toBeLessThan(1e-12);
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
      const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, fisherTrials: trials });
      for (let i = 0; i < dirs.length; i++) expect(relErr(r.Fv[i]!, ref.Fv[i]!), task.name).toBeLessThan(1e-12);
      const full = fusedSweep(task.student, task, { target: task.target, mask: task.trainable });
      expect(relErr(r.grad, full.grad)).toBeLessThan(1e-14);
    }
  });

  it('three directions (the unrolled three-column paths) give the first three columns of a four-direction sweep (bit for bit on js, to 1e-13 on native)', () => {
    for (const task of small()) {
      const dirs = [randDir(task, 71), randDir(task, 72), randDir(task, 73)];
      const four = [...dirs, randDir(task, 74)];
      const trials = task.B >= 3 ? { fisherTrials: [1, 2] } : {};
      const a = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, keepJV: true, ...trials });
      const b = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: four, keepJV: true, ...trials });
      const col = (M: { rows: number; cols: number; data: Float64Array }, j: number): number[] => Array.from({ length: M.rows }, (_, r) => M.data[r * M.cols + j]!);
      // bit for bit on the pure TypeScript kernels; OpenBLAS may sum a 3-column and a 4-column
      // product in different orders, so on the native backend: equal to 1e-13 of the column's scale
      const exact = getBackend().name === 'js';
      for (let j = 0; j < 3; j++) {
        for (const [x, y] of [[col(a.FvBlock, j), col(b.FvBlock, j)], [col(a.JV!, j), col(b.JV!, j)]] as const) {
          if (exact) expect(x, task.name).toEqual(y);
          else {
            const scale = Math.max(...y.map(Math.abs), 1e-300);
            expect(Math.max(...x.map((v, i) => Math.abs(v - y[i]!))) / scale, task.name).toBeLessThan(1e-13);
          }
        }
      }
    }
  });

  it('consecutive Fisher trials (a rotating block: views of the rollout, no copies) give the sub-batch Fisher bit for bit', () => {
    let ran = 0;
    for (const task of small()) {
      const { B, T } = task;
      if (B < 3) continue;
      ran++;
      const trials = [1, 2];
      const dirs = [randDir(task, 61), randDir(task, 62), randDir(task, 63)];
      const D = task.X.length / (B * T);
      const O = task.Y.length / (B * T);
      const sub = { B: 2, T, X: task.X.slice(T * D, 3 * T * D), Y: task.Y.slice(T * O, 3 * T * O) };
      const ref = fusedSweep(task.student, sub, { target: task.target, mask: task.trainable, directions: dirs, keepJV: true });
      const r = fusedSweep(task.student, task, { target: task.target, mask: task.trainable, directions: dirs, fisherTrials: trials, keepJV: true });
      expect(Array.from(r.FvBlock.data), task.name).toEqual(Array.from(ref.FvBlock.data));
      expect(Array.from(r.JV!.data), task.name).toEqual(Array.from(ref.JV!.data));
    }
    expect(ran).toBeGreaterThan(2);
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

