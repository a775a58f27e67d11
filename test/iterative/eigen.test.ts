import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/linalg/index.js';
import { lanczosTopK, subspaceIterationTopK } from '../../src/linalg/iterative/index.js';
import { ConvergenceError, InputError, NonFiniteError, ShapeError } from '../../src/errors.js';
import { zeros } from '../../src/linalg/matrix.js';
import { decayingPsd, denseApply, knownSpectrumOperator } from './helpers.js';

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>, k: number): number {
  let e = 0;
  for (let i = 0; i < k; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!));
  return e;
}

describe('Lanczos with a bounded basis (thick restart)', () => {
  const n = 500;
  // a slowly decaying spectrum (λ_i ≈ 1/(1 + i/10)): without a bound the basis grows to ≈ 40 / 70 vectors
  const A = decayingPsd(n, (i) => 1 / (1 + i / 10), 2);
  const top = Array.from(symmetricEigen(A, { vectors: false }).values).reverse().slice(0, 10);
  for (const [b, maxBasis] of [[1, 22], [4, 28]] as const) {
    it(`maxBasis ${maxBasis}, block ${b}: restarts, converges to the dense top-10 within 1e-8, error bounds hold`, () => {
      const op = denseApply(A);
      const r = lanczosTopK(op, { k: 10, blockSize: b, maxBasis, budget: 3000, seed: 5 });
      expect(r.restarts!).toBeGreaterThanOrEqual(2);
      expect(r.matvecs).toBeGreaterThan(maxBasis + 10);
      expect(r.matvecs).toBe(op.count);
      expect(r.converged).toBe(true);
      expect(maxRelErr(r.values, top, 10)).toBeLessThan(1e-8);
      for (let i = 0; i < 10; i++) expect(Math.abs(r.values[i]! - top[i]!)).toBeLessThanOrEqual(r.errorBounds[i]! + 1e-12 * top[0]!);
      // orthonormal Ritz vectors with explicit residuals
      expect(r.residualSource).toBe('explicit');
      for (let i = 0; i < 10; i++) {
        for (let j = 0; j <= i; j++) {
          let d = 0;
          for (let q = 0; q < n; q++) d += r.vectors.data[q * 10 + i]! * r.vectors.data[q * 10 + j]!;
          expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-10);
        }
      }
    });
  }
  it('without maxBasis nothing restarts; a maxBasis below k + 2·blockSize is refused', () => {
    expect(lanczosTopK(denseApply(A), { k: 10, seed: 5 }).restarts).toBe(0);
    expect(() => lanczosTopK(denseApply(A), { k: 10, blockSize: 4, maxBasis: 17 })).toThrow(InputError);
  });
});

describe('top-k eigensolvers vs dense EVD', () => {
  for (const [n, seed] of [[300, 1], [500, 2]] as const) {
    const A = decayingPsd(n, (i) => Math.exp(-i / 8) + 1e-3, seed);
    const ev = symmetricEigen(A, { vectors: false }).values;
    const top = Array.from(ev).reverse().slice(0, 10);
    it(`Lanczos top-10 within 1e-8 relative (n=${n})`, () => {
      const op = denseApply(A);
      const r = lanczosTopK(op, { k: 10, seed: 7 });
      expect(r.converged).toBe(true);
      expect(maxRelErr(r.values, top, 10)).toBeLessThan(1e-8);
      // the reported error bounds really bound the error (with a little roundoff slack)
      for (let i = 0; i < 10; i++) expect(Math.abs(r.values[i]! - top[i]!)).toBeLessThanOrEqual(r.errorBounds[i]! + 1e-12 * top[0]!);
      expect(r.matvecs).toBe(op.count);
    });
    it(`block Lanczos (b=4) top-10 within 1e-8 relative (n=${n})`, () => {
      const r = lanczosTopK(denseApply(A), { k: 10, blockSize: 4, seed: 3 });
      expect(maxRelErr(r.values, top, 10)).toBeLessThan(1e-8);
    });
    it(`randomized subspace iteration top-10 within 1e-8 relative (n=${n})`, () => {
      const op = denseApply(A);
      const r = subspaceIterationTopK(op, { k: 10, oversampling: 10, seed: 5 });
      expect(r.converged).toBe(true);
      expect(maxRelErr(r.values, top, 10)).toBeLessThan(1e-8);
      expect(r.matvecs).toBe(op.count);
    });
  }

  it('known spectrum at n = 2000 (implicit operator): both solvers within 1e-8 relative, vectors orthonormal eigenvectors', () => {
    const n = 2000;
    const lambda = new Float64Array(n);
    for (let i = 0; i < n; i++) lambda[i] = 0.85 ** i + 1e-4 * ((i * 7919) % 13) / 13;
    const A = knownSpectrumOperator(lambda, 4, 11);
    const top = Array.from(lambda).sort((a, b) => b - a).slice(0, 10);
    const l = lanczosTopK(A, { k: 10, seed: 1 });
    expect(maxRelErr(l.values, top, 10)).toBeLessThan(1e-8);
    const s = subspaceIterationTopK(A, { k: 10, seed: 2 });
    expect(maxRelErr(s.values, top, 10)).toBeLessThan(1e-8);
    for (const r of [l, s]) {
      const V = r.vectors;
      for (let a = 0; a < 10; a++) for (let b = 0; b <= a; b++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += V.data[i * 10 + a]! * V.data[i * 10 + b]!;
        expect(Math.abs(d - (a === b ? 1 : 0))).toBeLessThan(1e-10);
      }
      // reported residuals are the true ones
      const AV = A.apply(V);
      for (let c = 0; c < 10; c++) {
        let s2 = 0;
        for (let i = 0; i < n; i++) s2 += (AV.data[i * 10 + c]! - r.values[c]! * V.data[i * 10 + c]!) ** 2;
        expect(Math.abs(Math.sqrt(s2) - r.residualNorms[c]!)).toBeLessThan(1e-12);
        expect(r.residualNorms[c]!).toBeLessThan(1e-4);
      }
    }
  });

  it('warm start from converged vectors converges in fewer matvecs', () => {
    const A = decayingPsd(300, (i) => 0.7 ** i, 4);
    const cold = lanczosTopK(denseApply(A), { k: 5, seed: 1 });
    const warm = lanczosTopK(denseApply(A), { k: 5, seed: 2, init: cold.vectors });
    expect(maxRelErr(warm.values, cold.values, 5)).toBeLessThan(1e-10);
    expect(warm.matvecs).toBeLessThan(cold.matvecs);
    const sw = subspaceIterationTopK(denseApply(A), { k: 5, seed: 2, init: cold.vectors });
    expect(maxRelErr(sw.values, cold.values, 5)).toBeLessThan(1e-10);
  });

  it('rank-deficient operator (rank 3 < k = 6): zero Ritz values, no failure', () => {
    const n = 120;
    const lambda = new Float64Array(n);
    lambda[0] = 5; lambda[1] = 2; lambda[2] = 1;
    const A = knownSpectrumOperator(lambda, 3, 5);
    for (const r of [lanczosTopK(A, { k: 6, seed: 1 }), subspaceIterationTopK(A, { k: 6, seed: 1 })]) {
      expect(maxRelErr(r.values, [5, 2, 1], 3)).toBeLessThan(1e-10);
      for (let i = 3; i < 6; i++) expect(Math.abs(r.values[i]!)).toBeLessThan(1e-10);
    }
  });

  it('whole-space exhaustion on a tiny operator gives exact eigenvalues', () => {
    const A = decayingPsd(12, (i) => 1 + i, 9);
    const ev = Array.from(symmetricEigen(A, { vectors: false }).values).reverse();
    const r = lanczosTopK(denseApply(A), { k: 12, seed: 1 });
    expect(maxRelErr(r.values, ev, 12)).toBeLessThan(1e-10);
  });

  it('errors: bad k, tiny budget, non-convergence, NaN operator, wrong shapes', () => {
    const A = decayingPsd(50, (i) => 1 / (1 + i), 3);
    expect(() => lanczosTopK(denseApply(A), { k: 0 })).toThrow(InputError);
    expect(() => lanczosTopK(denseApply(A), { k: 51 })).toThrow(InputError);
    expect(() => subspaceIterationTopK(denseApply(A), { k: 5, budget: 3 })).toThrow(InputError);
    expect(() => lanczosTopK(denseApply(A), { k: 5, budget: 12, tol: 1e-14 })).toThrow(ConvergenceError);
    const r = lanczosTopK(denseApply(A), { k: 5, budget: 12, tol: 1e-14, requireConvergence: false });
    expect(r.converged).toBe(false);
    expect(r.errorBounds[0]!).toBeGreaterThan(0);
    const bad = { n: 50, apply: (X: typeof A) => ({ rows: 50, cols: X.cols, data: new Float64Array(50 * X.cols).fill(NaN) }) };
    expect(() => lanczosTopK(bad, { k: 2 })).toThrow(NonFiniteError);
    const wrong = { n: 50, apply: (X: typeof A) => zeros(49, X.cols) };
    expect(() => subspaceIterationTopK(wrong, { k: 2 })).toThrow(ShapeError);
    expect(() => lanczosTopK(denseApply(A), { k: 2, init: zeros(49, 1) })).toThrow(ShapeError);
  });
});
