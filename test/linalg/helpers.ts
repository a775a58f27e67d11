/** Test helpers for the linear-algebra layer (naive reference kernels). */
import type { Matrix } from '../../src/linalg/index.js';
import { afterAll, beforeAll } from 'vitest';
import { createRng, getBackend, randomNormalMatrix, setBackend } from '../../src/linalg/index.js';
import { disableParallelGemm } from '../../src/linalg/parallel/index.js';

/** Naive `α op(A) op(B) + β C` (new matrix). */
export function naiveGemm(tA: boolean, tB: boolean, alpha: number, A: Matrix, B: Matrix, beta: number, C: Matrix): Matrix {
  const m = tA ? A.cols : A.rows;
  const k = tA ? A.rows : A.cols;
  const n = tB ? B.rows : B.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = tA ? A.data[p * A.cols + i]! : A.data[i * A.cols + p]!;
        const b = tB ? B.data[j * B.cols + p]! : B.data[p * B.cols + j]!;
        s += a * b;
      }
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * C.data[i * n + j]!);
    }
  }
  return { rows: m, cols: n, data: out };
}

/** Max |a − b| over entries. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Max |a|. */
export function maxAbs(a: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]!));
  return d;
}

/** A seeded Gaussian matrix. */
export function gaussian(rows: number, cols: number, seed: number): Matrix {
  return randomNormalMatrix(rows, cols, createRng(seed));
}

/**
 * For a suite of the worker-pool backend: selects `js` before the suite (the pool is a variant of
 * the pure TypeScript backend, tested as such under any SNTK_BACKEND) and, after it, stops the
 * pool and restores the backend that was active.
 */
export function onPoolBackend(): void {
  let previous: 'js' | 'native';
  beforeAll(() => {
    previous = getBackend().name;
    setBackend('js');
  });
  afterAll(() => {
    disableParallelGemm();
    setBackend(previous);
  });
}
