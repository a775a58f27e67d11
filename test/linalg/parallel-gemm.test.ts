import { describe, expect, it } from 'vitest';
import { createRng, gemm, getBackend, randomNormalMatrix, syrk, zeros, type Matrix } from '../../src/linalg/index.js';
import { gemmBlocked } from '../../src/linalg/gemm-kernel.js';
import { scaledRecurrenceJs } from '../../src/linalg/recurrence-kernel.js';
import { disableParallelGemm, enableParallelGemm, parallelGemmThreads, parallelThreadsFromEnv } from '../../src/linalg/parallel/index.js';
import { InputError } from '../../src/errors.js';
import { maxAbsDiff, onPoolBackend } from './helpers.js';

function shared(M: Matrix): Matrix {
  const data = new Float64Array(new SharedArrayBuffer(8 * (M.data.length + 3)), 24, M.data.length);
  data.set(M.data);
  return { rows: M.rows, cols: M.cols, data };
}

describe('parallel js GEMM (worker_threads)', () => {
  // The pool is a variant of the pure TypeScript backend: test it as such under any SNTK_BACKEND.
  onPoolBackend();

  it('the scaled recurrence split over the threads equals the single-threaded kernel bit for bit (forward and transposed, uneven row shares)', async () => {
    expect(await enableParallelGemm({ threads: 3 })).toBe(3);
    const rng = createRng(23);
    for (const [N, k, T] of [[101, 8, 5], [130, 3, 4], [96, 11, 3]] as const) {
      const W = randomNormalMatrix(N, N, rng).data.map((v) => v / Math.sqrt(N));
      const S = new Float64Array(T * N).map(() => 0.2 + 0.8 * rng.uniform());
      const Y0 = randomNormalMatrix(T * N, k, rng).data;
      for (const transpose of [false, true]) {
        const got = Y0.slice();
        getBackend().scaledRecurrence(transpose, T, N, k, W, 0.3, S, got);
        const want = Y0.slice();
        scaledRecurrenceJs(transpose, T, N, k, W, 0.3, S, want);
        expect(maxAbsDiff(got, want)).toBe(0);
      }
    }
    expect(parallelGemmThreads()).toBe(3); // the pool did not break
  });

  it('matches the single-threaded kernel exactly for all transposes, α, β, shared and plain buffers', async () => {
    const threads = await enableParallelGemm({ threads: 3 });
    expect(threads).toBe(3);
    expect(parallelGemmThreads()).toBe(3);
    expect(getBackend().name).toBe('js');
    const rng = createRng(17);
    const cases: [number, number, number, boolean, boolean][] = [
      [150, 130, 120, false, false],
      [151, 133, 117, true, false],
      [97, 201, 129, false, true],
      [160, 140, 110, true, true],
    ];
    for (const [m, n, k, tA, tB] of cases) {
      for (const share of [false, true]) {
        let A = tA ? randomNormalMatrix(k, m, rng) : randomNormalMatrix(m, k, rng);
        let B = tB ? randomNormalMatrix(n, k, rng) : randomNormalMatrix(k, n, rng);
        const C0 = randomNormalMatrix(m, n, rng);
        let C1: Matrix = { rows: m, cols: n, data: C0.data.slice() };
        if (share) {
          A = shared(A);
          B = shared(B);
          C1 = shared(C1);
        }
        gemm(A, B, { transA: tA, transB: tB, alpha: -0.7, beta: 0.3, out: C1 });
        const C2 = { rows: m, cols: n, data: C0.data.slice() };
        gemmBlocked(tA, tB, -0.7, A, B, 0.3, C2);
        expect(maxAbsDiff(C1.data, C2.data)).toBe(0);
      }
    }
    expect(parallelGemmThreads()).toBe(3); // the pool did not fall back
  });

  it('syrk (lower triangle split by area) and small products agree with the plain kernel', async () => {
    await enableParallelGemm({ threads: 2 });
    const rng = createRng(5);
    for (const [r, c, trans] of [[203, 180, false], [150, 211, true]] as const) {
      const S = randomNormalMatrix(r, c, rng);
      const P = syrk(S, trans);
      const n = trans ? c : r;
      const Q = zeros(n, n);
      gemmBlocked(trans, !trans, 1, S, S, 0, Q);
      expect(maxAbsDiff(P.data, Q.data)).toBe(0);
    }
    const a = randomNormalMatrix(7, 5, rng), b = randomNormalMatrix(5, 3, rng);
    const small = gemm(a, b);
    const ref = zeros(7, 3);
    gemmBlocked(false, false, 1, a, b, 0, ref);
    expect(maxAbsDiff(small.data, ref.data)).toBe(0);
  });

  it('threads = 1 and disable restore the plain js backend; bad SNTK_THREADS is an InputError', async () => {
    expect(await enableParallelGemm({ threads: 1 })).toBe(1);
    expect(parallelGemmThreads()).toBe(1);
    disableParallelGemm();
    expect(getBackend().name).toBe('js');
    const old = process.env.SNTK_THREADS;
    try {
      process.env.SNTK_THREADS = '0';
      await expect(parallelThreadsFromEnv()).rejects.toBeInstanceOf(InputError);
      process.env.SNTK_THREADS = '2';
      expect(await parallelThreadsFromEnv()).toBe(2);
    } finally {
      if (old === undefined) delete process.env.SNTK_THREADS;
      else process.env.SNTK_THREADS = old;
    }
    await expect(enableParallelGemm({ threads: 0 })).rejects.toBeInstanceOf(InputError);
  });
});
