import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyzeSntk } from '../../src/sntk/analyze.js';
import { sntkSpectrum, denseSntk } from '../../src/sntk/dense.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import { symmetricEigen, symmetricEigenvalues, syrk } from '../../src/linalg/index.js';
import { InputError, ShapeError } from '../../src/errors.js';

function problem(N: number, T: number, D = 2, seed = 1, B = 1) {
  const spec = defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D });
  const model = randomModel(spec, seed, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(B * T * D);
  createRng(seed + 1).fillNormal(X);
  return { model, traj: rollout(model, X, { B, T }) };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('sntkSpectrum routes', () => {
  it('M < P: the P K_θ Pᵀ route (no Jacobian) gives the eigenvalues of J Jᵀ (rel 1e-10 on the top 20, trace rel 1e-12)', () => {
    // N = 12, T = 6, B = 2: M = 144 < P = 12·15 = 180; pkp is the cheaper route
    const { model, traj } = problem(12, 6, 2, 3, 2);
    const s = sntkSpectrum(model, traj);
    expect(s.via).toBe('JJt');
    expect(s.route).toBe('pkp');
    const J = denseJacobian(model, traj);
    const ref = Float64Array.from(symmetricEigen(syrk(J), { vectors: false }).values).reverse();
    expect(s.values.length).toBe(144);
    for (let i = 0; i < 20; i++) expect(rel(s.values[i]!, ref[i]!)).toBeLessThan(1e-10);
    let tr = 0;
    for (let m = 0; m < J.data.length; m++) tr += J.data[m]! * J.data[m]!;
    expect(rel(s.trace, tr)).toBeLessThan(1e-12);
  });

  it('the one-buffer P K_θ Pᵀ equals J Jᵀ entrywise (max rel 1e-12)', () => {
    const { model, traj } = problem(5, 7, 2, 4, 2);
    const J = denseJacobian(model, traj);
    const K = denseSntk(model, traj, { method: 'pkp' }).K;
    const R = syrk(J);
    let maxAbs = 0, maxErr = 0;
    for (let i = 0; i < R.data.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(R.data[i]!));
      maxErr = Math.max(maxErr, Math.abs(K.data[i]! - R.data[i]!));
    }
    expect(maxErr / maxAbs).toBeLessThan(1e-12);
  });

  it('top-only (partial solver) equals the top of the full spectrum (rel 1e-10); trace and Frobenius from the Gram (rel 1e-12)', () => {
    const { model, traj } = problem(8, 30);
    const full = sntkSpectrum(model, traj);
    const part = sntkSpectrum(model, traj, { largest: 5 });
    expect(part.values.length).toBe(5);
    for (let i = 0; i < 5; i++) expect(rel(part.values[i]!, full.values[i]!)).toBeLessThan(1e-10);
    expect(rel(part.trace, full.trace)).toBeLessThan(1e-12);
    expect(rel(part.frobeniusSquared, full.frobeniusSquared)).toBeLessThan(1e-12);
  });
});

describe('analyzeSntk: parameter subsets, top direction, profile', () => {
  const { model, traj } = problem(6, 12);
  const P = model.layout.cellSize;

  it('params = a subset gives the spectrum of the column-restricted J (rel 1e-10)', () => {
    const idx = Int32Array.from({ length: P }, (_, i) => i).filter((i) => i % 3 !== 1);
    const r = analyzeSntk(model, traj, { method: 'dense', params: idx, top: 4 });
    const J = denseJacobian(model, traj);
    const Js = { rows: J.rows, cols: idx.length, data: new Float64Array(J.rows * idx.length) };
    for (let m = 0; m < J.rows; m++) for (let c = 0; c < idx.length; c++) Js.data[m * idx.length + c] = J.data[m * P + idx[c]!]!;
    const ref = Float64Array.from(symmetricEigen(syrk(Js, true), { vectors: false }).values).reverse();
    expect(r.params).toBe(idx.length);
    for (let i = 0; i < 4; i++) expect(rel(r.top[i]!, ref[i]!)).toBeLessThan(1e-10);
  });

  it('the top direction is the top eigenvector of JᵀJ (|cos| > 1 − 1e-10), dense and matrix-free (|cos| > 1 − 1e-6)', () => {
    const J = denseJacobian(model, traj);
    const e = symmetricEigen(syrk(J, true), { vectors: true });
    const v = new Float64Array(P);
    for (let q = 0; q < P; q++) v[q] = e.vectors!.data[q * P + P - 1]!;
    for (const method of ['dense', 'operator'] as const) {
      const r = analyzeSntk(model, traj, { method, top: 3, topVector: { warm: null }, seed: 2 });
      const u = r.topVector!;
      expect(u.length).toBe(model.layout.size);
      let c = 0, nu = 0;
      for (let q = 0; q < P; q++) {
        c += u[q]! * v[q]!;
        nu += u[q]! * u[q]!;
      }
      expect(1 - Math.abs(c) / Math.sqrt(nu)).toBeLessThan(method === 'dense' ? 1e-10 : 1e-6);
      for (let q = P; q < u.length; q++) expect(u[q]).toBe(0);
    }
  });

  it("spectrum 'top' reports the same trace, PR and top values as the full path (rel 1e-10) and null ranks", () => {
    const a = analyzeSntk(model, traj, { method: 'dense', top: 5 });
    const b = analyzeSntk(model, traj, { method: 'dense', top: 5, spectrum: 'top' });
    expect(rel(b.trace, a.trace)).toBeLessThan(1e-10);
    expect(rel(b.participationRatio, a.participationRatio)).toBeLessThan(1e-10);
    for (let i = 0; i < 5; i++) expect(rel(b.top[i]!, a.top[i]!)).toBeLessThan(1e-10);
    expect(b.entropyRank).toBeNull();
    expect(b.rank95).toBeNull();
    expect(a.entropyRank).not.toBeNull();
  });

  it('profile names the dense phases with non-negative seconds summing to at most the wall time', () => {
    const r = analyzeSntk(model, traj, { method: 'dense', top: 3 });
    expect(r.profile.map((p) => p.phase)).toEqual(['jacobian', 'gram', 'eigenvalues', 'diagnostics']);
    const total = r.profile.reduce((s, p) => s + p.seconds, 0);
    for (const p of r.profile) expect(p.seconds).toBeGreaterThanOrEqual(0);
    expect(total).toBeLessThanOrEqual(r.seconds + 1e-9);
  });

  it('rejects malformed parameter subsets', () => {
    expect(() => analyzeSntk(model, traj, { params: new Int32Array(0) })).toThrow(InputError);
    expect(() => analyzeSntk(model, traj, { params: Int32Array.from([3, 2]) })).toThrow(/ascending/);
    expect(() => analyzeSntk(model, traj, { params: Int32Array.from([0, P]) })).toThrow(InputError);
  });
});

describe('symmetricEigenvalues', () => {
  it('all values, the largest k, with and without overwrite, agree with symmetricEigen (rel 1e-12 of max |λ|) (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1000 }), (n, seed) => {
        const rng = createRng(seed);
        const X = { rows: n, cols: n + 2, data: new Float64Array(n * (n + 2)) };
        rng.fillNormal(X.data);
        const A = syrk(X);
        for (let i = 0; i < n * n; i++) A.data[i] = A.data[i]! - (i % (n + 1) === 0 ? 1 : 0); // indefinite
        const ref = symmetricEigen(A, { vectors: false }).values;
        const scale = Math.max(...Array.from(ref, Math.abs));
        const all = symmetricEigenvalues(A);
        const k = 1 + (seed % n);
        const top = symmetricEigenvalues(A, { largest: k });
        const copy = { rows: n, cols: n, data: A.data.slice() };
        const over = symmetricEigenvalues(copy, { overwrite: true });
        expect(all.length).toBe(n);
        expect(top.length).toBe(k);
        for (let i = 0; i < n; i++) expect(Math.abs(all[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * scale * n);
        for (let i = 0; i < n; i++) expect(Math.abs(over[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * scale * n);
        for (let i = 0; i < k; i++) expect(Math.abs(top[i]! - ref[n - k + i]!)).toBeLessThanOrEqual(1e-12 * scale * n);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a bad k', () => {
    const A = { rows: 2, cols: 2, data: Float64Array.from([1, 0, 0, 2]) };
    expect(() => symmetricEigenvalues(A, { largest: 3 })).toThrow(ShapeError);
    expect(() => symmetricEigenvalues(A, { largest: 0 })).toThrow(ShapeError);
  });
});
