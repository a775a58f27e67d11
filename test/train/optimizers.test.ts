import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/linalg/matrix.js';
import fc from 'fast-check';
import { fusedSweep, outputJacobian } from '../../src/train/sweep.js';
import { pitchforkTask } from '../../src/train/tasks/index.js';
import { denseDampedSolve, woodburyDampedSolve, gaussNewton, lowRankNaturalGradient, lowRankPrecondition, sgd, adam, clipGradNorm } from '../../src/train/optimizers/index.js';
import { orthonormalizeInMask, rayleighRitzBlock } from '../../src/train/optimizers/natgrad.js';
import { toCols } from '../../src/linalg/iterative/block.js';
import type { StepContext } from '../../src/train/optimizers/index.js';
import { createRng } from '../../src/linalg/random.js';
import { gemv, matrix } from '../../src/linalg/index.js';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

describe('Gauss–Newton reference', () => {
  it('Woodbury Jᵀ(JJᵀ+λI)⁻¹e equals dense (JᵀJ+λI)⁻¹Jᵀe to 1e-10 (random shapes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 20 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.integer({ min: 0, max: 1e6 }), (n, p, lam, seed) => {
        const rng = createRng(seed);
        const J = matrix(n, p, new Float64Array(n * p));
        rng.fillNormal(J.data);
        const e = new Float64Array(n);
        rng.fillNormal(e);
        const g = gemv(J, e, true);
        const a = woodburyDampedSolve(J, e, lam);
        const b = denseDampedSolve(J, g, lam);
        expect(relErr(a, b)).toBeLessThan(1e-10);
      }),
      { numRuns: 30 },
    );
  });

  it('the optimizer (Woodbury path) equals the dense solve on the pitchfork task', () => {
    const task = pitchforkTask({ seed: 1, hiddenSize: 5, T: 6, B: 3 });
    const m = task.student;
    const r = fusedSweep(m, task, { mask: task.trainable });
    const { J, index } = outputJacobian(m, task, { mask: task.trainable });
    expect(J.rows).toBeLessThan(J.cols);
    const n = r.residual.length;
    const eps = r.residual.map((x) => x / n);
    const BT = task.B * task.T;
    const ctx: StepContext = { step: 0, loss: r.loss, Fv: [], mask: task.trainable, gaussNewton: () => ({ J, index, eps, BT }) };
    const lam = 0.3;
    const uW = gaussNewton({ learningRate: 1, damping: lam, method: 'woodbury' }).step(m.params, r.grad, ctx);
    const uD = gaussNewton({ learningRate: 1, damping: lam, method: 'dense' }).step(m.params, r.grad, ctx);
    expect(relErr(uW, uD)).toBeLessThan(1e-10);
    // Dense check against (F + λI)⁻¹ g with F = JᵀJ/(BT).
    const Js = matrix(J.rows, J.cols, J.data.map((x) => x / Math.sqrt(BT)));
    const g = Float64Array.from(index, (p) => r.grad[p]!);
    const ref = denseDampedSolve(Js, g, lam);
    expect(relErr(Float64Array.from(index, (p) => -uD[p]!), ref)).toBeLessThan(1e-10);
  });
});

describe('low-rank natural gradient', () => {
  it('with k = rank(F_y) and the same fixed damping equals the full version λ(F+λI)⁻¹g (1e-9)', () => {
    const task = pitchforkTask({ seed: 4, hiddenSize: 6, T: 5, B: 1 }); // rank F_y ≤ BT·O = 5 < 48 params
    const m = task.student;
    const r = fusedSweep(m, task, { mask: task.trainable });
    const { J, index } = outputJacobian(m, task, { mask: task.trainable });
    const rank = J.rows; // generic: full row rank
    const lam = 0.05;
    const applyFisher = (V: Float64Array[]) => fusedSweep(m, task, { mask: task.trainable, directions: V, grad: false }).Fv;
    const ng = lowRankNaturalGradient({ learningRate: 1, k: rank, damping: lam, warmup: 3, seed: 9 });
    const u = ng.step(m.params, r.grad, { step: 0, loss: r.loss, Fv: [], mask: task.trainable, applyFisher });
    const n = r.residual.length;
    const eps = r.residual.map((x) => x / n);
    const gn = gaussNewton({ learningRate: 1, damping: lam, scaleByDamping: true });
    const ref = gn.step(m.params, r.grad, { step: 0, loss: r.loss, Fv: [], gaussNewton: () => ({ J, index, eps, BT: task.B * task.T }) });
    expect(relErr(u, ref)).toBeLessThan(1e-9);
    for (let p = 0; p < u.length; p++) if (!task.trainable[p]) expect(Math.abs(u[p]!)).toBe(0);
  });

  it('the subspace iteration finds the top eigenpairs of F_y (Ritz values vs dense)', () => {
    const task = pitchforkTask({ seed: 2, hiddenSize: 6, T: 20, B: 4 });
    const m = task.student;
    const { J } = outputJacobian(m, task, { mask: task.trainable });
    const BT = task.B * task.T;
    // dense eigenvalues of F = JᵀJ/BT via JJᵀ/BT (same nonzero spectrum)
    const G = new Float64Array(J.rows * J.rows);
    for (let i = 0; i < J.rows; i++) for (let j = 0; j < J.rows; j++) {
      let s = 0;
      for (let c = 0; c < J.cols; c++) s += J.data[i * J.cols + c]! * J.data[j * J.cols + c]!;
      G[i * J.rows + j] = s / BT;
    }
    // power-free check: compare Ritz values after many steps
    const ng = lowRankNaturalGradient({ learningRate: 1e-9, k: 2, warmup: 200, seed: 1 });
    const r = fusedSweep(m, task, { mask: task.trainable });
    ng.step(m.params, r.grad, { step: 0, loss: r.loss, Fv: [], mask: task.trainable, applyFisher: (V) => fusedSweep(m, task, { mask: task.trainable, directions: V, grad: false }).Fv });
    const ev = Array.from(symEig(G, J.rows)).sort((a, b) => b - a);
    const rv = ng.ritzValues();
    expect(Math.abs(rv[0]! - ev[0]!) / ev[0]!).toBeLessThan(1e-8);
    expect(Math.abs(rv[1]! - ev[1]!) / ev[0]!).toBeLessThan(1e-6);
  });

  it('carried steps in the kept buffers equal Rayleigh–Ritz, precondition and orthonormalisation on fresh blocks, bit for bit; directions() stays valid through the next step', () => {
    // a fixed SPD "Fisher" F = A Aᵀ + diag, P = 37 with a mask, k = 2 (3 carried directions)
    const P = 37, lr = 0.3, seed = 5;
    const rng = createRng('kept-buffers');
    const A = new Float64Array(P * 6);
    rng.fillNormal(A);
    const mask = new Uint8Array(P).fill(1);
    mask[3] = 0;
    mask[20] = 0;
    const applyF = (V: { rows: number; cols: number; data: Float64Array }) => {
      const m = V.cols;
      const out = { rows: P, cols: m, data: new Float64Array(P * m) };
      for (let j = 0; j < m; j++) {
        for (let r = 0; r < P; r++) {
          if (!mask[r]) continue;
          let s = 0.1 * V.data[r * m + j]!;
          for (let c = 0; c < 6; c++) {
            let t = 0;
            for (let q = 0; q < P; q++) if (mask[q]) t += A[q * 6 + c]! * V.data[q * m + j]!;
            s += A[r * 6 + c]! * t;
          }
          out.data[r * m + j] = s;
        }
      }
      return out;
    };
    const ng = lowRankNaturalGradient({ learningRate: lr, k: 2, seed, warmup: 2 });
    const params = new Float64Array(P);
    const grad = new Float64Array(P);
    rng.fillNormal(grad);
    for (let p = 0; p < P; p++) if (!mask[p]) grad[p] = 0;
    ng.step(params, grad, { step: 0, loss: 1, Fv: [], mask, applyFisherBlock: applyF });
    let prevV: { rows: number; cols: number; data: Float64Array } | null = null;
    let prevCopy: Float64Array | null = null;
    for (let step = 1; step <= 5; step++) {
      const V = ng.directions!() as { rows: number; cols: number; data: Float64Array };
      if (prevV && prevCopy) expect(Array.from(prevV.data)).toEqual(Array.from(prevCopy)); // the last step's block is untouched
      const Vcopy = { rows: V.rows, cols: V.cols, data: V.data.slice() };
      const Z = applyF(V);
      // the reference on fresh blocks
      const rr = rayleighRitzBlock(Vcopy, Z);
      const lam = Math.max(Math.max(rr.values[2]!, 0), 1e-3 * Math.max(rr.values[0]!, 0), 1e-300);
      const ref = lowRankPrecondition(grad, rr.values, rr.V, 2, lam).map((x) => -lr * x);
      const refV = orthonormalizeInMask(rr.Z, mask, seed + 104729 * (step + 1));
      const u = ng.step(params, grad, { step, loss: 1, Fv: [], FvBlock: Z, mask, applyFisherBlock: applyF });
      expect(Array.from(u)).toEqual(Array.from(ref));
      expect(Array.from(ng.ritzValues())).toEqual(Array.from(rr.values));
      expect(ng.ritzVectors().map((c) => Array.from(c))).toEqual(toCols(rr.V).map((c) => Array.from(c)));
      expect(Array.from((ng.directions!() as { data: Float64Array }).data)).toEqual(Array.from(refV.data));
      prevV = V;
      prevCopy = Vcopy.data;
    }
  });

  it('lowRankPrecondition damps only the subspace', () => {
    const v = [Float64Array.from([1, 0, 0]), Float64Array.from([0, 1, 0])];
    const u = lowRankPrecondition(Float64Array.from([2, 3, 4]), [3, 1], v, 2, 1);
    expect(Array.from(u)).toEqual([2 - 2 * 0.75, 3 - 3 * 0.5, 4]);
  });

  it('adaptive mode: inactive steps are plain gradient steps and carry no directions', () => {
    const ng = lowRankNaturalGradient({ learningRate: 0.5, adaptive: true });
    expect(ng.isActive()).toBe(false);
    expect((ng.directions!() as { cols: number }).cols).toBe(0);
    const u = ng.step(new Float64Array(2), Float64Array.from([1, -2]), { step: 0, loss: 1, Fv: [] });
    expect(Array.from(u)).toEqual([-0.5, 1]);
    ng.setActive(true);
    expect(ng.isActive()).toBe(true);
  });
});

describe('low-rank natural gradient on Matrix blocks', () => {
  it('the block context (FvBlock, applyFisherBlock) and the vector context (Fv, applyFisher) give the same updates to 1e-13, and the state round-trips exactly', () => {
    const task = pitchforkTask({ seed: 2, hiddenSize: 6, T: 12, B: 4 });
    const m = task.student;
    const run = (block: boolean): { us: Float64Array[]; state: unknown; ng: ReturnType<typeof lowRankNaturalGradient> } => {
      const ng = lowRankNaturalGradient({ learningRate: 0.1, k: 2 });
      const us: Float64Array[] = [];
      for (let step = 0; step < 4; step++) {
        const dirs = ng.directions!();
        const r = fusedSweep(m, task, { mask: task.trainable, directions: dirs });
        const ctx = block
          ? { step, loss: r.loss, Fv: [], FvBlock: r.FvBlock, mask: task.trainable, applyFisherBlock: (V: Matrix) => fusedSweep(m, task, { mask: task.trainable, directions: V, grad: false }).FvBlock }
          : { step, loss: r.loss, Fv: r.Fv, mask: task.trainable, applyFisher: (V: Float64Array[]) => fusedSweep(m, task, { mask: task.trainable, directions: V, grad: false }).Fv };
        us.push(ng.step(m.params, r.grad, ctx));
      }
      return { us, state: JSON.parse(JSON.stringify(ng.getState())), ng };
    };
    const a = run(true);
    const b = run(false);
    for (let i = 0; i < a.us.length; i++) {
      let d = 0, n = 0;
      for (let p = 0; p < a.us[i]!.length; p++) {
        d += (a.us[i]![p]! - b.us[i]![p]!) ** 2;
        n += b.us[i]![p]! ** 2;
      }
      expect(Math.sqrt(d / n)).toBeLessThan(1e-13);
    }
    const c = lowRankNaturalGradient({ learningRate: 0.1, k: 2 });
    c.setState(a.state as Record<string, unknown>);
    expect(c.getState()).toEqual(a.ng.getState());
    // the subspace stays orthonormal and inside the trainable mask
    const V = c.directions!() as Matrix;
    expect(V.cols).toBe(3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let p = 0; p < V.rows; p++) s += V.data[p * 3 + i]! * V.data[p * 3 + j]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    for (let p = 0; p < V.rows; p++) if (!task.trainable[p]) for (let i = 0; i < 3; i++) expect(V.data[p * 3 + i]).toBe(0);
  });
});

describe('first-order optimizers', () => {
  it('sgd momentum, adam and clipping give the textbook updates', () => {
    const ctx = { step: 0, loss: 0, Fv: [] };
    const s = sgd({ learningRate: 0.1, momentum: 0.5 });
    s.step(new Float64Array(1), Float64Array.from([1]), ctx);
    expect(s.step(new Float64Array(1), Float64Array.from([1]), ctx)[0]).toBeCloseTo(-0.15, 15);
    const a = adam({ learningRate: 0.01 });
    expect(a.step(new Float64Array(1), Float64Array.from([3]), ctx)[0]).toBeCloseTo(-0.01, 8);
    const c = clipGradNorm(sgd({ learningRate: 1 }), 1);
    const u = c.step(new Float64Array(2), Float64Array.from([3, 4]), ctx);
    expect(u[0]).toBeCloseTo(-0.6, 15);
    expect(u[1]).toBeCloseTo(-0.8, 15);
  });
});

/** Jacobi eigenvalues of a small symmetric matrix (test helper). */
function symEig(A0: Float64Array, n: number): Float64Array {
  const A = A0.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = A[p * n + q]!;
      if (Math.abs(apq) < 1e-300) continue;
      const th = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
      const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = A[k * n + p]!, akq = A[k * n + q]!;
        A[k * n + p] = c * akp - s * akq; A[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = A[p * n + k]!, aqk = A[q * n + k]!;
        A[p * n + k] = c * apk - s * aqk; A[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => A[i * n + i]!);
}

