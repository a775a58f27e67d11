/** Shared helpers of the native-backend tests: seeded random matrices and relative errors. */
import type { Matrix } from '../../src/linalg/matrix.js';

/** Deterministic uniform(-1, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** A random `rows × cols` matrix with entries in (-1, 1). */
export function randMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = rng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = r();
  return { rows, cols, data };
}

/** A random symmetric `n × n` matrix. */
export function randSymmetric(n: number, seed: number): Matrix {
  const A = randMatrix(n, n, seed);
  const d = A.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
  return A;
}

/** A random symmetric positive-definite `n × n` matrix `M Mᵀ + n I`. */
export function randSpd(n: number, seed: number): Matrix {
  const M = randMatrix(n, n, seed);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += M.data[i * n + k]! * M.data[j * n + k]!;
      data[i * n + j] = s + (i === j ? n : 0);
    }
  }
  return { rows: n, cols: n, data };
}

/** `max|a − b| / max(max|b|, tiny)`: the relative error in the max norm. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-300);
}

/** Plain `op(A) op(B)` reference product (row-major). */
export function matmulRef(A: Matrix, B: Matrix, tA = false, tB = false): Matrix {
  const m = tA ? A.cols : A.rows, k = tA ? A.rows : A.cols, n = tB ? B.rows : B.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? A.data[p * A.cols + i]! : A.data[i * A.cols + p]!) * (tB ? B.data[j * B.cols + p]! : B.data[p * B.cols + j]!);
      out[i * n + j] = s;
    }
  return { rows: m, cols: n, data: out };
}

/** Column j of a row-major matrix. */
export function column(M: Matrix, j: number): Float64Array {
  const c = new Float64Array(M.rows);
  for (let i = 0; i < M.rows; i++) c[i] = M.data[i * M.cols + j]!;
  return c;
}

/** Column j multiplied by ±1 so that its dot product with `ref` is non-negative. */
export function alignSign(v: Float64Array, ref: Float64Array): Float64Array {
  let d = 0;
  for (let i = 0; i < v.length; i++) d += v[i]! * ref[i]!;
  return d < 0 ? v.map((x) => -x) : v;
}
