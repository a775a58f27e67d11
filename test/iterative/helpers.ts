import type { Matrix } from '../../src/linalg/matrix.js';
import { zeros } from '../../src/linalg/matrix.js';
import { gemm } from '../../src/linalg/index.js';
import { createRng } from '../../src/linalg/random.js';
import type { SymmetricApply } from '../../src/linalg/iterative/index.js';

/** Dense `G diag(d) Gᵀ / n` with G Gaussian (n × n): PSD with a spectrum decaying like d. */
export function decayingPsd(n: number, d: (i: number) => number, seed: number): Matrix {
  const rng = createRng(seed);
  const G = zeros(n, n);
  rng.fillNormal(G.data);
  const GD = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) GD.data[i * n + j] = (G.data[i * n + j]! * d(j)) / n;
  const A = gemm(GD, G, { transB: true });
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
    const v = 0.5 * (A.data[i * n + j]! + A.data[j * n + i]!);
    A.data[i * n + j] = v;
    A.data[j * n + i] = v;
  }
  return A;
}

/** A dense symmetric matrix as a block operator (counts the columns applied). */
export function denseApply(A: Matrix): SymmetricApply & { count: number } {
  const op = {
    n: A.rows,
    count: 0,
    apply(X: Matrix): Matrix {
      op.count += X.cols;
      return gemm(A, X);
    },
  };
  return op;
}

/**
 * `Q diag(lambda) Qᵀ` with `Q` a product of `h` random Householder reflectors, applied implicitly
 * (O(n·k·h) per block): exact known spectrum at any n.
 */
export function knownSpectrumOperator(lambda: Float64Array, h: number, seed: number): SymmetricApply {
  const n = lambda.length;
  const rng = createRng(seed);
  const us: Float64Array[] = [];
  for (let t = 0; t < h; t++) {
    const u = new Float64Array(n);
    rng.fillNormal(u);
    let s = 0;
    for (const v of u) s += v * v;
    const f = 1 / Math.sqrt(s);
    for (let i = 0; i < n; i++) u[i]! *= f;
    us.push(u);
  }
  const reflect = (X: Matrix, order: number[]): void => {
    const k = X.cols, x = X.data;
    for (const t of order) {
      const u = us[t]!;
      const w = new Float64Array(k);
      for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) w[c]! += u[r]! * x[r * k + c]!;
      for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) x[r * k + c]! -= 2 * u[r]! * w[c]!;
    }
  };
  const fwd = [...Array(h).keys()];
  const bwd = [...fwd].reverse();
  return {
    n,
    apply(X: Matrix): Matrix {
      // A = Q Λ Qᵀ with Q = H_{h−1}⋯H_0 (reflectors are symmetric): Qᵀ X applies H_0 first.
      const Y: Matrix = { rows: n, cols: X.cols, data: X.data.slice() };
      reflect(Y, fwd);
      const k = X.cols;
      for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) Y.data[r * k + c]! *= lambda[r]!;
      reflect(Y, bwd);
      return Y;
    },
  };
}

/** Mean and sample standard deviation. */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, sd: Math.sqrt(v) };
}
