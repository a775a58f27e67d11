import { describe, expect, it } from 'vitest';
import { createRng, gemm, randomNormalMatrix, symmetricEigenvalues, type Matrix } from '../../src/linalg/index.js';
import { gemmBlocked } from '../../src/linalg/gemm-kernel.js';
import { jsBackend } from '../../src/linalg/js-backend.js';
import { symvLowerRows } from '../../src/linalg/symmetric-eigen.js';
import { enableParallelGemm, parallelGemmThreads } from '../../src/linalg/parallel/index.js';
import { ReductionSession, ReductionSessionFailed, type ReductionHost } from '../../src/linalg/parallel/reduction-session.js';
import { maxAbs, maxAbsDiff, onPoolBackend } from './helpers.js';

/** A random symmetric n × n matrix with a spread spectrum (Gram of a random n × n/2 factor plus noise). */
function symmetric(n: number, seed: number): Matrix {
  const rng = createRng(seed);
  const F = randomNormalMatrix(n, Math.ceil(n / 2), rng);
  const G = gemm(F, F, { transB: true });
  const E = randomNormalMatrix(n, n, rng);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    const v = G.data[i * n + j]! + 0.1 * (E.data[i * n + j]! + E.data[j * n + i]!);
    G.data[i * n + j] = v;
    G.data[j * n + i] = v;
  }
  return G;
}

describe('pure TypeScript eigenvalues with the reduction split over worker threads', () => {
  onPoolBackend();

  it('equal the single-threaded solver to 1e-13 relative (only the order of the split sums differs), all or the largest, and leave the pool usable', async () => {
    expect(await enableParallelGemm({ threads: 3 })).toBe(3);
    for (const [n, seed] of [[517, 3], [300, 4]] as const) {
      const A = symmetric(n, seed);
      const before = A.data.slice();
      const want = jsBackend.symmetricEigenvalues!(A, false);
      const got = symmetricEigenvalues(A);
      expect(got.length).toBe(n);
      // backward-stable both ways: differences of a few ulps of the largest eigenvalue
      expect(maxAbsDiff(got, want) / maxAbs(want)).toBeLessThan(1e-13);
      expect(maxAbsDiff(A.data, before)).toBe(0); // the input is not touched
      const top = symmetricEigenvalues(A, { largest: 5 });
      expect(Array.from(top)).toEqual(Array.from(got.slice(n - 5)));
    }
    expect(parallelGemmThreads()).toBe(3); // no worker failed
    // the workers left their session loops: a pool product runs and is exact
    const rng = createRng(9);
    const X = randomNormalMatrix(160, 150, rng), Y = randomNormalMatrix(150, 170, rng);
    const C = gemm(X, Y);
    const R = { rows: 160, cols: 170, data: new Float64Array(160 * 170) };
    gemmBlocked(false, false, 1, X, Y, 0, R);
    expect(maxAbsDiff(C.data, R.data)).toBe(0);
  });

  it('a row split of the symmetric product sums to the one-pass product to rounding', () => {
    const n = 203, i0 = 11, s0 = 5, N = n - i0;
    const A = symmetric(n, 8).data;
    const rng = createRng(2);
    const x = randomNormalMatrix(1, n, rng).data;
    const whole = new Float64Array(n);
    symvLowerRows(A, n, i0, s0, s0, N, x, whole);
    const parts = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    const cuts = [s0, 61, 150, N];
    parts.forEach((y, t) => symvLowerRows(A, n, i0, s0, cuts[t]!, cuts[t + 1]!, x, y));
    const sum = whole.map((_, c) => parts[0]![c]! + parts[1]![c]! + parts[2]![c]!);
    expect(maxAbsDiff(sum, whole) / maxAbs(whole)).toBeLessThan(1e-14);
    // against the dense product of the full symmetric trailing block
    for (let r = s0; r < N; r++) {
      let s = 0;
      for (let c = s0; c < N; c++) s += A[(i0 + Math.max(r, c)) * n + i0 + Math.min(r, c)]! * x[c]!;
      expect(Math.abs(whole[r]! - s)).toBeLessThan(1e-12 * maxAbs(whole));
    }
  });

  it('a worker that dies makes the session fail with ReductionSessionFailed and the host end the pool', () => {
    const n = 400;
    const a = new Float64Array(new SharedArrayBuffer(8 * n * n));
    let failed = 0;
    const host: ReductionHost = { workers: 1, start: () => {}, finished: () => false, exited: () => true, fail: () => void failed++ };
    const session = new ReductionSession(host, a, n, 64 * n);
    const x = new Float64Array(n).fill(1), y = new Float64Array(n);
    expect(() => session.symv(a, n, 0, 0, n, x, y)).toThrow(ReductionSessionFailed);
    expect(failed).toBe(1);
    // after a failure every call runs on the calling thread (here: the product of a zero matrix)
    session.symv(a, n, 0, 0, n, x, y);
    expect(maxAbs(y)).toBe(0);
    session.end();
    expect(failed).toBe(1);
  });
});
