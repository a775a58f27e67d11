/**
 * The estimators hand the operator a dead block as the output buffer of the next product
 * (`SymmetricApply.apply(X, out)`): an operator that writes into it must give bit-for-bit the
 * results of one that allocates, and the buffer handed over is never the block being multiplied
 * nor one the estimator still reads (checked by poisoning every output buffer before use).
 */
import { describe, expect, it } from 'vitest';
import { lanczosTopK } from '../../src/linalg/iterative/lanczos.js';
import { estimateSpectralMoments } from '../../src/linalg/iterative/moments.js';
import { gemm, zeros, type Matrix } from '../../src/linalg/index.js';
import { createRng } from '../../src/linalg/random.js';

/** A random PSD matrix with a decaying spectrum, `n × n`. */
function psd(n: number, seed: number): Matrix {
  const G = zeros(n, n);
  createRng(seed).fillNormal(G.data);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) G.data[r * n + c]! *= Math.pow(0.93, c);
  return gemm(G, G, { transB: true });
}

function operators(A: Matrix) {
  let handed = 0;
  const fresh = { n: A.rows, apply: (X: Matrix) => gemm(A, X) };
  const reusing = {
    n: A.rows,
    apply: (X: Matrix, out?: Matrix): Matrix => {
      if (!out) return gemm(A, X);
      handed++;
      expect(out.data).not.toBe(X.data);
      expect(out.rows * out.cols).toBe(A.rows * X.cols);
      out.data.fill(Number.NaN); // anything the estimator still needed would now poison the result
      return gemm(A, X, { out });
    },
  };
  return { fresh, reusing, handed: () => handed };
}

describe('output buffers handed to the operator', () => {
  it('lanczosTopK: identical results with an operator that writes into them, and they are used', () => {
    const A = psd(300, 1);
    const { fresh, reusing, handed } = operators(A);
    for (const maxBasis of [undefined, 40]) {
      const opts = { k: 6, blockSize: 4, budget: 160, tol: 1e-10, seed: 2, requireConvergence: false, ...(maxBasis ? { maxBasis } : {}) };
      const a = lanczosTopK(fresh, opts);
      const b = lanczosTopK(reusing, opts);
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
      expect(Array.from(b.errorBounds)).toEqual(Array.from(a.errorBounds));
      expect(b.vectors.data.every((v, i) => v === a.vectors.data[i])).toBe(true);
    }
    expect(handed()).toBeGreaterThan(10);
  });

  it('estimateSpectralMoments: identical estimates with an operator that writes into them', () => {
    const A = psd(200, 3);
    const { fresh, reusing, handed } = operators(A);
    const opts = { k: 5, budget: 120, batch: 8, seed: 4 };
    const a = estimateSpectralMoments(fresh, opts);
    const b = estimateSpectralMoments(reusing, opts);
    expect(b.participationRatio.estimate).toBe(a.participationRatio.estimate);
    expect(b.participationRatio.standardError).toBe(a.participationRatio.standardError);
    expect(b.frobeniusSquared.estimate).toBe(a.frobeniusSquared.estimate);
    expect(b.trace.estimate).toBe(a.trace.estimate);
    expect(handed()).toBeGreaterThan(5);
  });
});
