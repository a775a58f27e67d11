/** Fixtures of the channel tests: vanilla/leaky models with prescribed weights and fixed points. */
import { createModel, defineSpec, paramView } from '../../src/models/index.js';
import type { Model } from '../../src/models/index.js';
import { createRng, randomOrthogonal } from '../../src/linalg/random.js';
import { generalEigen } from '../../src/linalg/index.js';

/** A vanilla tanh model (D inputs, no readout) with recurrent weights `W` (row-major) and bias `b`. */
export function vanilla(N: number, W: ArrayLike<number>, b?: ArrayLike<number>, D = 0, cell: 'vanilla' | 'leaky' = 'vanilla', alpha?: number): Model {
  const spec = defineSpec({ cell, hiddenSize: N, inputSize: D, outputSize: 0, ...(alpha !== undefined ? { alpha } : {}) });
  const m = createModel(spec);
  paramView(m, 'W').data.set(W);
  if (b) paramView(m, 'b').data.set(b);
  return m;
}

/** `Q diag(s) Qᵀ` with `s = [1, s2, …]` descending, `s_i ≤ s2` (seeded). */
export function symmetricTop1(N: number, s2: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const Q = randomOrthogonal(N, rng);
  const s = new Float64Array(N);
  s[0] = 1;
  for (let i = 1; i < N; i++) s[i] = s2 - (i - 1) * (s2 + 0.5) / Math.max(1, N - 2);
  const S = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    let v = 0;
    for (let k = 0; k < N; k++) v += Q.data[i * N + k]! * s[k]! * Q.data[j * N + k]!;
    S[i * N + j] = v;
  }
  return S;
}

/**
 * A generic (non-symmetric, asymmetric-bias) vanilla tanh model of size N whose fixed point `h*`
 * (random, |h*_i| ≤ 0.5) at zero input has a real eigenvalue `1 − sigma` of `J* = D*W` as its
 * eigenvalue nearest 1: `W = c (0.5·G/√N + u vᵀ)` scaled so that the top real eigenvalue of `D*W`
 * is `1 − σ`, and `b = atanh(h*) − W h*`. Returns the model and `h*`.
 */
export function nearFold(N: number, sigma: number, seed: number): { model: Model; hStar: Float64Array } {
  const rng = createRng(seed);
  const h = new Float64Array(N);
  for (let i = 0; i < N; i++) h[i] = 0.5 * (2 * rng.uniform() - 1);
  const W0 = new Float64Array(N * N);
  const u = new Float64Array(N), v = new Float64Array(N);
  rng.fillNormal(u);
  rng.fillNormal(v);
  const nu = Math.hypot(...u), nv = Math.hypot(...v);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) W0[i * N + j] = (0.5 * rng.normal()) / Math.sqrt(N) + (2 * u[i]! * v[j]!) / (nu * nv);
  // top real eigenvalue of D W0
  const DW = { rows: N, cols: N, data: new Float64Array(N * N) };
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) DW.data[i * N + j] = (1 - h[i]! * h[i]!) * W0[i * N + j]!;
  const e = generalEigen(DW);
  let top = -Infinity;
  for (let k = 0; k < N; k++) if (Math.abs(e.im[k]!) < 1e-12 && e.re[k]! > top) top = e.re[k]!;
  const c = (1 - sigma) / top;
  const W = W0.map((x) => c * x);
  const b = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += W[i * N + j]! * h[j]!;
    b[i] = Math.atanh(h[i]!) - s;
  }
  return { model: vanilla(N, W, b), hStar: h };
}

/** Cosine of two vectors. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Least-squares slope and R² of y on x. */
export function slope(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const s = sxy / sxx;
  return { slope: s, intercept: my - s * mx };
}
