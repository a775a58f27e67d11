/**
 * Rate cell (Euler step of `τ ḣ = −h + W φ(h) + U x + b`, `α = Δt/τ`):
 *   f(h, x; θ) = (1 − α) h + α (W φ(h) + U x + b),   θ = [W (row-major), U, b].
 * ∂f/∂h = (1 − α) I + α W diag φ′(h).  One weight site `u = [φ(h); x; 1]`, `β = α·1`.
 */
import type { Activation, Cell, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { getActivation } from './activations.js';
import { checkLen } from './cell-util.js';
import { gerAdd, mtvAdd, mv } from './kernels.js';
import { gemm } from '../linalg/index.js';

/** Step cache of the rate cell: `φ(h)` and `φ′(h)`. */
export interface RateCache extends StepCache {
  readonly phih: Float64Array;
  readonly dphih: Float64Array;
}

/** The rate cell of a spec. */
export class RateCell implements Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  readonly alpha: number;
  private readonly act: Activation;
  private readonly oU: number;
  private readonly ob: number;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  /** Block scratch (N·k), grown on demand. */
  private blk = new Float64Array(0);

  constructor(spec: ModelSpec) {
    this.spec = spec;
    const N = (this.N = spec.hiddenSize);
    const D = (this.D = spec.inputSize);
    this.P = N * N + N * D + N;
    this.alpha = spec.alpha;
    this.act = getActivation(spec.activation);
    this.oU = N * N;
    this.ob = N * N + N * D;
    this.s1 = new Float64Array(N);
    this.s2 = new Float64Array(N);
  }

  /** `h_t = (1−α)h + α(W φ(h) + U x + b)`. Cost O(N² + ND). */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): RateCache {
    const { N, D, oU, ob, alpha, act } = this;
    checkLen(theta, this.P, 'cell parameters θ');
    checkLen(h, N, 'state h');
    checkLen(x, D, 'input x');
    const o = out ?? new Float64Array(N);
    checkLen(o, N, 'output buffer');
    const phih = new Float64Array(N);
    const dphih = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      phih[j] = act.phi(h[j]!);
      dphih[j] = act.d1(h[j]!);
    }
    const t = this.s1;
    mv(theta, 0, N, N, phih, t, false);
    mv(theta, oU, N, D, x, t, true);
    for (let i = 0; i < N; i++) o[i] = (1 - alpha) * h[i]! + alpha * (t[i]! + theta[ob + i]!);
    return { h, x, out: o, phih, dphih };
  }

  private matvecW(theta: Float64Array, v: Float64Array, out: Float64Array): void {
    mv(theta, 0, this.N, this.N, v, out, false);
  }

  /** `out = (1−α) dh + α W (φ′(h) ⊙ dh)`. Cost O(N²). `out` may alias `dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    const { N, alpha } = this;
    const d = (c as RateCache).dphih;
    const v = this.s1;
    const w = this.s2;
    for (let j = 0; j < N; j++) v[j] = d[j]! * dh[j]!;
    this.matvecW(theta, v, w);
    for (let i = 0; i < N; i++) out[i] = (1 - alpha) * dh[i]! + alpha * w[i]!;
  }

  /** `out = (1−α) e + α φ′(h) ⊙ (Wᵀ e)`. Cost O(N²). `out` may alias `e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    const { N, alpha } = this;
    const d = (c as RateCache).dphih;
    const w = this.s1;
    w.fill(0);
    mtvAdd(theta, 0, N, N, e, w);
    for (let j = 0; j < N; j++) out[j] = (1 - alpha) * e[j]! + alpha * d[j]! * w[j]!;
  }

  /** `out = α (dW φ(h) + dU x + db)`. Cost O(N² + ND). */
  jvpTheta(_theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    const { N, D, oU, ob, alpha } = this;
    const x = c.x;
    const p = (c as RateCache).phih;
    const t = this.s1;
    mv(dtheta, 0, N, N, p, t, false);
    mv(dtheta, oU, N, D, x, t, true);
    for (let i = 0; i < N; i++) out[i] = alpha * (t[i]! + dtheta[ob + i]!);
  }

  /** `grad += (∂f/∂θ)ᵀ e`: `W += α e φ(h)ᵀ`, `U += α e xᵀ`, `b += α e`. Cost O(N² + ND). */
  vjpTheta(_theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    const { N, D, oU, ob, alpha } = this;
    const x = c.x;
    const p = (c as RateCache).phih;
    const g = this.s1;
    for (let i = 0; i < N; i++) {
      const gi = (g[i] = alpha * e[i]!);
      grad[ob + i]! += gi;
    }
    gerAdd(grad, 0, N, N, g, p);
    gerAdd(grad, oU, N, D, g, x);
  }

  private blockScratch(n: number): Float64Array {
    if (this.blk.length < n) this.blk = new Float64Array(n);
    // the same size call after call (a sweep's steps): the buffer itself, no new view per step
    return this.blk.length === n ? this.blk : this.blk.subarray(0, n);
  }

  /**
   * `out (+)= (1−α) dH + α W (diag φ′(h) dH)` for `N × k` blocks: a row scaling, then one
   * `N × N × k` GEMM into `out`. `out` must not overlap `dH`. Cost 2N²k + O(Nk) flops.
   */
  jvpHBlock(theta: Float64Array, c: StepCache, dH: Matrix, out: Matrix, accumulate: boolean): void {
    const { N, alpha } = this;
    const k = dH.cols;
    const dp = (c as RateCache).dphih;
    const V = { rows: N, cols: k, data: this.blockScratch(N * k) };
    const v = V.data, d = dH.data, o = out.data;
    const lk = 1 - alpha;
    for (let i = 0; i < N; i++) {
      const sc = dp[i]!;
      const r = i * k;
      for (let j = r; j < r + k; j++) v[j] = sc * d[j]!;
      if (accumulate) for (let j = r; j < r + k; j++) o[j]! += lk * d[j]!;
      else for (let j = r; j < r + k; j++) o[j] = lk * d[j]!;
    }
    gemm({ rows: N, cols: N, data: theta.subarray(0, N * N) }, V, { out, alpha, beta: 1 });
  }

  /**
   * `out (+)= (1−α) E + α diag φ′(h) (Wᵀ E)` for `N × k` blocks: one transposed `N × N × k`
   * GEMM, then a row scaling. `out` must not overlap `E`. Cost 2N²k + O(Nk) flops.
   */
  vjpHBlock(theta: Float64Array, c: StepCache, E: Matrix, out: Matrix, accumulate: boolean): void {
    const { N, alpha } = this;
    const k = E.cols;
    const dp = (c as RateCache).dphih;
    const S = { rows: N, cols: k, data: this.blockScratch(N * k) };
    gemm({ rows: N, cols: N, data: theta.subarray(0, N * N) }, E, { transA: true, out: S });
    const s = S.data, e = E.data, o = out.data;
    const lk = 1 - alpha;
    for (let i = 0; i < N; i++) {
      const sc = alpha * dp[i]!;
      const r = i * k;
      if (accumulate) for (let j = r; j < r + k; j++) o[j]! += lk * e[j]! + sc * s[j]!;
      else for (let j = r; j < r + k; j++) o[j] = lk * e[j]! + sc * s[j]!;
    }
  }

  /** Dense `(1−α)I + α W diag φ′(h)` (N × N). */
  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    const { N, alpha } = this;
    const d = (c as RateCache).dphih;
    const M = zeros(N, N);
    const m = M.data;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) m[i * N + j] = alpha * theta[i * N + j]! * d[j]!;
      m[i * N + i]! += 1 - alpha;
    }
    return M;
  }

  /** Dense `∂f/∂θ` (N × P). */
  jacobianTheta(_theta: Float64Array, c: StepCache): Matrix {
    const { N, D, P, oU, ob, alpha } = this;
    const x = c.x;
    const p = (c as RateCache).phih;
    const M = zeros(N, P);
    const m = M.data;
    for (let i = 0; i < N; i++) {
      const row = i * P;
      for (let j = 0; j < N; j++) m[row + i * N + j] = alpha * p[j]!;
      for (let k = 0; k < D; k++) m[row + oU + i * D + k] = alpha * x[k]!;
      m[row + ob + i] = alpha;
    }
    return M;
  }

  /** One site: `u = [φ(h); x; 1]` over blocks W, U, b; `β = α·1`. Cost O(N + D). */
  sites(_theta: Float64Array, c: StepCache): WeightSite[] {
    const { N, D, oU, ob, alpha } = this;
    const u = new Float64Array(N + D + 1);
    u.set((c as RateCache).phih, 0);
    u.set(c.x, N);
    u[N + D] = 1;
    const beta = new Float64Array(N).fill(alpha);
    const segments = [{ offset: 0, colStart: 0, cols: N }];
    if (D > 0) segments.push({ offset: oU, colStart: N, cols: D });
    segments.push({ offset: ob, colStart: N + D, cols: 1 });
    return [{ u, beta, segments }];
  }

  /** `out = α W (φ″(h) ⊙ r ⊙ s)`. Cost O(N²). */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    const { N, alpha, act } = this;
    const h = c.h;
    const v = this.s1;
    for (let j = 0; j < N; j++) v[j] = alpha * act.d2(h[j]!) * r[j]! * s[j]!;
    this.matvecW(theta, v, out);
  }

  /** `out = α W (φ‴(h) ⊙ r ⊙ s ⊙ t)`. Cost O(N²). */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    const { N, alpha, act } = this;
    const h = c.h;
    const v = this.s1;
    for (let j = 0; j < N; j++) v[j] = alpha * act.d3(h[j]!) * r[j]! * s[j]! * t[j]!;
    this.matvecW(theta, v, out);
  }

  /** `out = α dW (φ′(h) ⊙ r)`. Cost O(N²). */
  hessianHTheta(_theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    const { N, alpha } = this;
    const d = (c as RateCache).dphih;
    const v = this.s1;
    for (let j = 0; j < N; j++) v[j] = alpha * d[j]! * r[j]!;
    this.matvecW(dtheta, v, out);
  }
}
