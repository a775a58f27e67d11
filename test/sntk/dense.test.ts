import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CELLS, smallProblem, finiteDifferenceJacobian, relErr, naiveAAt } from './helpers.js';
import { maxAbsDiff } from '../linalg/helpers.js';
import { denseSntk, sntkSpectrum, denseCoreKernel } from '../../src/sntk/dense.js';
import { denseJacobian, jacobianFrobeniusSquared } from '../../src/sntk/sensitivity.js';
import { sntkOperator, fisherOperator, coreKernelOperator, propagatorOperator, jacobianOperator, outputNtkOperator } from '../../src/sntk/operators.js';
import { symmetricEigen, identity, zeros } from '../../src/linalg/index.js';
import { MemoryBudgetError } from '../../src/errors.js';
import { createRng } from '../../src/linalg/random.js';
import { defineSpec, randomModel, rollout, readoutSlice } from '../../src/models/index.js';

/** max |a − b| (NaN when the lengths differ): a plain loop, fast on long typed arrays. */
function sameLengthMaxDiff(a: Float64Array, b: Float64Array): number {
  return a.length === b.length ? maxAbsDiff(a, b) : NaN;
}

describe('dense sNTK equals J Jᵀ', () => {
  for (const cell of CELLS) {
    it(`${cell}: both routes match the finite-difference J Jᵀ (rel ≤ 1e-7) and each other (rel ≤ 1e-12)`, () => {
      const { model, traj } = smallProblem(cell);
      const Jfd = finiteDifferenceJacobian(model, traj);
      const Kfd = naiveAAt(Jfd);
      const J = denseJacobian(model, traj);
      // analytic Jacobian vs central differences (step 1e-6): rel ≤ 1e-7
      expect(relErr(J.data, Jfd.data)).toBeLessThan(1e-7);
      const jjt = denseSntk(model, traj, { method: 'jjt' });
      const pkp = denseSntk(model, traj, { method: 'pkp' });
      expect(jjt.method).toBe('jjt');
      expect(pkp.method).toBe('pkp');
      expect(relErr(jjt.K.data, Kfd.data)).toBeLessThan(1e-7);
      // P K_θ Pᵀ vs J Jᵀ: same matrix in exact arithmetic, rel ≤ 1e-12
      expect(relErr(pkp.K.data, jjt.K.data)).toBeLessThan(1e-12);
      // K_θ from the weight sites equals J_θ J_θᵀ: P⁻¹ K P⁻ᵀ; check via K = P K_θ Pᵀ with the operators
      const Kop = sntkOperator(model, traj, { form: 'jacobian' }).matmat(identity(jjt.K.rows));
      expect(relErr(Kop.data, jjt.K.data)).toBeLessThan(1e-12);
    });
  }

  it('trace = ‖J‖_F² computed by streaming sensitivities (rel ≤ 1e-13)', () => {
    for (const cell of CELLS) {
      const { model, traj } = smallProblem(cell, { seed: 7 });
      const J = denseJacobian(model, traj);
      let fro = 0;
      for (const v of J.data) fro += v * v;
      expect(relErr([jacobianFrobeniusSquared(model, traj)], [fro])).toBeLessThan(1e-13);
    }
  });

  it('the spectrum via the smaller Gram matches the dense kernel eigenvalues (rel ≤ 1e-10)', () => {
    for (const [N, T] of [[3, 4], [2, 12]] as const) {
      const { model, traj } = smallProblem('vanilla', { N, T, B: 1, D: 1, seed: 3 });
      const spec = sntkSpectrum(model, traj);
      const M = traj.B * traj.T * traj.N;
      const P = model.layout.cellSize;
      expect(spec.via).toBe(P < M ? 'JtJ' : 'JJt');
      const { K } = denseSntk(model, traj);
      const ev = Array.from(symmetricEigen(K, { vectors: false }).values).sort((a, b) => b - a);
      const top = ev[0]!;
      for (let i = 0; i < spec.values.length; i++) expect(Math.abs(spec.values[i]! - ev[i]!)).toBeLessThan(1e-10 * top);
    }
  });
});

describe('sNTK operators', () => {
  it('are symmetric PSD for random models (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CELLS), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1000 }), (cell, N, T, seed) => {
        const { model, traj } = smallProblem(cell, { N, T, B: 2, D: 2, seed });
        const { K } = denseSntk(model, traj);
        const n = K.rows;
        let asym = 0;
        let scale = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          asym = Math.max(asym, Math.abs(K.data[i * n + j]! - K.data[j * n + i]!));
          scale = Math.max(scale, Math.abs(K.data[i * n + j]!));
        }
        expect(asym).toBeLessThanOrEqual(1e-13 * scale);
        const ev = symmetricEigen(K, { vectors: false }).values;
        expect(ev[0]!).toBeGreaterThan(-1e-12 * (scale || 1) * n);
      }),
      { numRuns: 25 },
    );
  });

  it('satisfy the adjoint identity ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ for J and P (rel ≤ 1e-12)', () => {
    for (const cell of CELLS) {
      const { model, traj } = smallProblem(cell, { seed: 11 });
      const rng = createRng(5);
      for (const op of [jacobianOperator(model, traj), propagatorOperator(model, traj)]) {
        const x = new Float64Array(op.cols);
        const y = new Float64Array(op.rows);
        rng.fillNormal(x);
        rng.fillNormal(y);
        const ax = op.matvec(x);
        const aty = op.rmatvec(y);
        let l = 0, r = 0, s = 0;
        for (let i = 0; i < y.length; i++) { l += ax[i]! * y[i]!; s += Math.abs(ax[i]! * y[i]!); }
        for (let i = 0; i < x.length; i++) r += x[i]! * aty[i]!;
        expect(Math.abs(l - r)).toBeLessThan(1e-12 * s);
      }
    }
  });

  it('J Jᵀ = P K_θ Pᵀ, Jᵀ J has the same nonzero spectrum, K_θ = J_θ J_θᵀ', () => {
    for (const cell of CELLS) {
      const { model, traj } = smallProblem(cell, { seed: 2 });
      const M = traj.B * traj.T * traj.N;
      const P = model.layout.cellSize;
      const Kk = sntkOperator(model, traj, { form: 'kronecker' }).matmat(identity(M));
      const Kj = sntkOperator(model, traj, { form: 'jacobian' }).matmat(identity(M));
      expect(relErr(Kk.data, Kj.data)).toBeLessThan(1e-12);
      // K_θ: block-diagonal per step of ∂f/∂θ (∂f/∂θ)ᵀ across steps
      const theta = model.params.subarray(0, P);
      const Jth = zeros(M, P);
      for (let row = 0; row < traj.B * traj.T; row++) {
        const jt = model.cell.jacobianTheta(theta, traj.caches[row]!);
        Jth.data.set(jt.data, row * traj.N * P);
      }
      const Kth = denseCoreKernel(model, traj);
      expect(relErr(Kth.data, naiveAAt(Jth).data)).toBeLessThan(1e-13);
      expect(relErr(coreKernelOperator(model, traj).matmat(identity(M)).data, Kth.data)).toBeLessThan(1e-13);
      const F = fisherOperator(model, traj).matmat(identity(P));
      const a = Array.from(symmetricEigen(F, { vectors: false }).values).sort((x, y) => y - x);
      const b = Array.from(symmetricEigen(Kk, { vectors: false }).values).sort((x, y) => y - x);
      for (let i = 0; i < Math.min(M, P); i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-10 * b[0]!);
    }
  });

  it('the Fisher and sNTK operators reuse their workspace across blocks of different widths, and write into a given output block, without changing a result (vanilla, leaky, gru; bit for bit)', () => {
    for (const cell of ['vanilla', 'leaky', 'gru'] as const) {
      // N = 64: the block sweeps run on either backend for k ≥ 16 (rollout.ts preferBlockSweep)
      const model = randomModel(defineSpec({ cell, hiddenSize: 64, inputSize: 3, ...(cell === 'leaky' ? { alpha: 0.3 } : {}) }), 5);
      const X = new Float64Array(6 * 3);
      createRng(6).fillNormal(X);
      const traj = rollout(model, X, { B: 1, T: 6 });
      const P = model.layout.cellSize;
      const reused = fisherOperator(model, traj);
      const reusedK = sntkOperator(model, traj);
      for (const [k, seed] of [[16, 1], [3, 2], [24, 3], [16, 4]] as const) {
        const V = zeros(P, k);
        createRng(seed).fillNormal(V.data);
        expect(sameLengthMaxDiff(reused.matmat(V).data, fisherOperator(model, traj).matmat(V).data)).toBe(0);
        // an output block (poisoned first) gives the same result
        const out = zeros(P, k);
        out.data.fill(Number.NaN);
        expect(sameLengthMaxDiff(reused.matmat(V, out).data, fisherOperator(model, traj).matmat(V).data)).toBe(0);
        const Y = zeros(reusedK.rows, k);
        createRng(seed + 10).fillNormal(Y.data);
        expect(sameLengthMaxDiff(reusedK.matmat(Y).data, sntkOperator(model, traj).matmat(Y).data)).toBe(0);
        const outK = zeros(reusedK.rows, k);
        outK.data.fill(Number.NaN);
        expect(sameLengthMaxDiff(reusedK.matmat(Y, outK).data, sntkOperator(model, traj).matmat(Y).data)).toBe(0);
      }
    }
  });

  it('output NTK equals the C-projected sNTK, plus the readout term with includeReadout (every cell; 1e-12)', () => {
    for (const cell of ['vanilla', 'gru'] as const) {
      for (const includeReadout of [true, false]) {
        const { model, traj } = smallProblem(cell, { O: 2, seed: 4 });
        const { B, T, N } = traj;
        const O = 2;
        const BT = B * T;
        const K = denseSntk(model, traj).K;
        const C = model.params.subarray(model.layout.cellSize, model.layout.cellSize + O * N);
        const Th = outputNtkOperator(model, traj, { includeReadout }).matmat(identity(BT * O));
        const ref = zeros(BT * O, BT * O);
        for (let r = 0; r < BT; r++) for (let o = 0; o < O; o++) for (let s = 0; s < BT; s++) for (let q = 0; q < O; q++) {
          let v = 0;
          for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) v += C[o * N + i]! * K.data[(r * N + i) * K.cols + s * N + j]! * C[q * N + j]!;
          if (o === q && includeReadout) {
            let hh = 1;
            for (let i = 0; i < N; i++) hh += traj.H[r * N + i]! * traj.H[s * N + i]!;
            v += hh;
          }
          ref.data[(r * O + o) * BT * O + s * O + q] = v;
        }
        expect(relErr(Th.data, ref.data), `${cell} includeReadout=${includeReadout}`).toBeLessThan(1e-12);
      }
    }
  });

  it('output NTK of a 2-layer torch-lstm reads only the top layer h (readout slice; 1e-12)', () => {
    const spec = defineSpec({ cell: 'torch-lstm', hiddenSize: 3, inputSize: 2, outputSize: 2, numLayers: 2 });
    const model = randomModel(spec, 7, { gain: 1.1, biasScale: 0.4 });
    const B = 2, T = 4, O = 2;
    const rng = createRng(3);
    const X = new Float64Array(B * T * 2).map(() => rng.normal());
    const traj = rollout(model, X, { B, T });
    const { N } = traj;
    const { offset: off, width: W } = readoutSlice(spec);
    expect(N).toBe(12);
    expect([off, W]).toEqual([6, 3]);
    const BT = B * T;
    const K = denseSntk(model, traj).K;
    const C = model.params.subarray(model.layout.cellSize, model.layout.cellSize + O * W);
    for (const includeReadout of [true, false]) {
      const Th = outputNtkOperator(model, traj, { includeReadout }).matmat(identity(BT * O));
      const ref = zeros(BT * O, BT * O);
      for (let r = 0; r < BT; r++) for (let o = 0; o < O; o++) for (let s = 0; s < BT; s++) for (let q = 0; q < O; q++) {
        let v = 0;
        for (let i = 0; i < W; i++) for (let j = 0; j < W; j++) v += C[o * W + i]! * K.data[(r * N + off + i) * K.cols + s * N + off + j]! * C[q * W + j]!;
        if (o === q && includeReadout) {
          let hh = 1;
          for (let i = 0; i < W; i++) hh += traj.H[r * N + off + i]! * traj.H[s * N + off + i]!;
          v += hh;
        }
        ref.data[(r * O + o) * BT * O + s * O + q] = v;
      }
      expect(relErr(Th.data, ref.data), `includeReadout=${includeReadout}`).toBeLessThan(1e-12);
    }
  });

  it('refuses a dense kernel over the memory budget with a clear message', () => {
    const { model, traj } = smallProblem('vanilla', { N: 4, T: 20, B: 2 });
    expect(() => denseSntk(model, traj, { memoryBudget: 1000 })).toThrow(MemoryBudgetError);
    expect(() => denseSntk(model, traj, { memoryBudget: 1000 })).toThrow(/memory budget.*matrix-free/);
  });
});
