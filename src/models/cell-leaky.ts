/**
 * Vanilla and leaky cells (one implementation; vanilla is α = 1):
 *   a = W h + U x + b,   f(h, x; θ) = (1 − α) h + α φ(a),   θ = [W (row-major), U, b].
 * ∂f/∂h = (1 − α) I + α diag φ′(a) W.  One weight site `u = [h; x; 1]`, `β = α φ′(a)`.
 */
import type { Activation, Cell, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { getBackend } from '../linalg/registry.js';
import { getActivation } from './activations.js';
import { checkLen, Slab } from './cell-util.js';
import { gerAdd, mtvAdd, mulAdd, mulTAdd, mv, nativeProducts } from './kernels.js';

/** Step cache of the vanilla/leaky cell: pre-activation `a` and `φ′(a)`. */
export interface LeakyCache extends StepCache {
  readonly a: Float64Array;
  readonly dphi: Float64Array;
}

/** The vanilla (`spec.cell === 'vanilla'`, α = 1) or leaky cell of a spec. */
export class LeakyCell implements Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  /** The Euler step α (1 for vanilla). */
  readonly alpha: number;
  private readonly act: Activation;
  private readonly oU: number;
  private readonly ob: number;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly s3: Float64Array;
  /** Block scratch (N·k), grown on demand. */
  private blk = new Float64Array(0);
  /** Where forward's cache vectors come from. */
  private readonly slab = new Slab();

  constructor(spec: ModelSpec) {
    this.spec = spec;
    const N = (this.N = spec.hiddenSize);
    const D = (this.D = spec.inputSize);
    this.P = N * N + N * D + N;
    this.alpha = spec.cell === 'vanilla' ? 1 : spec.alpha;
    this.act = getActivation(spec.activation);
    this.oU = N * N;
    this.ob = N * N + N * D;
    this.s1 = new Float64Array(N);
    this.s2 = new Float64Array(N);
    this.s3 = new Float64Array(N);
  }

  /** `h_t = (1−α)h + αφ(Wh + Ux + b)`. Cost O(N² + ND). */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): LeakyCache {
    const { N, D, oU, ob, alpha, act } = this;
    checkLen(theta, this.P, 'cell parameters θ');
    checkLen(h, N, 'state h');
    checkLen(x, D, 'input x');
    const o = out ?? new Float64Array(N);
    checkLen(o, N, 'output buffer');
    const a = this.slab.take(N);
    const dphi = this.slab.take(N);
    mv(theta, 0, N, N, h, a, false);
    mv(theta, oU, N, D, x, a, true);
    if (act.name === 'tanh') {
      // one tanh per unit: φ = t, φ′ = 1 − t² (the same numbers as act.phi / act.d1)
      for (let i = 0; i < N; i++) {
        const t = Math.tanh((a[i]! += theta[ob + i]!));
        dphi[i] = 1 - t * t;
        o[i] = (1 - alpha) * h[i]! + alpha * t;
      }
    } else {
      for (let i = 0; i < N; i++) {
        const s = (a[i]! += theta[ob + i]!);
        dphi[i] = act.d1(s);
        o[i] = (1 - alpha) * h[i]! + alpha * act.phi(s);
      }
    }
    return { h, x, out: o, a, dphi };
  }

  /** `out = (1−α) dh + α φ′(a) ⊙ (W dh)`. Cost O(N²). `out` may alias `dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    const { N, alpha } = this;
    const dphi = (c as LeakyCache).dphi;
    const t = this.s1;
    mv(theta, 0, N, N, dh, t, false);
    for (let i = 0; i < N; i++) out[i] = (1 - alpha) * dh[i]! + alpha * dphi[i]! * t[i]!;
  }

  /** `out = (1−α) e + α Wᵀ (φ′(a) ⊙ e)`. Cost O(N²). `out` may alias `e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    const { N, alpha } = this;
    const dphi = (c as LeakyCache).dphi;
    const g = this.s1;
    const r = this.s2;
    for (let i = 0; i < N; i++) {
      g[i] = alpha * dphi[i]! * e[i]!;
      r[i] = (1 - alpha) * e[i]!;
    }
    mtvAdd(theta, 0, N, N, g, r);
    out.set(r);
  }

  /** `out = α φ′(a) ⊙ (dW h + dU x + db)`. Cost O(N² + ND). */
  jvpTheta(_theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    const { N, D, oU, ob, alpha } = this;
    const { h, x } = c;
    const dphi = (c as LeakyCache).dphi;
    const t = this.s1;
    mv(dtheta, 0, N, N, h, t, false);
    mv(dtheta, oU, N, D, x, t, true);
    for (let i = 0; i < N; i++) out[i] = alpha * dphi[i]! * (t[i]! + dtheta[ob + i]!);
  }

  /** `grad += (∂f/∂θ)ᵀ e`: with `g = αφ′(a) ⊙ e`, `W += g hᵀ`, `U += g xᵀ`, `b += g`. Cost O(N² + ND). */
  vjpTheta(_theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    const { N, D, oU, ob, alpha } = this;
    const { h, x } = c;
    const dphi = (c as LeakyCache).dphi;
    const g = this.s1;
    for (let i = 0; i < N; i++) {
      const gi = (g[i] = alpha * dphi[i]! * e[i]!);
      grad[ob + i]! += gi;
    }
    gerAdd(grad, 0, N, N, g, h);
    gerAdd(grad, oU, N, D, g, x);
  }

  private blockScratch(n: number): Float64Array {
    if (this.blk.length < n) this.blk = new Float64Array(n);
    // the same size call after call (a sweep's steps): the buffer itself, no new view per step
    return this.blk.length === n ? this.blk : this.blk.subarray(0, n);
  }

  /**
   * `out (+)= (1−α) dH + α diag φ′(a) (W dH)` for `N × k` blocks: `jvpHTrials` with one trial
   * (one `N × N × k` product, then a row scaling). `out` must not overlap `dH`. Cost 2N²k + O(Nk) flops.
   */
  jvpHBlock(theta: Float64Array, c: StepCache, dH: Matrix, out: Matrix, accumulate: boolean): void {
    this.jvpHTrials(theta, [c], dH, out, accumulate);
  }

  /**
   * `out (+)= (1−α) E + α Wᵀ (diag φ′(a) E)` for `N × k` blocks: `vjpHTrials` with one trial (a
   * row scaling, then one transposed `N × N × k` product). `out` must not overlap `E`. Cost 2N²k + O(Nk) flops.
   */
  vjpHBlock(theta: Float64Array, c: StepCache, E: Matrix, out: Matrix, accumulate: boolean): void {
    this.vjpHTrials(theta, [c], E, out, accumulate);
  }

  /** `out (+)= (1−α) dH + α diag φ′_s W dH` for the S trials' column groups (Cell.jvpHTrials). Cost 2N²·S·k + O(N·S·k) flops. */
  jvpHTrials(theta: Float64Array, cs: readonly StepCache[], dH: Matrix, out: Matrix, accumulate: boolean): void {
    const { N, alpha } = this;
    const m = dH.cols;
    const k = m / cs.length;
    const z = this.blockScratch(N * m);
    z.fill(0);
    mulAdd(nativeProducts(N, m), theta, 0, N, N, dH.data, 0, m, z, 0);
    const d = dH.data, o = out.data;
    const lk = 1 - alpha;
    for (let s = 0; s < cs.length; s++) {
      const dphi = (cs[s] as LeakyCache).dphi;
      if (k === 3 && !accumulate) {
        // the natural gradient's three directions (a trial-batched Fisher sweep): unrolled
        for (let i = 0, r = s * 3; i < N; i++, r += m) {
          const sc = alpha * dphi[i]!;
          o[r] = lk * d[r]! + sc * z[r]!;
          o[r + 1] = lk * d[r + 1]! + sc * z[r + 1]!;
          o[r + 2] = lk * d[r + 2]! + sc * z[r + 2]!;
        }
        continue;
      }
      for (let i = 0; i < N; i++) {
        const sc = alpha * dphi[i]!;
        const r = i * m + s * k;
        if (accumulate) for (let j = r; j < r + k; j++) o[j]! += lk * d[j]! + sc * z[j]!;
        else for (let j = r; j < r + k; j++) o[j] = lk * d[j]! + sc * z[j]!;
      }
    }
  }

  /** `out (+)= (1−α) E + Wᵀ (α φ′_s ⊙ E)` for the S trials' column groups (Cell.vjpHTrials). Cost 2N²·S·k + O(N·S·k) flops. */
  vjpHTrials(theta: Float64Array, cs: readonly StepCache[], E: Matrix, out: Matrix, accumulate: boolean): void {
    const { N, alpha } = this;
    const m = E.cols;
    const k = m / cs.length;
    const g = this.blockScratch(N * m);
    const e = E.data, o = out.data;
    const lk = 1 - alpha;
    for (let s = 0; s < cs.length; s++) {
      const dphi = (cs[s] as LeakyCache).dphi;
      if (k === 3 && !accumulate) {
        // the natural gradient's three directions (a trial-batched Fisher sweep): unrolled
        for (let i = 0, r = s * 3; i < N; i++, r += m) {
          const sc = alpha * dphi[i]!;
          const e0 = e[r]!, e1 = e[r + 1]!, e2 = e[r + 2]!;
          g[r] = sc * e0;
          g[r + 1] = sc * e1;
          g[r + 2] = sc * e2;
          o[r] = lk * e0;
          o[r + 1] = lk * e1;
          o[r + 2] = lk * e2;
        }
        continue;
      }
      for (let i = 0; i < N; i++) {
        const sc = alpha * dphi[i]!;
        const r = i * m + s * k;
        for (let j = r; j < r + k; j++) {
          g[j] = sc * e[j]!;
          if (accumulate) o[j]! += lk * e[j]!;
          else o[j] = lk * e[j]!;
        }
      }
    }
    mulTAdd(nativeProducts(N, m), theta, 0, N, N, g, 0, m, o, 0);
  }

  /**
   * `Y_t += (1−α) Y_{t−1} + α diag φ′_t W Y_{t−1}` for a whole trial (Cell.jvpHRun), by the
   * backend's `scaledRecurrence` (W read in place across steps). Cost 2(T−1)N²k + O(T·N·k) flops.
   */
  jvpHRun(theta: Float64Array, caches: readonly StepCache[], first: number, T: number, Y: Float64Array, offset: number, k: number): void {
    this.run(false, theta, caches, first, T, Y, offset, k);
  }

  /** `Y_t += (1−α) Y_{t+1} + Wᵀ (α φ′_{t+1} ⊙ Y_{t+1})` for a whole trial (Cell.vjpHRun). Cost as `jvpHRun`. */
  vjpHRun(theta: Float64Array, caches: readonly StepCache[], first: number, T: number, Y: Float64Array, offset: number, k: number): void {
    this.run(true, theta, caches, first, T, Y, offset, k);
  }

  private run(transpose: boolean, theta: Float64Array, caches: readonly StepCache[], first: number, T: number, Y: Float64Array, offset: number, k: number): void {
    const { N, alpha } = this;
    const S = new Float64Array(T * N);
    for (let t = 0; t < T; t++) {
      const dphi = (caches[first + t] as LeakyCache).dphi;
      for (let i = 0; i < N; i++) S[t * N + i] = alpha * dphi[i]!;
    }
    getBackend().scaledRecurrence(transpose, T, N, k, theta.subarray(0, N * N), 1 - alpha, S, Y.subarray(offset, offset + T * N * k));
  }

  /** Dense `(1−α)I + α diag φ′(a) W` (N × N). */
  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    const { N, alpha } = this;
    const dphi = (c as LeakyCache).dphi;
    const M = zeros(N, N);
    const m = M.data;
    for (let i = 0; i < N; i++) {
      const s = alpha * dphi[i]!;
      for (let j = 0; j < N; j++) m[i * N + j] = s * theta[i * N + j]!;
      m[i * N + i]! += 1 - alpha;
    }
    return M;
  }

  /** Dense `∂f/∂θ` (N × P). Cost O(N·P) memory. */
  jacobianTheta(_theta: Float64Array, c: StepCache): Matrix {
    const { N, D, P, oU, ob, alpha } = this;
    const { h, x } = c;
    const dphi = (c as LeakyCache).dphi;
    const M = zeros(N, P);
    const m = M.data;
    for (let i = 0; i < N; i++) {
      const s = alpha * dphi[i]!;
      const row = i * P;
      for (let j = 0; j < N; j++) m[row + i * N + j] = s * h[j]!;
      for (let k = 0; k < D; k++) m[row + oU + i * D + k] = s * x[k]!;
      m[row + ob + i] = s;
    }
    return M;
  }

  /** One site: `u = [h; x; 1]` over blocks W, U, b; `β = α φ′(a)`. Cost O(N + D). */
  sites(_theta: Float64Array, c: StepCache): WeightSite[] {
    const { N, D, oU, ob, alpha } = this;
    const u = new Float64Array(N + D + 1);
    u.set(c.h, 0);
    u.set(c.x, N);
    u[N + D] = 1;
    const dphi = (c as LeakyCache).dphi;
    const beta = new Float64Array(N);
    for (let i = 0; i < N; i++) beta[i] = alpha * dphi[i]!;
    const segments = [{ offset: 0, colStart: 0, cols: N }];
    if (D > 0) segments.push({ offset: oU, colStart: N, cols: D });
    segments.push({ offset: ob, colStart: N + D, cols: 1 });
    return [{ u, beta, segments }];
  }

  /** `sites` written in place: `u = [h; x; 1]` into `U[0]` from `uOff[0]`, `β = α φ′(a)` into `beta[0]` from `bOff`. Cost O(N + D). */
  writeSites(_theta: Float64Array, c: StepCache, U: readonly Float64Array[], uOff: readonly number[], beta: readonly Float64Array[], bOff: number): void {
    const { N, D, alpha } = this;
    const u = U[0]!, o = uOff[0]!, bt = beta[0]!;
    const { h, x } = c;
    const dphi = (c as LeakyCache).dphi;
    for (let i = 0; i < N; i++) u[o + i] = h[i]!;
    for (let i = 0; i < D; i++) u[o + N + i] = x[i]!;
    u[o + N + D] = 1;
    for (let i = 0; i < N; i++) bt[bOff + i] = alpha * dphi[i]!;
  }

  private matvecW(theta: Float64Array, v: Float64Array, out: Float64Array): void {
    mv(theta, 0, this.N, this.N, v, out, false);
  }

  /** `out = α φ″(a) ⊙ (W r) ⊙ (W s)`. Cost O(N²). */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    const { N, alpha, act } = this;
    const a = (c as LeakyCache).a;
    this.matvecW(theta, r, this.s1);
    this.matvecW(theta, s, this.s2);
    for (let i = 0; i < N; i++) out[i] = alpha * act.d2(a[i]!) * this.s1[i]! * this.s2[i]!;
  }

  /** `out = α φ‴(a) ⊙ (W r) ⊙ (W s) ⊙ (W t)`. Cost O(N²). */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    const { N, alpha, act } = this;
    const a = (c as LeakyCache).a;
    this.matvecW(theta, r, this.s1);
    this.matvecW(theta, s, this.s2);
    this.matvecW(theta, t, this.s3);
    for (let i = 0; i < N; i++) out[i] = alpha * act.d3(a[i]!) * this.s1[i]! * this.s2[i]! * this.s3[i]!;
  }

  /** `out = α [φ″(a) ⊙ (dW h + dU x + db) ⊙ (W r) + φ′(a) ⊙ (dW r)]`. Cost O(N² + ND). */
  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    const { N, D, oU, ob, alpha, act } = this;
    const { h, x } = c;
    const lc = c as LeakyCache;
    const wr = this.s1;
    const dwr = this.s2;
    this.matvecW(theta, r, wr);
    this.matvecW(dtheta, r, dwr);
    for (let i = 0; i < N; i++) {
      let da = dtheta[ob + i]!;
      const wi = i * N;
      for (let j = 0; j < N; j++) da += dtheta[wi + j]! * h[j]!;
      const ui = oU + i * D;
      for (let k = 0; k < D; k++) da += dtheta[ui + k]! * x[k]!;
      out[i] = alpha * (act.d2(lc.a[i]!) * da * wr[i]! + lc.dphi[i]! * dwr[i]!);
    }
  }
}
